//! "Did you mean" suggestions for unknown keys.

/// The candidate closest to `input`, if it is close enough to be a plausible typo.
pub(crate) fn closest<'c>(
    input: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let lower = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (c, strsim::jaro_winkler(&lower, &c.to_ascii_lowercase())))
        .filter(|(_, score)| *score >= 0.85)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggests_typos_only() {
        let keys = ["SystemdCgroup", "BinaryName", "NoPivotRoot"];
        assert_eq!(super::closest("SystemCgroup", keys), Some("SystemdCgroup"));
        assert_eq!(super::closest("systemdcgroup", keys), Some("SystemdCgroup"));
        assert_eq!(super::closest("unrelated_key", keys), None);
    }
}
