//! Stable finding identities: rule + file + logical key, never line numbers, so an alert
//! survives edits that move lines and tool upgrades that reorder findings.

use std::collections::HashMap;

use crate::engine::{Finding, location_path};
use crate::model::SourceMap;

/// The identity text of a finding.
pub(crate) fn identity(sources: &SourceMap, finding: &Finding) -> String {
    let path = location_path(sources, &finding.location);
    let key = finding.key.as_deref().unwrap_or(finding.case.id);
    format!("{}|{}|{}", finding.rule.id, path, key)
}

/// A 64-bit FNV-1a hash of the identity, in hex. FNV is fixed by its definition, so the value
/// never changes across builds or platforms (unlike std's hasher).
pub(crate) fn fingerprint(sources: &SourceMap, finding: &Finding) -> String {
    format!("{:016x}", fnv1a(identity(sources, finding).as_bytes()))
}

/// Fingerprints of a sorted list of findings, each with its occurrence number among findings
/// of the same identity (`<hash>:1`, `<hash>:2`, ...), the shape GitHub code scanning expects
/// in `primaryLocationLineHash`. Findings are sorted by position, so the numbering is stable
/// as long as the duplicates keep their relative order.
pub(crate) fn numbered(sources: &SourceMap, findings: &[Finding]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    findings
        .iter()
        .map(|f| {
            let hash = fingerprint(sources, f);
            let n = seen.entry(hash.clone()).or_insert(0);
            *n += 1;
            format!("{hash}:{n}")
        })
        .collect()
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    #[test]
    fn fnv_reference_values() {
        assert_eq!(super::fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
