//! Query strings: values percent-encoded as RFC 3986 says (continue tokens are base64, with
//! `+`, `/` and `=`; label selectors have `=` and `/`).

/// Percent-encodes a query parameter's value; the unreserved characters stay.
pub(crate) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn tokens_and_selectors_are_escaped() {
        assert_eq!(escape("eyJ+a/b=="), "eyJ%2Ba%2Fb%3D%3D");
        assert_eq!(
            escape("kubernetes.io/hostname=ip-10-0-0-1"),
            "kubernetes.io%2Fhostname%3Dip-10-0-0-1"
        );
    }
}
