//! The kubelet's command line parsed the way the kubelet parses it (spf13/pflag):
//! `--name=value`; `--name value` for flags that take a value; boolean flags alone; `--`
//! ends the flags; `_` and `-` are the same in names (the kubelet installs
//! `cliflag.WordSepNormalizeFunc`). A repeated flag is kept every time; the last wins.

use crate::model::Span;
use crate::model::kubelet::Flag;

use super::words::{SChar, covering, text};

/// One argument of the kubelet command line, with where it was read.
#[derive(Clone, Debug)]
pub(crate) struct Arg {
    pub(crate) chars: Vec<SChar>,
    /// The source characters the argument was read from, quotes and escapes included.
    pub(crate) raw: Vec<SChar>,
    /// For each character of `chars`, its index in `raw`.
    pub(crate) raw_index: Vec<usize>,
    /// The variable it came through (`KUBELET_KUBEADM_ARGS`) or `ExecStart`.
    pub(crate) via: String,
}

impl Arg {
    pub(crate) fn text(&self) -> String {
        text(&self.chars)
    }

    pub(crate) fn span(&self) -> Option<Span> {
        covering(&self.raw)
    }

    /// The span of what follows character `i` (the `=`), quotes included.
    fn span_after(&self, i: usize) -> Option<Span> {
        let whole = self.span()?;
        let from = self.raw_index.get(i).map_or(self.raw.len(), |r| r + 1);
        Some(
            self.raw
                .get(from..)
                .and_then(covering)
                .filter(|s| s.file == whole.file)
                .unwrap_or(Span {
                    file: whole.file,
                    start: whole.end,
                    end: whole.end,
                }),
        )
    }
}

/// Boolean flags of the kubelet (they never take the next word as their value), from
/// `cmd/kubelet/app/options/options.go`, the logging flags, and removed dockershim-era ones.
const BOOL_FLAGS: &[&str] = &[
    "add-dir-header",
    "allow-privileged",
    "alsologtostderr",
    "anonymous-auth",
    "authentication-token-webhook",
    "cgroups-per-qos",
    "containerized",
    "contention-profiling",
    "cpu-cfs-quota",
    "docker-disable-shared-pid",
    "enable-controller-attach-detach",
    "enable-debugging-handlers",
    "enable-load-reader",
    "enable-server",
    "exit-on-lock-contention",
    "experimental-allocatable-ignore-eviction",
    "experimental-check-node-capabilities-before-mount",
    "experimental-kernel-memcg-notification",
    "fail-swap-on",
    "help",
    "keep-terminated-pod-volumes",
    "kernel-memcg-notification",
    "local-storage-capacity-isolation",
    "log-json-split-stream",
    "logtostderr",
    "make-iptables-util-chains",
    "one-output",
    "protect-kernel-defaults",
    "really-crash-for-testing",
    "redirect-container-streaming",
    "register-node",
    "register-schedulable",
    "rotate-certificates",
    "rotate-server-certificates",
    "runonce",
    "seccomp-default",
    "serialize-image-pulls",
    "skip-headers",
    "skip-log-headers",
    "version",
    "windows-service",
];

fn is_bool(name: &str) -> bool {
    BOOL_FLAGS.contains(&name)
}

/// Whether a word would be taken as the value of a preceding flag: anything but another
/// flag (`-999` is a value).
fn looks_like_value(word: &str) -> bool {
    let mut chars = word.chars();
    match (chars.next(), chars.next()) {
        (Some('-'), Some('-')) => false,
        (Some('-'), Some(c)) => !c.is_ascii_alphabetic(),
        _ => true,
    }
}

/// The parsed command line.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    /// Flags written in files.
    pub(crate) flags: Vec<Flag>,
    /// Flags with no source (the assumed kubeadm drop-in): name and value.
    pub(crate) assumed: Vec<(String, Option<String>)>,
    /// Words that are not flags, with their span when written in a file.
    pub(crate) positional: Vec<(String, Option<Span>)>,
}

pub(crate) fn parse(args: &[Arg]) -> Parsed {
    let mut out = Parsed::default();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        i += 1;
        let word = arg.text();
        if word == "--" {
            for rest in &args[i..] {
                out.positional.push((rest.text(), rest.span()));
            }
            break;
        }
        let body = match word.strip_prefix("--").or_else(|| word.strip_prefix('-')) {
            Some(body) if !body.is_empty() => body,
            _ => {
                out.positional.push((word, arg.span()));
                continue;
            }
        };
        let dashes = word.len() - body.len();
        let (raw_name, inline_value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (body, None),
        };
        let name = raw_name.replace('_', "-");
        let mut value = inline_value.clone();
        let mut value_arg: Option<&Arg> = None;
        if value.is_none()
            && !is_bool(&name)
            && let Some(next) = args.get(i)
            && looks_like_value(&next.text())
        {
            value = Some(next.text());
            value_arg = Some(next);
            i += 1;
        }
        let Some(span) = arg.span() else {
            out.assumed.push((name, value));
            continue;
        };
        let value_span = match (&inline_value, value_arg) {
            (Some(_), _) => {
                let eq = dashes + raw_name.chars().count();
                arg.span_after(eq)
            }
            (None, Some(next)) => next.span(),
            (None, None) => None,
        };
        let span = match value_span {
            Some(v) if v.file == span.file && inline_value.is_none() => Span {
                file: span.file,
                start: span.start.min(v.start),
                end: span.end.max(v.end),
            },
            _ => span,
        };
        out.flags.push(Flag {
            name,
            value,
            span,
            value_span,
            via: arg.via.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::kubelet::words::{SplitRules, spanned, split};
    use crate::model::FileId;

    fn args(src: &str) -> Vec<Arg> {
        let input = spanned(FileId(0), src, 0);
        split(
            &input,
            SplitRules {
                c_escapes: false,
                relax: true,
            },
        )
        .unwrap()
        .into_iter()
        .map(|w| Arg {
            chars: w.chars,
            raw: input[w.consumed.clone()].to_vec(),
            raw_index: w
                .source_index
                .iter()
                .map(|i| i - w.consumed.start)
                .collect(),
            via: "T".into(),
        })
        .collect()
    }

    #[test]
    fn pflag_forms() {
        let src = "--cgroup-driver=systemd --fail-swap-on --node-ip 10.0.0.1 --oom-score-adj -999 -v=8 --container_runtime_endpoint=x stray --x='/a b'";
        let p = parse(&args(src));
        let got: Vec<(String, Option<String>)> = p
            .flags
            .iter()
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("cgroup-driver".into(), Some("systemd".into())),
                ("fail-swap-on".into(), None),
                ("node-ip".into(), Some("10.0.0.1".into())),
                ("oom-score-adj".into(), Some("-999".into())),
                ("v".into(), Some("8".into())),
                ("container-runtime-endpoint".into(), Some("x".into())),
                ("x".into(), Some("/a b".into())),
            ]
        );
        assert_eq!(p.positional.len(), 1);
        assert_eq!(p.positional[0].0, "stray");
        let node_ip = &p.flags[2];
        assert_eq!(&src[node_ip.span.range()], "--node-ip 10.0.0.1");
        assert_eq!(&src[node_ip.value_span.unwrap().range()], "10.0.0.1");
        let x = &p.flags[6];
        assert_eq!(&src[x.span.range()], "--x='/a b'");
        assert_eq!(&src[x.value_span.unwrap().range()], "'/a b'");
    }

    #[test]
    fn empty_values_and_double_dash() {
        let src = "--node-labels= -- --after";
        let p = parse(&args(src));
        assert_eq!(p.flags[0].value.as_deref(), Some(""));
        let v = p.flags[0].value_span.unwrap();
        assert_eq!(v.start, v.end);
        assert_eq!(v.end as usize, "--node-labels=".len());
        assert_eq!(p.positional[0].0, "--after");
    }
}
