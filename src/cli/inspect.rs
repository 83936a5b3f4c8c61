//! `runtime-audit inspect`: the effective view of every input.

use crate::inspect;

use super::args::{InspectArgs, InspectFormat};

pub(crate) fn run(args: &InspectArgs) -> Result<u8, String> {
    let snapshot = super::audit::collect_node(&args.node, None)?;
    let text = match args.format {
        InspectFormat::Human => inspect::human(&snapshot),
        InspectFormat::Json => inspect::json(&snapshot),
    };
    match args.format {
        InspectFormat::Human => super::print(&text, args.color)?,
        InspectFormat::Json => super::print_plain(&text)?,
    }
    Ok(0)
}
