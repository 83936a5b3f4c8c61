//! Go's `time.ParseDuration` syntax, which containerd uses for its timeout settings.

/// Whether `s` parses as a Go duration (`"4h0m0s"`, `"1.5s"`, `"-2m"`, `"0"`).
pub(crate) fn is_go_duration(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    if s == "0" {
        return true;
    }
    if s.is_empty() {
        return false;
    }
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..digits];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ns", "us", "\u{b5}s", "\u{3bc}s", "ms", "s", "m", "h"]
            .iter()
            .filter(|u| rest.starts_with(**u))
            .max_by_key(|u| u.len());
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::is_go_duration;

    #[test]
    fn go_durations() {
        for ok in [
            "4h0m0s", "0", "1.5s", "-2m", "300ms", "10us", "1h30m", "+5s",
        ] {
            assert!(is_go_duration(ok), "{ok}");
        }
        for bad in ["abc", "", "5", "1x", "h", "1..5s", "s1", "-"] {
            assert!(!is_go_duration(bad), "{bad}");
        }
    }
}
