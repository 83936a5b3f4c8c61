//! Whether a TOML value is what containerd decodes as unset. containerd reads its config into Go
//! structs, so `false`, `0`, `""`, an empty array or table, and a table holding only such values
//! leave every field at its zero value: the release behaves as if the key were not written, and
//! its deprecation checks (which test the decoded field) stay silent.

use toml::de::DeValue;

pub(crate) fn is_zero(value: &DeValue<'_>) -> bool {
    match value {
        DeValue::String(s) => s.is_empty(),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            let digits = digits.trim_start_matches(['+', '-']);
            let digits = digits
                .strip_prefix("0x")
                .or_else(|| digits.strip_prefix("0o"))
                .or_else(|| digits.strip_prefix("0b"))
                .unwrap_or(digits);
            !digits.is_empty() && digits.chars().all(|c| c == '0')
        }
        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>() == Ok(0.0),
        DeValue::Boolean(b) => !b,
        DeValue::Datetime(_) => false,
        DeValue::Array(a) => a.is_empty(),
        DeValue::Table(t) => t.values().all(|v| is_zero(v.get_ref())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zero(value: &str) -> bool {
        let text = format!("k = {value}");
        let doc = toml::de::DeTable::parse(&text).expect("a TOML value");
        let v = doc.get_ref().get("k").expect("the key");
        is_zero(v.get_ref())
    }

    #[test]
    fn go_zero_values_are_unset() {
        for v in [
            "false",
            "0",
            "-0",
            "0x00",
            "0.0",
            "\"\"",
            "''",
            "[]",
            "{}",
            "{ a = \"\", b = false, c = {} }",
        ] {
            assert!(zero(v), "{v}");
        }
    }

    #[test]
    fn anything_else_is_set() {
        for v in [
            "true",
            "1",
            "0x10",
            "0.5",
            "\" \"",
            "\"io.containerd.runc.v2\"",
            "[\"\"]",
            "{ a = \"\", b = true }",
            "1979-05-27",
        ] {
            assert!(!zero(v), "{v}");
        }
    }
}
