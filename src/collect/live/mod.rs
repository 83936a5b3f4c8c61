//! Live facts: runtime sockets and what answers on them, probed in parallel with the file
//! collectors, each probe bounded by `--probe-timeout`, so a socket that never answers makes
//! its probe inconclusive and never holds the audit up.

mod capped;
pub mod cri;
pub mod docker;
pub(crate) mod host;
pub(crate) mod recorded;
pub(crate) mod sockets;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::model::Input;
use crate::model::crictl::CrictlConfig;
use crate::model::endpoint::Endpoint;
use crate::model::kubelet::KubeletSettings;
use crate::model::live::{
    CriEndpoint, DockerEndpoint, LiveFacts, Probe, ProbeFailure, ProbeMode, SocketFact,
    SocketNamer, SocketPath, SocketState,
};

pub use sockets::Explicit;
use sockets::{Candidate, Protocol};

/// How live facts are obtained.
#[derive(Clone, Debug)]
pub enum LiveOptions {
    /// No probe (`--offline`, or `--root` without sockets named).
    Offline { reason: String },
    /// Probe the sockets: explicit ones, and on the host itself the well-known and
    /// configured ones.
    Probe {
        explicit: Explicit,
        /// Also the well-known paths and the sockets the node's configuration names.
        discover: bool,
        timeout: Duration,
    },
    /// Read facts recorded earlier (`--live-facts FILE`).
    Recorded { path: PathBuf },
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions::Offline {
            reason: "probes not requested".into(),
        }
    }
}

/// One socket examined, and what answered on it.
struct Probed {
    fact: SocketFact,
    cri: Option<CriEndpoint>,
    docker: Option<DockerEndpoint>,
}

/// Time kept back from the probes for evaluating the rules and writing the report, so that the
/// whole audit ends within `--probe-timeout` even when a socket never answers.
pub(crate) const REPORT_RESERVE: Duration = Duration::from_millis(100);

/// How long the probes may take: the timeout less the report's reserve (all of a timeout too
/// short to share).
pub(crate) fn probe_budget(timeout: Duration) -> Duration {
    if timeout >= REPORT_RESERVE * 4 {
        timeout - REPORT_RESERVE
    } else {
        timeout
    }
}

/// Probes started before the files are read.
pub(crate) struct Running {
    candidates: Vec<Candidate>,
    receiver: Option<mpsc::Receiver<Vec<Probed>>>,
    deadline: Instant,
    discover: bool,
}

/// Starts probing the sockets that need no file: those named on the command line and the
/// well-known paths.
pub(crate) fn start(opts: &LiveOptions) -> Option<Running> {
    let LiveOptions::Probe {
        explicit,
        discover,
        timeout,
    } = opts
    else {
        return None;
    };
    let candidates = sockets::initial(explicit, *discover);
    let deadline = Instant::now() + probe_budget(*timeout);
    let receiver = spawn(candidates.clone(), deadline);
    Some(Running {
        candidates,
        receiver: Some(receiver),
        deadline,
        discover: *discover,
    })
}

impl Running {
    /// Adds the sockets the node's files name, waits for every probe, and assembles the facts.
    pub(crate) fn finish(
        mut self,
        kubelet: &Input<KubeletSettings>,
        containerd_grpc: Option<&Endpoint>,
        crictl: &Input<CrictlConfig>,
    ) -> LiveFacts {
        let mut all = self.candidates.clone();
        if self.discover {
            sockets::from_config(&mut all, kubelet, containerd_grpc, crictl);
        }
        let extra: Vec<Candidate> = all
            .iter()
            .filter(|c| !self.candidates.iter().any(|s| s.socket == c.socket))
            .cloned()
            .collect();
        // One deadline for every probe, counted from the audit's start: sockets found in the
        // files get what is left of it.
        let extra_deadline = self.deadline;
        let extra_receiver = (!extra.is_empty()).then(|| spawn(extra.clone(), extra_deadline));

        let mut probed = collect(self.receiver.take(), &self.candidates, self.deadline);
        if let Some(rx) = extra_receiver {
            probed.extend(collect(Some(rx), &extra, extra_deadline));
        }
        // Names given after the fact (a configured endpoint equal to a well-known path).
        for p in &mut probed {
            if let Some(c) = all.iter().find(|c| c.socket == p.fact.path) {
                p.fact.named_by = c.named_by.clone();
            }
        }
        let mut facts = LiveFacts {
            mode: ProbeMode::Live,
            ..LiveFacts::default()
        };
        for p in probed {
            facts.sockets.push(p.fact);
            if let Some(c) = p.cri {
                facts.cri.push(c);
            }
            if let (Some(d), None) = (p.docker, &facts.docker) {
                facts.docker = Some(d);
            }
        }
        facts
    }
}

/// Waits for a batch of probes until its deadline (plus a small margin for the runtime to
/// wind down, within the report's reserve); a batch that does not report in time is recorded as
/// timed out.
fn collect(
    rx: Option<mpsc::Receiver<Vec<Probed>>>,
    candidates: &[Candidate],
    deadline: Instant,
) -> Vec<Probed> {
    let wait = deadline.saturating_duration_since(Instant::now()) + REPORT_RESERVE / 2;
    match rx.map(|r| r.recv_timeout(wait)) {
        Some(Ok(probed)) => probed,
        _ => candidates
            .iter()
            .map(|c| Probed {
                fact: sockets::examine(c),
                cri: None,
                docker: None,
            })
            .map(|mut p| {
                p.fact.state = match p.fact.state {
                    SocketState::Socket { .. } | SocketState::Unknown { .. } => {
                        SocketState::Unknown {
                            reason: "the probe did not finish within --probe-timeout".into(),
                        }
                    }
                    other => other,
                };
                p
            })
            .collect(),
    }
}

/// Probes candidates concurrently on a thread of their own.
fn spawn(candidates: Vec<Candidate>, deadline: Instant) -> mpsc::Receiver<Vec<Probed>> {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("probes".into())
        .spawn(move || {
            // Without a runtime nothing can be probed; the sender is dropped and the batch
            // counts as not finished.
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                let _ = tx.send(rt.block_on(probe_all(candidates, deadline)));
            }
        });
    // A thread that cannot start leaves a closed channel: the batch counts as not finished.
    drop(spawned);
    rx
}

async fn probe_all(candidates: Vec<Candidate>, deadline: Instant) -> Vec<Probed> {
    let mut docker_taken = false;
    let mut tasks = Vec::new();
    for c in candidates {
        let fact = sockets::examine(&c);
        let is_socket = matches!(fact.state, SocketState::Socket { .. });
        let path = c.socket.as_path().to_path_buf();
        let probe_docker = c.protocol == Protocol::Docker && !docker_taken;
        docker_taken |= probe_docker;
        tasks.push(async move {
            let (cri, docker) = match (c.protocol, is_socket) {
                (Protocol::Cri, true) => (
                    Some(cri::probe(&path, c.endpoint.written().trim(), deadline).await),
                    None,
                ),
                (Protocol::Docker, true) if probe_docker => {
                    (None, Some(docker::probe(&path, deadline).await))
                }
                (Protocol::Cri, false)
                    if !c.named_by.iter().all(|n| *n == SocketNamer::WellKnownPath) =>
                {
                    (Some(unreachable_cri(&path, &c.endpoint, &fact.state)), None)
                }
                _ => (None, None),
            };
            Probed { fact, cri, docker }
        });
    }
    join_all(tasks).await
}

/// Runs futures concurrently on the current-thread runtime, keeping their order.
async fn join_all<F: std::future::Future<Output = Probed> + 'static>(
    futures: Vec<F>,
) -> Vec<Probed> {
    let mut handles = Vec::new();
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            for f in futures {
                handles.push(tokio::task::spawn_local(f));
            }
            let mut out = Vec::new();
            for h in handles {
                if let Ok(p) = h.await {
                    out.push(p);
                }
            }
            out
        })
        .await
}

/// A configured CRI endpoint whose socket is missing or not a socket: every call fails the
/// same way, said once here.
fn unreachable_cri(path: &Path, endpoint: &Endpoint, state: &SocketState) -> CriEndpoint {
    let reason = match state {
        SocketState::Missing => format!("{} does not exist", path.display()),
        SocketState::NotASocket { kind } => format!("{} is {kind}, not a socket", path.display()),
        SocketState::Unknown { reason } => format!("{}: {reason}", path.display()),
        SocketState::Socket { .. } => String::new(),
    };
    CriEndpoint {
        endpoint: endpoint.written().trim().to_owned(),
        socket: SocketPath::new(path.display().to_string()),
        api: Probe::failed(ProbeFailure::Refused, reason.clone()),
        version: Probe::failed(ProbeFailure::Refused, reason.clone()),
        status: Probe::failed(ProbeFailure::Refused, reason.clone()),
        images: Probe::failed(ProbeFailure::Refused, reason),
    }
}

/// Facts when no probe runs.
pub(crate) fn offline(reason: &str) -> LiveFacts {
    LiveFacts {
        mode: ProbeMode::Offline {
            reason: reason.to_owned(),
        },
        ..LiveFacts::default()
    }
}
