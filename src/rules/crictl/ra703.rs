//! RA703 crictl-config-invalid.

use crate::collect::crictl::KEYS;
use crate::engine::Emitter;
use crate::model::{Input, NodeSnapshot};

declare_rule! {
    id: "RA703",
    name: "crictl-config-invalid",
    area: Crictl,
    summary: "crictl.yaml has a key crictl does not know or a value it cannot parse; crictl then ignores the whole file",
    inputs: [CrictlConfig],
    cases: [
        UnknownKey("unknown-key", Warning),
        WrongType("wrong-type", Warning),
    ],
}

const IGNORED: &str = "the whole file is then ignored (unless crictl runs with --config, which then exits with the error): its endpoints are not used and crictl probes default endpoints (dockershim first before v1.30).";

fn check(snap: &NodeSnapshot, out: &mut Emitter<Case>) {
    let c = match &snap.crictl {
        Input::Present(c) => c,
        other => {
            out.need(other, "crictl config");
            return;
        }
    };
    for (key, suggestion) in &c.unknown_keys {
        let hint = match suggestion {
            Some(s) => format!(
                "In {}, rename `{}` to `{s}` (or delete it).",
                c.path, key.value
            ),
            None => format!(
                "Delete `{}` from {}; crictl knows only {}.",
                key.value,
                c.path,
                KEYS.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut b = out
            .finding(
                Case::UnknownKey,
                key.span,
                format!("`{}` in {} is not a crictl option", key.value, c.path),
            )
            .impact(format!(
                "Recent crictl rejects it: `Config option '{}' is not valid`; {IGNORED} Older crictl releases ignore the key silently.",
                key.value
            ))
            .fix(hint)
            .key(key.value.clone())
            .label(match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => "unknown option".to_owned(),
            })
            .actual(key.value.clone());
        if let Some(s) = suggestion {
            b = b.expected(*s);
        }
        b.emit();
    }
    for w in &c.wrong_types {
        out.finding(
            Case::WrongType,
            w.found.span,
            format!(
                "`{}: {}` in {}: crictl expects {}",
                w.key.value, w.found.value, c.path, w.expected
            ),
        )
        .impact(format!(
            "crictl fails with `parsing config option '{}': ...`; {IGNORED}",
            w.key.value
        ))
        .fix(format!(
            "Write `{}` as {} in {}.",
            w.key.value, w.expected, c.path
        ))
        .key(w.key.value.clone())
        .label(format!("expected {}", w.expected))
        .actual(w.found.value.clone())
        .expected(w.expected)
        .emit();
    }
}
