//! Live facts recorded earlier (`--save-live-facts`), read back with `--live-facts FILE`: an
//! audit of a node from another machine, and fixtures that describe probe results in data.

use std::path::Path;

use crate::collect::{Ctx, Read};
use crate::model::InputKind;
use crate::model::live::{LiveFacts, ProbeMode};

/// Reads a recorded file; errors are complete messages (the audit cannot run without it).
pub(crate) fn load(ctx: &Ctx, path: &Path) -> Result<LiveFacts, String> {
    let shown = path.display().to_string();
    let text = match ctx.read_local(InputKind::RuntimeSocket, path) {
        Read::Text(t) => t,
        Read::Absent => return Err(format!("live facts file {shown}: not found")),
        Read::Unreadable(r) => return Err(format!("live facts file {shown}: {r}")),
    };
    let mut facts: LiveFacts = serde_json::from_str(&text).map_err(|e| {
        format!(
            "live facts file {shown}:{}:{}: {e} (expected the JSON written by --save-live-facts)",
            e.line(),
            e.column()
        )
    })?;
    facts.mode = ProbeMode::Recorded { path: shown };
    Ok(facts)
}
