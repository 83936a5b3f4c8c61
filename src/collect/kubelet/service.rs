//! How systemd builds the kubelet's command line: the `kubelet.service` unit, its drop-ins,
//! their `Environment=` / `EnvironmentFile=` settings and the `ExecStart=` that wins.
//!
//! Semantics implemented, from systemd's documentation:
//! - systemd.unit(5), unit load path for the system manager: `/etc/systemd/system`, then
//!   `/run/systemd/system`, `/usr/local/lib/systemd/system`, `/usr/lib/systemd/system`
//!   (and `/lib/systemd/system` on split-/usr systems); the first `kubelet.service` found
//!   is the unit. Drop-ins: every `kubelet.service.d/*.conf` of those directories; "files
//!   in /etc/ override files with the same name in /run/ and /usr/lib/"; "multiple
//!   drop-in files with different names are applied in lexicographic order, regardless of
//!   which of the directories they reside in", after the unit itself. A drop-in that is a
//!   symlink to /dev/null is masked.
//! - systemd.exec(5), Environment=: "If the same variable is listed twice, the later
//!   setting will override the earlier setting. If the empty string is assigned to this
//!   option, the list of environment variables is reset."
//! - systemd.exec(5), EnvironmentFile=: "Settings from these files override settings made
//!   with Environment=. If the same variable is set twice from these files, the files will
//!   be read in the order they are specified and the later setting will override the
//!   earlier setting." A `-` prefix means a missing file is ignored; without it the
//!   service fails to start. An empty assignment resets the list.
//! - systemd.service(5), ExecStart=: an empty assignment resets the list (how drop-ins
//!   replace the unit's command); "Use "${FOO}" as part of a word, or as a word of its
//!   own, on the command line, in which case it will be erased and replaced by the exact
//!   value of the environment variable (if any) including all whitespace it contains,
//!   always resulting in exactly a single argument. Use "$FOO" as a separate word on the
//!   command line, in which case it will be replaced by the value of the environment
//!   variable split at whitespace, resulting in zero or more arguments. For this type of
//!   expansion, quotes are respected when splitting into words, and afterwards removed."
//!   (`replace_env_argv()` splits with `EXTRACT_RELAX|EXTRACT_UNQUOTE`: backslashes
//!   escape, no C escapes.) `$$` is a literal `$`.
//!
//! When no unit and no drop-in exists (most audits run on copied files), the command line
//! is taken to be the one of kubeadm's packaged drop-in `10-kubeadm.conf`
//! (kubernetes/release packaging; quoted in the kubeadm "kubelet-integration" docs):
//!
//! ```text
//! Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
//! Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
//! EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
//! EnvironmentFile=-/etc/default/kubelet        (DEB; RPM packages read /etc/sysconfig/kubelet)
//! ExecStart=
//! ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
//! ```

use std::collections::BTreeMap;

use crate::collect::fs::join_host;
use crate::collect::{Ctx, Read};
use crate::model::kubelet::{EnvVariable, EnvironmentFileRef, FlagSource, ServiceNote};
use crate::model::{FileId, InputKind, Problem, Span};

use super::envfile;
use super::flags::Arg;
use super::unit::{self, Command};
use super::words::{self, SChar, SplitRules, covering, is_env_name, unspanned};

pub(crate) const KUBEADM_FLAGS: &str = "/var/lib/kubelet/kubeadm-flags.env";
pub(crate) const ETC_DEFAULT: &str = "/etc/default/kubelet";
pub(crate) const ETC_SYSCONFIG: &str = "/etc/sysconfig/kubelet";

/// Unit directories of the system manager, highest precedence first.
const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

const UNIT: &str = "kubelet.service";

/// The assumed kubeadm drop-in, in words for messages.
pub(crate) const ASSUMED_DROPIN: &str = "kubeadm's packaged drop-in 10-kubeadm.conf (assumed: no kubelet.service unit or drop-in was found)";

/// The assumed drop-in, short, for origins.
const ASSUMED: &str = "the assumed kubeadm drop-in 10-kubeadm.conf";

/// Why the command line could not be built.
pub(crate) struct Unreadable {
    pub(crate) path: String,
    pub(crate) reason: String,
}

/// The assembled command line and what it was built from.
pub(crate) struct Service {
    pub(crate) args: Vec<Arg>,
    pub(crate) sources: Vec<FlagSource>,
    pub(crate) assumed_dropin: bool,
    pub(crate) unit_files: Vec<String>,
    pub(crate) exec_start: Option<Span>,
    pub(crate) environment_files: Vec<EnvironmentFileRef>,
    pub(crate) variables: Vec<EnvVariable>,
    pub(crate) notes: Vec<ServiceNote>,
    /// Whether any file at all was found (unit, drop-in or environment file).
    pub(crate) found_anything: bool,
}

/// A variable's value and where it was set.
#[derive(Clone)]
struct EnvValue {
    chars: Vec<SChar>,
    span: Option<Span>,
    origin: String,
    /// The environment file it was read from.
    file: Option<(String, FileId)>,
}

/// `EnvironmentFile=` as written.
#[derive(Clone)]
struct EnvFileSetting {
    path: String,
    optional: bool,
    span: Option<Span>,
    /// Where the setting came from (for `via`).
    from: String,
}

/// Unit settings accumulated over the unit and its drop-ins, in order.
#[derive(Default)]
struct Accumulated {
    environment: Vec<(String, EnvValue)>,
    environment_files: Vec<EnvFileSetting>,
    exec_start: Vec<(Command, Span, String)>,
}

/// The kubelet's command line as systemd builds it, and what it was built from.
pub(crate) fn collect(ctx: &Ctx) -> Result<Service, Unreadable> {
    let mut notes = Vec::new();
    let mut unit_files = Vec::new();
    let mut acc = Accumulated::default();

    let mut found_units = false;
    for (path, file, text) in unit_files_in_order(ctx, &mut notes)? {
        found_units = true;
        unit_files.push(path.clone());
        apply_unit(ctx, &path, file, &text, &mut acc, &mut notes);
    }
    let assumed = !found_units;
    if assumed {
        acc = assumed_dropin();
    }

    let environment = environment(ctx, &acc, &mut notes)?;
    let env = &environment.variables;
    let exec_start = effective_exec_start(&acc, &mut notes);
    let exec_span = exec_start.map(|(_, span)| span);

    let mut args = Vec::new();
    let mut referenced = Vec::new();
    if let Some((cmd, _)) = exec_start {
        expand(cmd, env, &mut args, &mut referenced);
    }
    let variables = referenced_variables(&referenced, env);
    note_unused_variables(env, &referenced, &mut notes);

    let sources = flag_sources(&args, env, exec_span, &acc, assumed);
    Ok(Service {
        args,
        sources,
        assumed_dropin: assumed,
        unit_files,
        exec_start: if assumed { None } else { exec_span },
        environment_files: environment.files,
        variables,
        notes,
        found_anything: found_units || environment.found_file,
    })
}

/// The environment the command sees and the environment files it came from.
struct Environment {
    variables: BTreeMap<String, EnvValue>,
    files: Vec<EnvironmentFileRef>,
    /// Whether any environment file exists.
    found_file: bool,
}

/// `Environment=` first, then the environment files, which override it.
fn environment(
    ctx: &Ctx,
    acc: &Accumulated,
    notes: &mut Vec<ServiceNote>,
) -> Result<Environment, Unreadable> {
    let mut env: BTreeMap<String, EnvValue> = BTreeMap::new();
    for (name, value) in &acc.environment {
        env.insert(name.clone(), value.clone());
    }
    let mut files = Vec::new();
    let mut found_file = false;
    for setting in &acc.environment_files {
        let exists = read_env_file(ctx, setting, &mut env, notes)?;
        found_file |= exists;
        if !exists && !setting.optional {
            notes.push(ServiceNote {
                message: format!(
                    "EnvironmentFile={} has no `-` prefix and the file does not exist: systemd \
                     refuses to start the kubelet (\"Failed to load environment files\")",
                    setting.path
                ),
                span: setting.span,
            });
        }
        files.push(EnvironmentFileRef {
            path: setting.path.clone(),
            optional: setting.optional,
            exists,
            span: setting.span,
        });
    }
    Ok(Environment {
        variables: env,
        files,
        found_file,
    })
}

/// The `ExecStart=` that is audited: the last one in effect. None, or more than one, keeps
/// systemd from starting the kubelet, which is noted.
fn effective_exec_start<'a>(
    acc: &'a Accumulated,
    notes: &mut Vec<ServiceNote>,
) -> Option<(&'a Command, Span)> {
    let n = acc.exec_start.len();
    if n == 0 {
        notes.push(ServiceNote {
            message: "no ExecStart= is in effect: systemd refuses to start the kubelet \
                      (\"Service has no ExecStart=\")"
                .into(),
            span: None,
        });
        return None;
    }
    let last = acc.exec_start.last().map(|(c, s, _)| (c, *s));
    if n > 1 {
        notes.push(ServiceNote {
            message: format!(
                "{n} ExecStart= lines are in effect (a drop-in lacks an empty \
                 `ExecStart=` reset): systemd refuses to load the unit (\"Service has \
                 more than one ExecStart= setting\"); the last one is audited"
            ),
            span: last.map(|(_, s)| s),
        });
    }
    last
}

/// The variables the command line uses, with their values where set.
fn referenced_variables(
    referenced: &[String],
    env: &BTreeMap<String, EnvValue>,
) -> Vec<EnvVariable> {
    referenced
        .iter()
        .map(|name| match env.get(name) {
            Some(v) => EnvVariable {
                name: name.clone(),
                value: Some(words::text(&v.chars)),
                span: v.span,
                origin: v.origin.clone(),
            },
            None => EnvVariable {
                name: name.clone(),
                value: None,
                span: None,
                origin: "not set".into(),
            },
        })
        .collect()
}

/// A `KUBELET*` variable of an environment file that `ExecStart=` never uses: its flags are
/// never reach the kubelet (e.g. `KUBELET_OPTS`, which kubeadm's drop-in does not pass).
fn note_unused_variables(
    env: &BTreeMap<String, EnvValue>,
    referenced: &[String],
    notes: &mut Vec<ServiceNote>,
) {
    for (name, v) in env {
        if name.starts_with("KUBELET") && !referenced.contains(name) && v.file.is_some() {
            notes.push(ServiceNote {
                message: format!(
                    "{name} is set in {} but ExecStart= never uses it: its flags do not reach \
                     the kubelet",
                    v.file.as_ref().map_or("", |(p, _)| p.as_str())
                ),
                span: v.span,
            });
        }
    }
}

/// The unit and its drop-ins in the order systemd applies them, read and registered.
fn unit_files_in_order(
    ctx: &Ctx,
    notes: &mut Vec<ServiceNote>,
) -> Result<Vec<(String, FileId, String)>, Unreadable> {
    let mut out = Vec::new();
    // Directories that are the same real directory (/lib -> /usr/lib) count once.
    let mut seen_dirs = Vec::new();
    let mut dirs = Vec::new();
    for dir in UNIT_DIRS {
        if let Ok(real) = ctx.fs.resolve(dir)
            && !seen_dirs.contains(&real)
            && ctx.fs.is_dir(dir)
        {
            seen_dirs.push(real);
            dirs.push(*dir);
        }
    }

    if let Some(path) = dirs
        .iter()
        .map(|d| join_host(d, UNIT))
        .find(|p| ctx.fs.metadata(p).is_ok() || is_masked(ctx, p))
    {
        if is_masked(ctx, &path) {
            notes.push(ServiceNote {
                message: format!(
                    "{path} is masked (a symlink to /dev/null): the kubelet does not run"
                ),
                span: None,
            });
        } else if let Some((file, text)) = read(ctx, InputKind::KubeletSystemdDropIn, &path)? {
            out.push((path, file, text));
        }
    }

    // Drop-ins: by file name, highest-precedence directory wins, then sorted by name.
    let mut by_name: BTreeMap<String, String> = BTreeMap::new();
    for dir in &dirs {
        let d = join_host(dir, &format!("{UNIT}.d"));
        for name in ctx.fs.read_dir(&d).unwrap_or_default() {
            if name.ends_with(".conf") && !by_name.contains_key(&name) {
                by_name.insert(name.clone(), join_host(&d, &name));
            }
        }
    }
    for path in by_name.into_values() {
        if is_masked(ctx, &path) {
            notes.push(ServiceNote {
                message: format!("{path} is masked (a symlink to /dev/null): systemd skips it"),
                span: None,
            });
            continue;
        }
        if let Some((file, text)) = read(ctx, InputKind::KubeletSystemdDropIn, &path)? {
            out.push((path, file, text));
        }
    }
    Ok(out)
}

fn is_masked(ctx: &Ctx, path: &str) -> bool {
    ctx.fs
        .resolve(path)
        .is_ok_and(|real| real == ctx.fs.root().join("dev/null"))
}

/// Reads and registers a file; None when absent.
fn read(ctx: &Ctx, kind: InputKind, path: &str) -> Result<Option<(FileId, String)>, Unreadable> {
    match ctx.read(kind, path) {
        Read::Absent => Ok(None),
        Read::Unreadable(reason) => Err(Unreadable {
            path: path.to_owned(),
            reason,
        }),
        Read::Text(text) => {
            let file = ctx.add_file(kind, path, &text);
            Ok(Some((file, text)))
        }
    }
}

fn apply_unit(
    ctx: &Ctx,
    path: &str,
    file: FileId,
    text: &str,
    acc: &mut Accumulated,
    notes: &mut Vec<ServiceNote>,
) {
    for s in unit::parse(file, text) {
        if s.section != "Service" {
            continue;
        }
        match s.key.as_str() {
            "Environment" => {
                if s.value.is_empty() {
                    acc.environment.clear();
                    continue;
                }
                match unit::environment(&s.value) {
                    Ok(assignments) => {
                        for (name, chars, span) in assignments {
                            acc.environment.push((
                                name,
                                EnvValue {
                                    chars,
                                    span,
                                    origin: format!("Environment= in {path}"),
                                    file: None,
                                },
                            ));
                        }
                    }
                    Err(e) => syntax(ctx, path, &s.value, &e, "Environment="),
                }
            }
            "EnvironmentFile" => {
                let value = words::text(&s.value);
                if value.is_empty() {
                    acc.environment_files.clear();
                    continue;
                }
                let (optional, target) = match value.strip_prefix('-') {
                    Some(rest) => (true, rest.to_owned()),
                    None => (false, value.clone()),
                };
                if !target.starts_with('/') {
                    notes.push(ServiceNote {
                        message: format!(
                            "EnvironmentFile={value} is not an absolute path: systemd ignores it"
                        ),
                        span: Some(s.span),
                    });
                    continue;
                }
                acc.environment_files.push(EnvFileSetting {
                    path: target,
                    optional,
                    span: Some(s.span),
                    from: path.to_owned(),
                });
            }
            "ExecStart" => {
                if s.value.is_empty() {
                    acc.exec_start.clear();
                    continue;
                }
                match unit::command(&s.value) {
                    Ok(cmd) => acc.exec_start.push((cmd, s.span, path.to_owned())),
                    Err(e) => syntax(ctx, path, &s.value, &e, "ExecStart="),
                }
            }
            _ => {}
        }
    }
}

/// Quoting systemd rejects: it logs an error and ignores the setting.
fn syntax(ctx: &Ctx, path: &str, value: &[SChar], e: &words::SplitError, key: &str) {
    let span = value
        .get(e.at..)
        .and_then(|rest| rest.first())
        .and_then(|c| c.span);
    ctx.problem(
        InputKind::KubeletSystemdDropIn,
        path,
        Problem::Syntax {
            format: "systemd unit",
            message: format!("{}; systemd ignores this {key} line", e.message),
            span,
        },
    );
}

fn assumed_dropin() -> Accumulated {
    let from = ASSUMED.to_owned();
    let env = |name: &str, value: &str| {
        (
            name.to_owned(),
            EnvValue {
                chars: unspanned(value),
                span: None,
                origin: format!("Environment= in {ASSUMED}"),
                file: None,
            },
        )
    };
    let file = |path: &str| EnvFileSetting {
        path: path.to_owned(),
        optional: true,
        span: None,
        from: from.clone(),
    };
    let exec = "/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS";
    let input = unspanned(exec);
    let words = words::split(
        &input,
        SplitRules {
            c_escapes: true,
            relax: true,
        },
    )
    .unwrap_or_default();
    let dummy = Span::new(FileId(0), 0..0);
    Accumulated {
        environment: vec![
            env(
                "KUBELET_KUBECONFIG_ARGS",
                "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf",
            ),
            env(
                "KUBELET_CONFIG_ARGS",
                "--config=/var/lib/kubelet/config.yaml",
            ),
        ],
        // DEB packages read /etc/default/kubelet, RPM packages /etc/sysconfig/kubelet; a
        // node has one of them, so both are read.
        environment_files: vec![file(KUBEADM_FLAGS), file(ETC_DEFAULT), file(ETC_SYSCONFIG)],
        exec_start: vec![(Command { words, input }, dummy, from)],
    }
}

/// Reads an environment file into `env`; false when it does not exist.
fn read_env_file(
    ctx: &Ctx,
    setting: &EnvFileSetting,
    env: &mut BTreeMap<String, EnvValue>,
    notes: &mut Vec<ServiceNote>,
) -> Result<bool, Unreadable> {
    let Some((file, text)) = read(ctx, InputKind::KubeletFlags, &setting.path)? else {
        return Ok(false);
    };
    for a in envfile::parse(file, &text) {
        if let Some(open) = a.unterminated {
            ctx.problem(
                InputKind::KubeletFlags,
                &setting.path,
                Problem::Syntax {
                    format: "environment file",
                    message: format!(
                        "the quote opened here is never closed: systemd puts the rest of the \
                         file into {}",
                        a.key
                    ),
                    span: Some(open),
                },
            );
        }
        if !a.is_valid() {
            notes.push(ServiceNote {
                message: format!(
                    "`{}` is not a valid variable name: systemd ignores this assignment \
                     (\"Ignoring invalid environment assignment\")",
                    a.key
                ),
                span: Some(a.span),
            });
            continue;
        }
        env.insert(
            a.key.clone(),
            EnvValue {
                chars: a.value,
                span: Some(a.span),
                origin: format!(
                    "EnvironmentFile={}{} in {}",
                    if setting.optional { "-" } else { "" },
                    setting.path,
                    setting.from
                ),
                file: Some((setting.path.clone(), file)),
            },
        );
    }
    Ok(true)
}

/// Expands `$VAR` and `${VAR}` in the arguments of `cmd` (its first word is the program).
fn expand(
    cmd: &Command,
    env: &BTreeMap<String, EnvValue>,
    args: &mut Vec<Arg>,
    referenced: &mut Vec<String>,
) {
    let mut skip = 1;
    // `hyperkube kubelet ...` runs the kubelet too.
    let program = cmd
        .words
        .first()
        .map(super::words::Word::text)
        .unwrap_or_default();
    if program.ends_with("hyperkube") && cmd.words.get(1).is_some_and(|w| w.text() == "kubelet") {
        skip = 2;
    }
    for w in cmd.words.iter().skip(skip) {
        let word = w.text();
        let standalone = word
            .strip_prefix('$')
            .filter(|rest| !rest.starts_with('{') && !rest.starts_with('$'));
        if let Some(name) = standalone {
            if !referenced.iter().any(|r| r == name) && is_env_name(name) {
                referenced.push(name.to_owned());
            }
            let Some(value) = env.get(name).filter(|_| is_env_name(name)) else {
                continue;
            };
            let parts = words::split(
                &value.chars,
                SplitRules {
                    c_escapes: false,
                    relax: true,
                },
            )
            .unwrap_or_default();
            for part in parts {
                let start = part.consumed.start;
                args.push(Arg {
                    raw: value.chars[part.consumed.clone()].to_vec(),
                    raw_index: part.source_index.iter().map(|i| i - start).collect(),
                    chars: part.chars,
                    via: name.to_owned(),
                });
            }
            continue;
        }
        let (chars, substituted) = substitute(&w.chars, env, referenced);
        if substituted {
            args.push(Arg {
                raw_index: (0..chars.len()).collect(),
                raw: chars.clone(),
                chars,
                via: "ExecStart".into(),
            });
        } else {
            let start = w.consumed.start;
            args.push(Arg {
                raw: cmd.input[w.consumed.clone()].to_vec(),
                raw_index: w.source_index.iter().map(|i| i - start).collect(),
                chars,
                via: "ExecStart".into(),
            });
        }
    }
}

/// Replaces `${NAME}` with the exact value and `$$` with `$` inside one word.
fn substitute(
    chars: &[SChar],
    env: &BTreeMap<String, EnvValue>,
    referenced: &mut Vec<String>,
) -> (Vec<SChar>, bool) {
    let mut out = Vec::with_capacity(chars.len());
    let mut changed = false;
    let mut i = 0;
    while let Some(c) = chars.get(i) {
        let next = chars.get(i + 1).map(|n| n.ch);
        if c.ch == '$' && next == Some('$') {
            out.push(SChar {
                ch: '$',
                span: covering(&chars[i..i + 2]),
            });
            changed = true;
            i += 2;
            continue;
        }
        if c.ch == '$'
            && next == Some('{')
            && let Some(close) = chars[i + 2..].iter().position(|c| c.ch == '}')
        {
            let name = words::text(&chars[i + 2..i + 2 + close]);
            if !referenced.contains(&name) {
                referenced.push(name.clone());
            }
            if let Some(v) = env.get(&name) {
                out.extend_from_slice(&v.chars);
            }
            changed = true;
            i += close + 3;
            continue;
        }
        out.push(*c);
        i += 1;
    }
    (out, changed)
}

/// One source per file whose words reach the command line, in order of first use.
fn flag_sources(
    args: &[Arg],
    env: &BTreeMap<String, EnvValue>,
    exec_span: Option<Span>,
    acc: &Accumulated,
    assumed: bool,
) -> Vec<FlagSource> {
    let mut out: Vec<FlagSource> = Vec::new();
    let mut seen: Vec<(FileId, &str)> = Vec::new();
    for arg in args {
        let Some(span) = arg.span() else { continue };
        if seen.contains(&(span.file, arg.via.as_str())) {
            continue;
        }
        seen.push((span.file, arg.via.as_str()));
        let via = match env.get(&arg.via) {
            Some(v) => format!("{} via `${}` in ExecStart=; {}", arg.via, arg.via, v.origin),
            None => format!(
                "ExecStart= in {}",
                acc.exec_start.last().map_or("", |(_, _, p)| p.as_str())
            ),
        };
        let path = env
            .get(&arg.via)
            .and_then(|v| v.file.as_ref().map(|(p, _)| p.clone()))
            .or_else(|| {
                (!assumed && exec_span.is_some())
                    .then(|| acc.exec_start.last().map(|(_, _, p)| p.clone()))
                    .flatten()
            })
            .unwrap_or_default();
        out.push(FlagSource {
            path,
            file: span.file,
            via,
        });
    }
    out
}
