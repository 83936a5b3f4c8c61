use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(runtime_audit::cli::run(std::env::args_os()))
}
