//! crictl's configuration as crictl reads it.

use crate::model::NodeSnapshot;

use super::kubelet::not_read;
use super::view::{Section, at};

pub(crate) fn section(snap: &NodeSnapshot) -> Section {
    let mut s = Section::new("crictl", "crictl (/etc/crictl.yaml)");
    let Some(c) = snap.crictl.present() else {
        not_read(&mut s, &snap.crictl);
        return s;
    };
    let sources = &snap.sources;
    match &c.runtime_endpoint {
        Some(v) => s.row("runtime-endpoint", &v.value, at(sources, v.span)),
        None => s.row(
            "runtime-endpoint",
            serde_json::Value::Null,
            "unset: crictl probes default endpoints",
        ),
    }
    match (&c.image_endpoint, &c.runtime_endpoint) {
        (Some(v), _) => s.row("image-endpoint", &v.value, at(sources, v.span)),
        (None, Some(r)) => s.row("image-endpoint", &r.value, "unset: the runtime endpoint"),
        (None, None) => s.row("image-endpoint", serde_json::Value::Null, "unset"),
    }
    match &c.timeout {
        Some(v) if v.value.trim() == "0" => {
            s.row(
                "timeout",
                "2s",
                format!("{}: 0 keeps the default", at(sources, v.span)),
            );
        }
        Some(v) => s.row("timeout", format!("{}s", v.value), at(sources, v.span)),
        None => s.row("timeout", "2s", "default"),
    }
    for (key, v) in [
        ("debug", &c.debug),
        ("pull-image-on-create", &c.pull_image_on_create),
        ("disable-pull-on-run", &c.disable_pull_on_run),
        ("enable-streaming", &c.enable_streaming),
    ] {
        match v {
            Some(v) => s.row(key, v.value, at(sources, v.span)),
            None => s.row(key, false, "default"),
        }
    }
    if let Some(v) = &c.max_retries {
        s.row("max-retries", v.value, at(sources, v.span));
    }
    for (k, suggestion) in &c.unknown_keys {
        s.row(
            "unknown key",
            &k.value,
            match suggestion {
                Some(sug) => format!("{}: did you mean `{sug}`?", at(sources, k.span)),
                None => at(sources, k.span),
            },
        );
    }
    for w in &c.wrong_types {
        s.row(
            format!("invalid {}", w.key.value),
            &w.found.value,
            format!("{}: expected {}", at(sources, w.found.span), w.expected),
        );
    }
    s
}
