//! `runtime-audit inspect`: the effective view of every input.

use std::io::Write;

use crate::inspect;

use super::args::{InspectArgs, InspectFormat};

pub fn run(args: &InspectArgs) -> Result<u8, String> {
    let snapshot = super::audit::collect_node(&args.node, None)?;
    let text = match args.format {
        InspectFormat::Human => inspect::human(&snapshot),
        InspectFormat::Json => inspect::json(&snapshot),
    };
    let mut out = anstream::AutoStream::new(std::io::stdout(), args.color.to_anstream());
    out.write_all(text.as_bytes())
        .map_err(|e| format!("writing to stdout: {e}"))?;
    Ok(0)
}
