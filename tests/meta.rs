//! The rule registry, the rule docs, the generated catalog and the fixtures agree.
//! Everything is driven by `runtime_audit::rules::all()` and the files on disk: adding a rule
//! without its doc, its fixtures or a regenerated docs/rules.md fails here, with the list of
//! what is missing.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use runtime_audit::rules;

/// The sections every rule doc has, in this order.
const SECTIONS: [&str; 5] = [
    "What it checks",
    "Why it matters for the migration",
    "Example",
    "Remediation",
    "References",
];

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `RA` and three digits for node rules, `RAC` and two digits for cluster rules.
fn is_rule_id(s: &str) -> bool {
    let digits = |d: &str| d.chars().all(|c| c.is_ascii_digit());
    s.len() == 5
        && (s.strip_prefix("RAC").is_some_and(digits) || s.strip_prefix("RA").is_some_and(digits))
}

#[test]
fn ids_and_names_are_unique_and_well_formed() {
    let all = rules::all();
    assert!(!all.is_empty());
    let mut problems = Vec::new();
    let mut ids = BTreeSet::new();
    let mut names = BTreeSet::new();
    for r in &all {
        let m = r.meta;
        if !is_rule_id(m.id) {
            problems.push(format!("{}: id does not match RA\\d{{3}}", m.id));
        }
        if !ids.insert(m.id) {
            problems.push(format!("{}: id registered twice", m.id));
        }
        if !is_kebab(m.name) {
            problems.push(format!("{}: name {:?} is not kebab-case", m.id, m.name));
        }
        if !names.insert(m.name) {
            problems.push(format!("{}: name {:?} used twice", m.id, m.name));
        }
        if m.summary.trim().is_empty() || m.summary.contains('\n') {
            problems.push(format!("{}: summary must be one non-empty line", m.id));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn cases_are_declared_and_unique() {
    let mut problems = Vec::new();
    for r in rules::all() {
        let m = r.meta;
        if m.cases.is_empty() {
            problems.push(format!("{}: no cases", m.id));
        }
        let mut seen = BTreeSet::new();
        for c in m.cases {
            // Kebab-case, with dots allowed for versions (`migration-gap-2.0-2.2`).
            if !is_kebab(&c.id.replace('.', "-")) {
                problems.push(format!(
                    "{}: case {:?} is not kebab-case (dots allowed)",
                    m.id, c.id
                ));
            }
            if !seen.insert(c.id) {
                problems.push(format!("{}: case {:?} declared twice", m.id, c.id));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `## ` headings outside code blocks.
fn headings(doc: &str) -> Vec<String> {
    let mut fence = false;
    let mut out = Vec::new();
    for line in doc.lines() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
        }
        if !fence && line.starts_with("## ") {
            out.push(line[3..].trim().to_owned());
        }
    }
    out
}

#[test]
fn every_rule_has_its_doc_with_the_required_sections() {
    let dir = common::repo().join("rules");
    let mut problems = Vec::new();
    for r in rules::all() {
        let m = r.meta;
        let path = dir.join(format!("{}.md", m.id));
        let Ok(text) = std::fs::read_to_string(&path) else {
            problems.push(format!("{}: rules/{}.md is missing", m.id, m.id));
            continue;
        };
        if text != m.doc {
            problems.push(format!(
                "{}: RuleMeta.doc is not rules/{}.md (include_str! of another file?)",
                m.id, m.id
            ));
        }
        let title = text.lines().next().unwrap_or("");
        let want = format!("# {} {}", m.id, m.name);
        if title.trim_end() != want {
            problems.push(format!("{}: title is {title:?}, expected {want:?}", m.id));
        }
        let got = headings(&text);
        if got != SECTIONS {
            problems.push(format!(
                "{}: sections are {got:?}, expected exactly {SECTIONS:?}",
                m.id
            ));
        }
        for s in SECTIONS {
            let body = section_body(&text, s);
            if body.is_some_and(|b| b.trim().is_empty()) {
                problems.push(format!("{}: section {s:?} is empty", m.id));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn section_body<'a>(doc: &'a str, title: &str) -> Option<&'a str> {
    let marker = format!("\n## {title}\n");
    let start = doc.find(&marker)? + marker.len();
    let rest = &doc[start..];
    Some(rest.find("\n## ").map_or(rest, |end| &rest[..end]))
}

#[test]
fn every_rule_doc_belongs_to_a_registered_rule() {
    let ids: BTreeSet<&str> = rules::all().iter().map(|r| r.meta.id).collect();
    let mut strays = Vec::new();
    for entry in std::fs::read_dir(common::repo().join("rules")).expect("rules/") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        match name.strip_suffix(".md") {
            Some(id) if ids.contains(id) => {}
            _ => strays.push(name),
        }
    }
    assert!(
        strays.is_empty(),
        "rules/ files without a registered rule: {strays:?}"
    );
}

#[test]
fn docs_rules_md_is_generated_from_the_registry() {
    let out = common::bin()
        .args(["rules", "--format", "markdown"])
        .output()
        .expect("run rules");
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).expect("UTF-8");
    let path = common::repo().join("docs/rules.md");
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/rules.md is stale: run `cargo run -q -- rules --format markdown > docs/rules.md`"
    );
}

#[test]
fn the_readme_counts_the_rules() {
    let all = rules::all();
    let cluster = all.iter().filter(|r| r.meta.id.starts_with("RAC")).count();
    let node = all.len() - cluster;
    let readme = std::fs::read_to_string(common::repo().join("README.md")).expect("README.md");
    let said = format!("{node} node rules in ten areas");
    assert!(readme.contains(&said), "README.md should say `{said}`");
    let said = format!("{cluster} cluster rules");
    assert!(readme.contains(&said), "README.md should say `{said}`");
}

/// What the fixtures show about each rule: the expectations of rule scenarios, plus pass /
/// fail seen in whole-node scenarios.
fn fixture_coverage() -> BTreeMap<String, BTreeSet<String>> {
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in common::cluster_scenarios() {
        seen.entry(s.rule.clone())
            .or_default()
            .insert(s.expect.clone());
    }
    for s in common::scenarios() {
        if let Some(rule) = &s.rule {
            let expect = s.expect.clone().unwrap_or_else(|| "fail".into());
            seen.entry(rule.clone()).or_default().insert(expect);
        }
        if let Some(fail) = &s.fail {
            for id in fail {
                seen.entry(id.clone()).or_default().insert("fail".into());
            }
            // A whole-node scenario shows the rules it does not list passing, if its report
            // says so.
            if let Ok(report) = common::run_json(&s.dir, &s.args(), &[]) {
                for r in report["rules"].as_array().into_iter().flatten() {
                    if r["status"] == "pass" {
                        let id = r["id"].as_str().unwrap_or("").to_owned();
                        seen.entry(id).or_default().insert("pass".into());
                    }
                }
            }
        }
    }
    seen
}

#[test]
fn every_rule_has_a_failing_and_a_passing_fixture() {
    let seen = fixture_coverage();
    let mut missing = Vec::new();
    for r in rules::all() {
        let id = r.meta.id;
        let have = seen.get(id).cloned().unwrap_or_default();
        let lacks: Vec<&str> = ["fail", "pass"]
            .into_iter()
            .filter(|e| !have.contains(*e))
            .collect();
        if !lacks.is_empty() {
            missing.push(format!(
                "{id} {}: no {} fixture (fixtures/rules/{id}/<scenario>/scenario.toml with rule = \"{id}\" and expect = ...)",
                r.meta.name,
                lacks.join(" and no ")
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "{} rule(s) lack fixtures:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn scenarios_name_registered_rules_and_known_cases() {
    let all = rules::all();
    let mut problems = Vec::new();
    for s in common::scenarios() {
        let mut named: Vec<&String> = s.rule.iter().collect();
        named.extend(s.fail.iter().flatten());
        for id in named {
            if !all.iter().any(|r| r.meta.id == id.as_str()) {
                problems.push(format!("{}: names unknown rule {id}", s.name));
            }
        }
        if let (Some(rule), Some(cases)) = (&s.rule, &s.cases)
            && let Some(r) = all.iter().find(|r| r.meta.id == rule.as_str())
        {
            for c in cases {
                if r.meta.case(c).is_none() {
                    problems.push(format!("{}: {rule} has no case {c:?}", s.name));
                }
            }
        }
        if let Some(e) = &s.expect
            && !["fail", "pass", "not-applicable", "inconclusive"].contains(&e.as_str())
        {
            problems.push(format!("{}: unknown expect {e:?}", s.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Each `src/rules/<area>/raNNN.rs` declares rule RANNN of that area and is registered (a
/// file missing from its area's `area_rules!` list would never run).
#[test]
fn every_rule_file_is_registered_in_its_area() {
    let all = rules::all();
    let dir = common::repo().join("src/rules");
    let mut files = 0;
    let mut problems = Vec::new();
    for area in std::fs::read_dir(&dir).expect("src/rules").flatten() {
        if !area.path().is_dir() {
            continue;
        }
        let area_name = area.file_name().to_string_lossy().into_owned();
        for f in std::fs::read_dir(area.path()).expect("area").flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            let Some(id) = name
                .strip_suffix(".rs")
                .filter(|s| s.starts_with("ra"))
                .map(str::to_ascii_uppercase)
            else {
                continue;
            };
            files += 1;
            match all.iter().find(|r| r.meta.id == id) {
                None => problems.push(format!("{area_name}/{name}: {id} is not registered")),
                Some(r) => {
                    let declared: &str = r.meta.area.into();
                    if declared != area_name {
                        problems.push(format!("{area_name}/{name}: {id} declares area {declared}"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(files, all.len(), "one file per registered rule");
}

/// Every dependency in Cargo.toml is used: named as a path (`name::`) or macro (`name!`) in
/// the sources that can use it (src/ for dependencies, build.rs for build-dependencies, src/
/// and tests/ for dev-dependencies). Code generated at build time is not on disk, so the
/// crates only it names are listed here.
#[test]
fn every_dependency_is_used() {
    /// Named only by the CRI client that build.rs generates from proto/.
    const GENERATED_CODE_ONLY: [&str; 2] = ["prost", "tonic-prost"];
    let root = common::repo();
    let manifest: toml::Table = std::fs::read_to_string(root.join("Cargo.toml"))
        .expect("Cargo.toml")
        .parse()
        .expect("Cargo.toml is TOML");
    let sources = |dirs: &[&str]| -> String {
        let mut text = String::new();
        for d in dirs {
            let p = root.join(d);
            if p.is_file() {
                text.push_str(&std::fs::read_to_string(&p).expect("source"));
            } else {
                rust_files(&p, &mut text);
            }
        }
        text
    };
    let mut unused = Vec::new();
    for (table, dirs) in [
        ("dependencies", &["src"][..]),
        ("build-dependencies", &["build.rs"][..]),
        ("dev-dependencies", &["src", "tests"][..]),
    ] {
        let text = sources(dirs);
        let Some(deps) = manifest.get(table).and_then(toml::Value::as_table) else {
            continue;
        };
        for name in deps.keys() {
            if GENERATED_CODE_ONLY.contains(&name.as_str()) {
                continue;
            }
            let ident = name.replace('-', "_");
            let named = [format!("{ident}::"), format!("{ident}!")]
                .iter()
                .any(|form| {
                    text.match_indices(form.as_str()).any(|(at, _)| {
                        !text[..at]
                            .chars()
                            .next_back()
                            .is_some_and(|c| c.is_alphanumeric() || c == '_')
                    })
                });
            if !named {
                unused.push(format!("[{table}] {name}"));
            }
        }
    }
    assert!(
        unused.is_empty(),
        "dependencies no source names (remove them from Cargo.toml): {unused:?}"
    );
}

/// The text of every `.rs` file under `dir`.
fn rust_files(dir: &std::path::Path, text: &mut String) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, text);
        } else if p.extension().is_some_and(|x| x == "rs") {
            text.push_str(&std::fs::read_to_string(&p).expect("source"));
        }
    }
}

// ---- no import cycle between source files --------------------------------------------

/// One source file: its module path and the paths it names (`use` trees expanded, and
/// `crate::` paths written in code), with whether each is a `pub` re-export.
struct SourceFile {
    module: Vec<String>,
    paths: Vec<(bool, Vec<String>)>,
}

/// No source file depends on itself through others: every `use` path and `crate::` path in
/// non-test code is resolved to the file that defines the item, through re-exports, and the
/// graph of those files has no cycle.
#[test]
fn no_import_cycle_between_source_files() {
    let src = common::repo().join("src");
    let mut files = BTreeMap::new();
    collect_sources(&src, &src, &mut files);
    let edges: BTreeMap<&String, BTreeSet<String>> = files
        .iter()
        .map(|(name, f)| {
            let targets = f
                .paths
                .iter()
                .filter_map(|(_, p)| resolve(&files, &f.module, p))
                .map(|(file, item)| through_reexports(&files, file, item, 0))
                .filter(|t| t != name && t != "lib.rs")
                .collect();
            (name, targets)
        })
        .collect();
    let mut cycles = Vec::new();
    for start in edges.keys() {
        if let Some(path) = path_back(&edges, start) {
            cycles.push(path.join(" -> "));
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

/// A path from `start` back to itself, if there is one.
fn path_back(edges: &BTreeMap<&String, BTreeSet<String>>, start: &String) -> Option<Vec<String>> {
    let mut stack = vec![(start.clone(), vec![start.clone()])];
    let mut seen = BTreeSet::new();
    while let Some((at, path)) = stack.pop() {
        for next in edges.get(&at).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(next.clone());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

fn collect_sources(
    root: &std::path::Path,
    dir: &std::path::Path,
    out: &mut BTreeMap<String, SourceFile>,
) {
    for e in std::fs::read_dir(dir).expect("src").flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_sources(root, &p, out);
            continue;
        }
        if p.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let name = p
            .strip_prefix(root)
            .expect("under src")
            .display()
            .to_string();
        let text = std::fs::read_to_string(&p).expect("source");
        // Test modules may use anything of their parent.
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
        let mut module: Vec<String> = name
            .trim_end_matches(".rs")
            .split('/')
            .map(str::to_owned)
            .collect();
        if module
            .last()
            .is_some_and(|m| m == "mod" || m == "lib" || m == "main")
        {
            module.pop();
        }
        out.insert(
            name,
            SourceFile {
                module,
                paths: named_paths(code),
            },
        );
    }
}

/// The paths a file names: `use` trees expanded, then `crate::` paths written in code.
fn named_paths(code: &str) -> Vec<(bool, Vec<String>)> {
    let mut out = Vec::new();
    let mut rest = String::new();
    for s in code.split(';') {
        let t = s.trim_start();
        let t = t.rsplit('\n').next().map_or(t, |last| {
            // A `use` starts its own line; anything before it belongs to earlier code.
            let line = last.trim_start();
            if line.starts_with("use ") || line.starts_with("pub") {
                line
            } else {
                t
            }
        });
        let (public, tree) = if let Some(tree) = t.strip_prefix("use ") {
            (false, Some(tree))
        } else if t.starts_with("pub") && t.contains(" use ") {
            (true, t.split_once(" use ").map(|(_, tree)| tree))
        } else {
            (false, None)
        };
        match tree {
            Some(tree) => out.extend(expand(tree).into_iter().map(|p| (public, p))),
            None => {
                rest.push_str(s);
                rest.push(';');
            }
        }
    }
    let mut at = 0;
    while let Some(i) = rest[at..].find("crate::") {
        let start = at + i;
        let before_ok = !rest[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
        let len = rest[start..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len() - start);
        if before_ok {
            let path: Vec<String> = rest[start..start + len]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            out.push((false, path));
        }
        at = start + len.max(1);
    }
    out
}

/// A `use` tree as the paths it names (`a::{b, c::{d, self}}` gives `a::b`, `a::c::d`, `a::c`).
fn expand(tree: &str) -> Vec<Vec<String>> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        let path = tree.split("as").next().unwrap_or(&tree);
        return vec![
            path.split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ];
    };
    let prefix: Vec<String> = tree[..open]
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut parts, mut depth, mut current) = (Vec::new(), 0, String::new());
    for c in inner.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(p))
        .map(|tail| {
            let mut path = prefix.clone();
            path.extend(tail.into_iter().filter(|s| s != "self"));
            path
        })
        .collect()
}

/// The file of a module path, if it is one.
fn module_file(files: &BTreeMap<String, SourceFile>, module: &[String]) -> Option<String> {
    if module.is_empty() {
        return Some("lib.rs".to_owned());
    }
    let base = module.join("/");
    [format!("{base}.rs"), format!("{base}/mod.rs")]
        .into_iter()
        .find(|f| files.contains_key(f))
}

/// The file a path from `module` leads to, and the item it names there.
fn resolve<'p>(
    files: &BTreeMap<String, SourceFile>,
    module: &[String],
    path: &'p [String],
) -> Option<(String, Option<&'p String>)> {
    let (first, rest) = path.split_first()?;
    let mut base: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        "self" => module.to_vec(),
        "super" => module[..module.len().saturating_sub(1)].to_vec(),
        child if module_file(files, &[module, &[child.to_owned()]].concat()).is_some() => {
            let mut m = module.to_vec();
            m.push(child.to_owned());
            m
        }
        _ => return None,
    };
    let mut rest = rest;
    while let Some((s, tail)) = rest.split_first() {
        if s != "super" {
            break;
        }
        base.pop();
        rest = tail;
    }
    let full: Vec<String> = base.iter().chain(rest).cloned().collect();
    (0..=full.len()).rev().find_map(|k| {
        module_file(files, &full[..k]).map(|f| (f, rest.get(k.saturating_sub(base.len()))))
    })
}

/// The file that defines `item`, following `pub use` re-exports from `file`.
fn through_reexports(
    files: &BTreeMap<String, SourceFile>,
    file: String,
    item: Option<&String>,
    depth: usize,
) -> String {
    let (Some(item), Some(f)) = (item, files.get(&file)) else {
        return file;
    };
    if depth > 8 {
        return file;
    }
    for (public, path) in &f.paths {
        if *public
            && path.last() == Some(item)
            && let Some((target, inner)) = resolve(files, &f.module, path)
            && target != file
        {
            return through_reexports(files, target, inner, depth + 1);
        }
    }
    file
}
