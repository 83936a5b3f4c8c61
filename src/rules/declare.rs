//! The two declarations every rule goes through: `declare_rule!` in the rule's own file and
//! `area_rules!` in its area's `mod.rs`.

/// Declares the rule of the file it is written in, from one description:
///
/// ```ignore
/// declare_rule! {
///     id: "RA103",
///     name: "config-version-1",
///     area: Containerd,
///     summary: "The config has no `version` (or `version = 1`): ...",
///     inputs: [ContainerdConfig],
///     cases: [
///         Deprecated("deprecated", Warning),
///         QualifiedIgnored("qualified-tables-ignored", Error),
///     ],
/// }
/// ```
///
/// It defines the rule's `Case` enum (one variant per case, with its id and default
/// severity; the first is the default), `META` (the doc is `rules/<id>.md`, compiled in) and
/// `RULE`, which runs the file's `fn check(&NodeSnapshot, &mut Emitter<Case>)`.
macro_rules! declare_rule {
    (
        id: $id:literal,
        name: $name:literal,
        area: $area:ident,
        summary: $summary:expr,
        inputs: [$($input:ident),* $(,)?],
        cases: [$($(#[$doc:meta])* $variant:ident($case_id:literal, $severity:ident)),+ $(,)?] $(,)?
    ) => {
        rule_meta! {
            id: $id, name: $name, area: $area, summary: $summary, inputs: [$($input),*],
            cases: [$($(#[$doc])* $variant($case_id, $severity)),+],
        }

        pub(super) static RULE: $crate::engine::Rule = $crate::engine::Rule {
            meta: &META,
            run: $crate::engine::Check::Node(|snapshot| {
                $crate::engine::Emitter::<Case>::run(snapshot, check)
            }),
        };
    };
}

/// The rule's `Case` enum and `META`, shared by `declare_rule!` and `declare_cluster_rule!`.
macro_rules! rule_meta {
    (
        id: $id:literal,
        name: $name:literal,
        area: $area:ident,
        summary: $summary:expr,
        inputs: [$($input:ident),* $(,)?],
        cases: [$($(#[$doc:meta])* $variant:ident($case_id:literal, $severity:ident)),+ $(,)?] $(,)?
    ) => {
        /// The ways this rule fires.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum Case {
            $($(#[$doc])* $variant),+
        }

        impl $crate::vocabulary::RuleCase for Case {
            const RULE: &'static $crate::vocabulary::RuleMeta = &META;

            fn index(self) -> usize {
                self as usize
            }
        }

        static META: $crate::vocabulary::RuleMeta = $crate::vocabulary::RuleMeta {
            id: $id,
            name: $name,
            area: $crate::vocabulary::Area::$area,
            summary: $summary,
            cases: &[$($crate::vocabulary::CaseMeta {
                id: $case_id,
                severity: $crate::vocabulary::Severity::$severity,
            }),+],
            inputs: &[$($crate::model::InputKind::$input),*],
            doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $id, ".md")),
        };
    };
}

/// Declares a cluster rule: as `declare_rule!`, with the file's
/// `fn check(&ClusterFacts, &mut Emitter<Case>)`.
macro_rules! declare_cluster_rule {
    (
        id: $id:literal,
        name: $name:literal,
        summary: $summary:expr,
        cases: [$($(#[$doc:meta])* $variant:ident($case_id:literal, $severity:ident)),+ $(,)?] $(,)?
    ) => {
        rule_meta! {
            id: $id, name: $name, area: Cluster, summary: $summary, inputs: [KubernetesObjects],
            cases: [$($(#[$doc])* $variant($case_id, $severity)),+],
        }

        pub(super) static RULE: $crate::engine::Rule = $crate::engine::Rule {
            meta: &META,
            run: $crate::engine::Check::Cluster(|facts| {
                $crate::engine::Emitter::<Case>::run_cluster(facts, check)
            }),
        };
    };
}

/// Declares an area's rule modules and lists their rules in `RULES`: adding a rule to an area
/// is adding its module's name here.
macro_rules! area_rules {
    ($($rule:ident),+ $(,)?) => {
        $(mod $rule;)+

        pub(super) static RULES: &[&$crate::engine::Rule] = &[$(&$rule::RULE),+];
    };
}
