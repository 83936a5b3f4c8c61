//! `kube-double`: serves a cluster read from files until killed.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use kube_double::{Cluster, Faults, Options, Server};

/// Serves the objects of the given files as a Kubernetes API server on 127.0.0.1, over TLS with
/// a CA of its own, until killed. Prints `ready https://127.0.0.1:PORT` once listening.
#[derive(Parser)]
#[command(name = "kube-double", version)]
struct Args {
    /// A file holding a List, an object or a JSON array (`kubectl get -o json` output); repeatable.
    #[arg(long = "objects", value_name = "FILE", required = true)]
    objects: Vec<PathBuf>,
    /// The `/configz` body of every node without one of its own.
    #[arg(long, value_name = "FILE")]
    configz_default: Option<PathBuf>,
    /// The `/configz` body of one node; repeatable.
    #[arg(long = "configz", value_name = "NODE=FILE")]
    configz: Vec<String>,
    /// Where to write a kubeconfig for the server.
    #[arg(long, value_name = "PATH")]
    kubeconfig_out: Option<PathBuf>,
    /// The loopback port; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The bearer token to accept; random by default.
    #[arg(long)]
    token: Option<String>,
}

fn load(args: &Args) -> Result<Cluster, String> {
    let mut cluster = Cluster::new();
    for path in &args.objects {
        cluster.add_file(path)?;
    }
    let read = |path: &PathBuf| {
        std::fs::read(path).map_err(|error| format!("reading {}: {error}", path.display()))
    };
    if let Some(path) = &args.configz_default {
        cluster.set_default_configz(read(path)?);
    }
    for pair in &args.configz {
        let (node, path) = pair
            .split_once('=')
            .ok_or_else(|| format!("--configz {pair}: expected NODE=FILE"))?;
        cluster.set_configz(node, read(&PathBuf::from(path))?);
    }
    Ok(cluster)
}

fn run(args: Args) -> Result<(), String> {
    let cluster = load(&args)?;
    let options = Options {
        token: args.token,
        port: args.port,
        ..Options::default()
    };
    let server = Server::try_start(cluster, Faults::default(), options)
        .map_err(|error| format!("starting: {error}"))?;
    if let Some(path) = &args.kubeconfig_out {
        server
            .write_kubeconfig(path)
            .map_err(|error| format!("writing {}: {error}", path.display()))?;
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "ready {}", server.url)
        .and_then(|()| stdout.flush())
        .map_err(|error| error.to_string())?;
    drop(stdout);
    loop {
        std::thread::park();
    }
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kube-double: {error}");
            ExitCode::FAILURE
        }
    }
}
