//! Command line: `runtime-audit [audit]`, `rules`, `explain`, `inspect`, `fix`.
//!
//! Exit codes: 0 = no finding at or above `--fail-on`, 1 = such findings, 2 = the audit could
//! not run (bad command line, bad policy file, unreadable root). Only `main` exits.

mod args;
mod audit;
mod cluster;
mod fix;
mod inspect;
mod rules_cmd;

use std::ffi::OsString;
use std::io::Write;

use clap::Parser;

pub(crate) use args::{Cli, ColorChoice, Command};

/// Exit code when the audit could not run.
pub(crate) const EXIT_CANNOT_AUDIT: u8 = 2;

/// Runs the command line and returns the exit code.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_CANNOT_AUDIT } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command.clone() {
        None => audit::run(&cli.audit),
        Some(Command::Audit(a)) => audit::run(&a),
        Some(Command::Rules(r)) => rules_cmd::list(&r),
        Some(Command::Explain(e)) => rules_cmd::explain(&e),
        Some(Command::Inspect(i)) => inspect::run(&i),
        Some(Command::Fix(f)) => fix::run(&f),
        Some(Command::Cluster(c)) => cluster::run(&c),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            let mut err = anstream::stderr();
            let _ = writeln!(err, "runtime-audit: error: {message}");
            EXIT_CANNOT_AUDIT
        }
    }
}

/// Writes to stdout through the color policy. A reader that went away (`| head`) is not an
/// error: the output was not wanted any more, and the exit code still tells the verdict.
pub(crate) fn print(text: &str, color: ColorChoice) -> Result<(), String> {
    let mut out = anstream::AutoStream::new(std::io::stdout(), color.to_anstream());
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("writing to stdout: {e}"))
        }
        _ => Ok(()),
    }
}

/// Writes text that never carries styles (JSON, SARIF) to stdout as is.
pub(crate) fn print_plain(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("writing to stdout: {e}"))
        }
        _ => Ok(()),
    }
}
