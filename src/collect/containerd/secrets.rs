//! Finding credential values in TOML files (containerd's config, hosts.toml) so the stored
//! text can be masked before anything quotes it.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// Keys whose string values are credentials, wherever they appear (registry `auth` tables,
/// `auths`, `headers`/`header` Authorization values).
const SECRET_KEYS: &[&str] = &[
    "password",
    "auth",
    "identitytoken",
    "username",
    "token",
    "secret",
    "authorization",
    "registrytoken",
    "client-key-data",
    "bootstrap-token",
];

/// Credential values of a file that does not parse, found line by line: the value after
/// `<secret key> =` (TOML) or `<secret key>:` (YAML/JSON), whatever the quoting. The file's
/// frames quote the lines around the syntax error, so these must be masked too.
pub(crate) fn lexical_secret_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if let Some(sep) = body.find(['=', ':']) {
            let key = body[..sep]
                .trim()
                .trim_matches(['"', '\''])
                .to_ascii_lowercase();
            let key = key.rsplit('.').next().unwrap_or("");
            if SECRET_KEYS.contains(&key) {
                let value = &body[sep + 1..];
                let lead = value.len() - value.trim_start().len();
                let trimmed = value.trim().trim_end_matches(',').trim_end();
                let start = offset + sep + 1 + lead;
                let range = inner(start..start + trimmed.len(), text);
                // Keep an empty value visible: it is not a secret, and it is a finding.
                if !range.is_empty() {
                    out.push(range);
                }
            }
        }
        offset += line.len();
    }
    out.extend(url_userinfo_ranges(text));
    out
}

/// A value with the credentials of any URL in it replaced by `***`, for the model: rule
/// messages and the effective view quote model values, never the masked source text.
pub(crate) fn redact_userinfo(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut last = 0;
    for r in url_userinfo_ranges(value) {
        out.push_str(&value[last..r.start]);
        out.push_str("***");
        last = r.end;
    }
    out.push_str(&value[last..]);
    out
}

/// The `user:password` (or token) part of URLs like `https://user:pass@mirror.example`, in any
/// file: Docker's `registry-mirrors` and `proxies` accept them.
fn url_userinfo_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let start = from + found + 3;
        let authority_end = text[start..]
            .find(|c: char| {
                c == '/' || c == '"' || c == '\'' || c.is_whitespace() || c == ',' || c == ']'
            })
            .map_or(text.len(), |i| start + i);
        if let Some(at) = text[start..authority_end].rfind('@')
            && at > 0
        {
            out.push(start..start + at);
        }
        from = start;
    }
    out
}

/// Byte ranges of every credential value in the document (inside the quotes).
pub(crate) fn secret_ranges(doc: &DeTable<'_>, text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    walk(doc, text, &mut out);
    out
}

fn walk(table: &DeTable<'_>, text: &str, out: &mut Vec<Range<usize>>) {
    for (k, v) in table {
        let secret = SECRET_KEYS.contains(&k.get_ref().to_ascii_lowercase().as_str());
        collect(v, secret, text, out);
    }
}

fn collect(v: &toml::Spanned<DeValue<'_>>, secret: bool, text: &str, out: &mut Vec<Range<usize>>) {
    match v.get_ref() {
        DeValue::String(_) if secret => out.push(inner(v.span(), text)),
        DeValue::Array(items) => {
            for i in items {
                collect(i, secret, text, out);
            }
        }
        DeValue::Table(t) => walk(t, text, out),
        _ => {}
    }
}

/// The span without its quotes, so a masked value still reads as a string.
fn inner(r: Range<usize>, text: &str) -> Range<usize> {
    let s = text.get(r.clone()).unwrap_or("");
    let q = if s.starts_with("\"\"\"") || s.starts_with("'''") {
        3
    } else {
        usize::from(s.starts_with('"') || s.starts_with('\''))
    };
    if r.end - r.start >= 2 * q {
        r.start + q..r.end - q
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn lexical_masking_for_files_that_do_not_parse() {
        let text =
            "[broken\n  password = \"hunter2\"\n  \"Authorization\": \"Bearer x\"\nname = 1\n";
        let found: Vec<&str> = super::lexical_secret_ranges(text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(found, vec!["hunter2", "Bearer x"]);
        let url = "{\"registry-mirrors\": [\"https://bob:hunter2@m.example/x\"]}";
        let found: Vec<&str> = super::lexical_secret_ranges(url)
            .into_iter()
            .map(|r| &url[r])
            .collect();
        assert_eq!(found, vec!["bob:hunter2"]);
        assert_eq!(
            super::redact_userinfo("https://bob:hunter2@m.example/x"),
            "https://***@m.example/x"
        );
        assert_eq!(
            super::redact_userinfo("https://m.example"),
            "https://m.example"
        );
        let empty = "username = \"\"\n";
        assert!(super::lexical_secret_ranges(empty).is_empty());
    }

    #[test]
    fn finds_credentials_only() {
        let text = "[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"r:5000\".auth]\n  username = \"bob\"\n  password = \"hunter2\"\n[x]\n  sandbox_image = \"pause\"\n[h.header]\n  Authorization = [\"Bearer abc\"]\n";
        let doc = toml::de::DeTable::parse(text).unwrap().into_inner();
        let found: Vec<&str> = super::secret_ranges(&doc, text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        let mut found = found;
        found.sort();
        assert_eq!(found, vec!["Bearer abc", "bob", "hunter2"]);
    }
}
