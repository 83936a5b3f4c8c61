//! From a parsed hosts.toml document to [`HostsConfig`], recording what containerd's decoder
//! (`parseHostsFile` / `parseHostConfig` in `remotes/docker/config/hosts.go`) would reject or
//! ignore.
//!
//! What containerd does with each kind of mistake, as seen with containerd 1.6.20 (`ctr
//! images pull --hosts-dir`) and read in the 2.x source:
//! - a value of the wrong type (`server = ["..."]`, `skip_verify = "true"`,
//!   `capabilities = "pull"`, `ca = 5`) makes the decoder fail: the WHOLE file is ignored
//!   (`failed to decode hosts.toml`) and containerd falls back to Docker-style cert files;
//! - an unknown capability (`unknown capability fetch`) and a server URL that does not parse
//!   do the same;
//! - unknown keys (`plain-http`, `insecure`, `proxy` before the release that adds it) are
//!   silently ignored.

use std::collections::BTreeSet;

use toml::de::{DeTable, DeValue};

use crate::collect::suggest;
use crate::model::hosts::{
    CertFile, FileCheck, HostEntry, HostSettings, HostsConfig, InvalidValue, KeySuggestion,
    NestedHost, UnknownHostsKey, WrongTypeKey,
};
use crate::model::{FileId, Span, Spanned};
use crate::release::ReleaseNumber;
use crate::release::containerd::HOSTS_DIAL_TIMEOUT_SINCE;

type Value<'a> = toml::Spanned<DeValue<'a>>;

/// Keys every hosts.toml table (top level and `[host."..."]`) knows.
const SETTING_KEYS: &[&str] = &[
    "capabilities",
    "ca",
    "client",
    "skip_verify",
    "header",
    "override_path",
    "dial_timeout",
    "proxy",
];

const CAPABILITIES: &[&str] = &["pull", "resolve", "push"];

/// Checks a certificate path: the resolved host path and whether it exists.
pub(crate) type CertCheck<'c> = dyn Fn(&str) -> (String, FileCheck) + 'c;

/// The config, and the byte ranges of every `[header]` value: headers carry tokens under
/// any name, so all their values are masked, not only the well-known credential keys.
pub(crate) fn parse(
    doc: &DeTable<'_>,
    text: &str,
    file: FileId,
    check: &CertCheck<'_>,
) -> (HostsConfig, Vec<std::ops::Range<usize>>) {
    let mut p = Parser {
        text,
        file,
        check,
        cfg: HostsConfig::default(),
        header_values: Vec::new(),
    };
    for (key, value) in doc {
        let name = key.get_ref().as_ref();
        let key_span = p.span(key.span());
        match name {
            "server" => match value.get_ref() {
                DeValue::String(s) => {
                    let server = Spanned::new(
                        crate::collect::containerd::redact_userinfo(s),
                        p.span(value.span()),
                    );
                    p.check_url("server", &server);
                    p.cfg.server = Some(server);
                }
                other => p.wrong_type(name, key_span, "a string", other, None),
            },
            "host" => {
                p.cfg.host_table.get_or_insert(key_span);
                match value.get_ref() {
                    DeValue::Table(hosts) => p.hosts(hosts),
                    other => p.wrong_type(
                        name,
                        key_span,
                        "a table of [host.\"<url>\"] tables",
                        other,
                        None,
                    ),
                }
            }
            _ if SETTING_KEYS.contains(&name) => {
                let mut settings = std::mem::take(&mut p.cfg.defaults);
                p.setting(name, key_span, value, &mut settings);
                p.cfg.defaults = settings;
            }
            _ => p.unknown(name, key_span, None),
        }
    }
    p.cfg.hosts.sort_by_key(|h| h.url.span.start);
    p.indented_hosts();
    (p.cfg, p.header_values)
}

struct Parser<'t, 'c> {
    text: &'t str,
    file: FileId,
    check: &'c CertCheck<'c>,
    cfg: HostsConfig,
    header_values: Vec<std::ops::Range<usize>>,
}

impl Parser<'_, '_> {
    fn span(&self, range: std::ops::Range<usize>) -> Span {
        Span::new(self.file, range)
    }

    fn hosts(&mut self, hosts: &DeTable<'_>) {
        for (url, value) in hosts {
            let url = Spanned::new(url.get_ref().to_string(), self.span(url.span()));
            let DeValue::Table(table) = value.get_ref() else {
                self.wrong_type(
                    &format!("host.\"{}\"", url.value),
                    url.span,
                    "a table",
                    value.get_ref(),
                    None,
                );
                continue;
            };
            self.check_url("host", &url);
            let mut settings = HostSettings::default();
            for (key, v) in table {
                let name = key.get_ref().as_ref();
                let key_span = self.span(key.span());
                if SETTING_KEYS.contains(&name) {
                    self.setting(name, key_span, v, &mut settings);
                } else if name == "host" {
                    // `[host."a".host."b"]`: containerd has no nested hosts and ignores it.
                    if let DeValue::Table(nested) = v.get_ref() {
                        for (n, _) in nested {
                            self.cfg.nested_hosts.push(NestedHost {
                                url: Spanned::new(
                                    crate::collect::containerd::redact_userinfo(n.get_ref()),
                                    self.span(n.span()),
                                ),
                                parent: url.value.clone(),
                                nested_in_toml: true,
                            });
                        }
                    }
                } else {
                    self.unknown(name, key_span, Some(&url.value));
                }
            }
            self.cfg.hosts.push(HostEntry { url, settings });
        }
    }

    /// One setting of a host (or of the top level, the defaults) into `s`.
    fn setting(&mut self, name: &str, key_span: Span, value: &Value<'_>, s: &mut HostSettings) {
        let value_span = self.span(value.span());
        match (name, value.get_ref()) {
            ("capabilities", DeValue::Array(items)) => {
                let caps = self.capabilities(key_span, items);
                s.capabilities = Some(Spanned::new(caps, value_span));
            }
            ("skip_verify", DeValue::Boolean(b)) => {
                s.skip_verify = Some(Spanned::new(*b, value_span));
            }
            ("override_path", DeValue::Boolean(b)) => {
                s.override_path = Some(Spanned::new(*b, value_span));
            }
            ("ca", DeValue::String(path)) => s.ca.push(self.cert(path, value_span)),
            ("ca", DeValue::Array(items)) => self.ca(items, s),
            ("client", DeValue::String(path)) => s.client.push(self.cert(path, value_span)),
            ("client", DeValue::Array(items)) => self.client(items, s),
            ("header", DeValue::Table(headers)) => self.headers(headers, s),
            ("dial_timeout", DeValue::String(d)) => {
                if !is_go_duration(d) {
                    self.invalid(
                        name,
                        value_span,
                        format!("time: invalid duration {d:?}"),
                        Some(HOSTS_DIAL_TIMEOUT_SINCE),
                    );
                }
                s.dial_timeout = Some(Spanned::new(d.to_string(), value_span));
            }
            ("proxy", DeValue::String(p)) => {
                s.proxy = Some(Spanned::new(p.to_string(), value_span));
            }
            // The parser of the releases that know `proxy` was not read: no type check.
            ("proxy", _) => {}
            (_, other) => self.wrong_setting_type(name, key_span, other),
        }
    }

    /// `capabilities`: each one containerd knows (case-insensitively), else the file fails.
    fn capabilities(&mut self, key_span: Span, items: &[Value<'_>]) -> Vec<String> {
        let mut caps = Vec::new();
        for item in items {
            match item.get_ref() {
                DeValue::String(c) => {
                    if !CAPABILITIES.contains(&c.to_ascii_lowercase().as_str()) {
                        self.invalid(
                            "capabilities",
                            self.span(item.span()),
                            format!("unknown capability {c}"),
                            None,
                        );
                    }
                    caps.push(c.to_string());
                }
                other => {
                    self.wrong_type("capabilities", key_span, "an array of strings", other, None);
                }
            }
        }
        caps
    }

    /// `ca` as an array of paths.
    fn ca(&mut self, items: &[Value<'_>], s: &mut HostSettings) {
        for item in items {
            match item.get_ref() {
                DeValue::String(path) => {
                    let span = self.span(item.span());
                    s.ca.push(self.cert(path, span));
                }
                other => self.invalid(
                    "ca",
                    self.span(item.span()),
                    format!("unable to cast {} to string", other.type_str()),
                    None,
                ),
            }
        }
    }

    /// `[header]`: names with a string or an array of strings. Every value is kept for
    /// masking, whatever its type.
    fn headers(&mut self, headers: &DeTable<'_>, s: &mut HostSettings) {
        for (h, v) in headers {
            let h_span = self.span(h.span());
            match v.get_ref() {
                DeValue::Array(parts) => {
                    self.header_values
                        .extend(parts.iter().map(|p| unquoted(p.span(), self.text)));
                }
                _ => self.header_values.push(unquoted(v.span(), self.text)),
            }
            match v.get_ref() {
                DeValue::String(_) => {}
                DeValue::Array(parts) if parts.iter().all(|p| p.get_ref().is_str()) => {}
                other => {
                    self.invalid(
                        "header",
                        h_span,
                        format!(
                            "invalid type {} for header {:?}",
                            other.type_str(),
                            h.get_ref().as_ref()
                        ),
                        None,
                    );
                }
            }
            s.header.push(Spanned::new(h.get_ref().to_string(), h_span));
        }
    }

    /// A setting whose value has a type containerd's decoder cannot take.
    fn wrong_setting_type(&mut self, name: &str, key_span: Span, found: &DeValue<'_>) {
        let (expected, since) = match name {
            "capabilities" => ("an array of strings", None),
            "skip_verify" | "override_path" => ("a boolean", None),
            "ca" => ("a path or an array of paths", None),
            "client" => (
                "a path, an array of paths or an array of [cert, key] pairs",
                None,
            ),
            "header" => ("a table of header names", None),
            "dial_timeout" => (
                "a duration string such as \"1s\"",
                Some(HOSTS_DIAL_TIMEOUT_SINCE),
            ),
            _ => ("another type", None),
        };
        self.wrong_type(name, key_span, expected, found, since);
    }

    /// `client`: an array of paths, or of `[cert, key]` pairs (an empty key means the key is
    /// in the cert file).
    fn client(&mut self, items: &[Value<'_>], s: &mut HostSettings) {
        for item in items {
            let span = self.span(item.span());
            match item.get_ref() {
                DeValue::String(path) => s.client.push(self.cert(path, span)),
                DeValue::Array(pair) => {
                    if pair.len() != 2 {
                        self.invalid(
                            "client",
                            span,
                            format!("invalid pair of {} paths for \"client\"", pair.len()),
                            None,
                        );
                    }
                    for part in pair {
                        match part.get_ref() {
                            DeValue::String(p) if p.is_empty() => {}
                            DeValue::String(p) => {
                                let span = self.span(part.span());
                                s.client.push(self.cert(p, span));
                            }
                            other => self.invalid(
                                "client",
                                self.span(part.span()),
                                format!("unable to cast {} to string", other.type_str()),
                                None,
                            ),
                        }
                    }
                }
                other => self.invalid(
                    "client",
                    span,
                    format!("invalid type {} for \"client\"", other.type_str()),
                    None,
                ),
            }
        }
    }

    fn cert(&self, written: &str, span: Span) -> CertFile {
        let (resolved, exists) = (self.check)(written);
        CertFile {
            path: Spanned::new(written.to_string(), span),
            resolved,
            exists,
        }
    }

    /// containerd prepends `https://` to a URL not starting with `http` and parses it; a URL
    /// Go cannot parse makes the decoder fail.
    fn check_url(&mut self, key: &str, url: &Spanned<String>) {
        let full = if url.value.starts_with("http") {
            url.value.clone()
        } else {
            format!("https://{}", url.value)
        };
        let host = crate::model::hosts::url_host(&full);
        let bad_char = full.chars().find(|c| {
            c.is_whitespace()
                || c.is_control()
                || *c == '"'
                || *c == '<'
                || *c == '>'
                || *c == '\\'
                || *c == '^'
                || *c == '`'
                || *c == '{'
                || *c == '|'
                || *c == '}'
        });
        let error = if let Some(c) = bad_char {
            Some(format!("invalid character {c:?} in host name"))
        } else if !full.contains("://") {
            Some("missing \"://\" after the scheme".to_string())
        } else if host.is_empty() && key == "host" {
            Some("empty host".to_string())
        } else {
            None
        };
        if let Some(e) = error {
            self.invalid(
                key,
                url.span,
                format!("unable to parse server {}: {e}", url.value),
                None,
            );
        }
    }

    fn wrong_type(
        &mut self,
        key: &str,
        span: Span,
        expected: &'static str,
        found: &DeValue<'_>,
        since: Option<ReleaseNumber>,
    ) {
        self.cfg.wrong_types.push(WrongTypeKey {
            key: Spanned::new(key.to_string(), span),
            expected,
            found: found.type_str(),
            since,
        });
    }

    fn invalid(&mut self, key: &str, value: Span, error: String, since: Option<ReleaseNumber>) {
        self.cfg.invalid_values.push(InvalidValue {
            key: key.to_string(),
            value,
            error,
            since,
        });
    }

    fn unknown(&mut self, name: &str, span: Span, in_host: Option<&str>) {
        self.cfg.unknown_keys.push(UnknownHostsKey {
            key: Spanned::new(name.to_string(), span),
            suggestion: suggestion(name, in_host.is_some()),
            in_host: in_host.map(str::to_owned),
        });
    }

    /// A `[host."b"]` header indented deeper than the `[host."a"]` header before it: written
    /// as if nested, but TOML makes it a sibling that containerd tries after `a`.
    fn indented_hosts(&mut self) {
        let mut previous: Option<(usize, String)> = None;
        let mut found = Vec::new();
        let mut seen = BTreeSet::new();
        for h in &self.cfg.hosts {
            let Some(indent) = header_indent(self.text, h.url.span.start as usize) else {
                continue;
            };
            if let Some((prev_indent, parent)) = &previous
                && indent > *prev_indent
                && seen.insert(h.url.value.clone())
            {
                found.push(NestedHost {
                    url: h.url.clone(),
                    parent: parent.clone(),
                    nested_in_toml: false,
                });
            }
            previous = Some((indent, h.url.value.clone()));
        }
        self.cfg.nested_hosts.extend(found);
    }
}

/// A string value's span without its quotes, so the masked value still reads as a string.
fn unquoted(r: std::ops::Range<usize>, text: &str) -> std::ops::Range<usize> {
    let s = text.get(r.clone()).unwrap_or("");
    let q = if s.starts_with("\"\"\"") || s.starts_with("'''") {
        3
    } else {
        usize::from(s.starts_with(['"', '\'']))
    };
    if r.end - r.start >= 2 * q {
        r.start + q..r.end - q
    } else {
        r
    }
}

/// The indentation of the line holding `offset` when that line is a `[host...]` header.
fn header_indent(text: &str, offset: usize) -> Option<usize> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(start..)?.lines().next()?;
    let trimmed = line.trim_start_matches([' ', '\t']);
    trimmed
        .strip_prefix('[')
        .filter(|rest| rest.trim_start().starts_with("host"))
        .map(|_| line.len() - trimmed.len())
}

/// The correct form of an unknown key.
fn suggestion(name: &str, in_host: bool) -> Option<KeySuggestion> {
    let lower = name.to_ascii_lowercase();
    let known: Vec<&'static str> = if in_host {
        SETTING_KEYS.to_vec()
    } else {
        SETTING_KEYS
            .iter()
            .copied()
            .chain(["server", "host"])
            .collect()
    };
    if let Some(k) = known.iter().find(|k| **k == lower) {
        return Some(KeySuggestion::Key(k));
    }
    let key = |k: &'static str| Some(KeySuggestion::Key(k));
    match lower.replace('-', "_").as_str() {
        "plain_http" | "plainhttp" | "insecure" | "http" | "allow_http" | "insecure_registry" => {
            Some(KeySuggestion::HttpScheme)
        }
        "insecure_skip_verify"
        | "skipverify"
        | "tls_skip_verify"
        | "skip_tls_verify"
        | "insecure_tls" => key("skip_verify"),
        "endpoint" | "endpoints" | "mirror" | "mirrors" => Some(KeySuggestion::HostTable),
        "headers" => key("header"),
        "ca_file" | "cacert" | "ca_cert" | "ca_certs" | "tls_ca" | "cafile" => key("ca"),
        "cert_file" | "key_file" | "client_cert" | "client_key" | "cert" | "key" | "tls_cert" => {
            key("client")
        }
        "capability" => key("capabilities"),
        "timeout" | "dialtimeout" => key("dial_timeout"),
        "server_url" | "url" | "address" | "registry" => {
            if in_host {
                None
            } else {
                key("server")
            }
        }
        _ => suggest::closest(name, known.iter().copied()).map(KeySuggestion::Key),
    }
}

/// Go's `time.ParseDuration` syntax: `[-+]` then one or more `<number><unit>`, or `0`.
fn is_go_duration(s: &str) -> bool {
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
        let unit = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
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
    use super::*;
    use crate::release::ContainerdRelease;

    fn parse_text(text: &str) -> HostsConfig {
        let doc = DeTable::parse(text).unwrap().into_inner();
        let check = |p: &str| (p.to_string(), FileCheck::Missing);
        parse(&doc, text, FileId(0), &check).0
    }

    #[test]
    fn every_header_value_is_masked() {
        let text = "[header]\n  X-Auth-Token = \"abc\"\n  x-multi = [\"p1\", 'p2']\n";
        let doc = DeTable::parse(text).unwrap().into_inner();
        let check = |p: &str| (p.to_string(), FileCheck::Missing);
        let (_, masks) = parse(&doc, text, FileId(0), &check);
        let mut values: Vec<&str> = masks.into_iter().map(|r| &text[r]).collect();
        values.sort();
        assert_eq!(values, vec!["abc", "p1", "p2"]);
    }

    #[test]
    fn hosts_in_file_order_with_settings() {
        let c = parse_text(
            "server = \"https://registry-1.docker.io\"\n\
             [host.\"https://z.example\"]\n  capabilities = [\"pull\"]\n\
             [host.\"http://a.example:5000\"]\n  capabilities = [\"pull\", \"resolve\"]\n  skip_verify = true\n  ca = [\"a.crt\", \"/b.crt\"]\n  client = [[\"c.cert\", \"c.key\"], [\"d.pem\", \"\"]]\n  [host.\"http://a.example:5000\".header]\n    Authorization = \"Basic x\"\n",
        );
        let urls: Vec<&str> = c.hosts.iter().map(|h| h.url.value.as_str()).collect();
        assert_eq!(urls, vec!["https://z.example", "http://a.example:5000"]);
        let a = &c.hosts[1];
        assert_eq!(crate::model::hosts::url_scheme(&a.url.value), "http");
        assert_eq!(a.settings.ca.len(), 2);
        assert_eq!(a.settings.client.len(), 3);
        assert_eq!(a.settings.header[0].value, "Authorization");
        assert!(!c.hosts[0].settings.can("resolve"));
        assert!(c.unknown_keys.is_empty() && c.wrong_types.is_empty());
        assert!(c.rejections(&ContainerdRelease::target("1.7.0")).is_empty());
        assert!(c.host_table.is_some());
    }

    #[test]
    fn what_containerd_rejects_or_ignores() {
        let c = parse_text(
            "server = [\"https://a\", \"https://b\"]\nplain-http = true\n[host.\"https://m\"]\n  capabilities = [\"pull\", \"fetch\"]\n  insecure_skip_verify = true\n  dial_timeout = \"soon\"\n",
        );
        assert_eq!(c.wrong_types[0].key.value, "server");
        assert_eq!(c.wrong_types[0].found, "array");
        assert!(
            c.invalid_values
                .iter()
                .any(|v| v.error == "unknown capability fetch")
        );
        let unknown: Vec<(&str, Option<KeySuggestion>)> = c
            .unknown_keys
            .iter()
            .map(|u| (u.key.value.as_str(), u.suggestion.clone()))
            .collect();
        assert!(unknown.contains(&("plain-http", Some(KeySuggestion::HttpScheme))));
        assert!(unknown.contains(&(
            "insecure_skip_verify",
            Some(KeySuggestion::Key("skip_verify"))
        )));
        // dial_timeout is only read (and validated) from 2.1.
        assert_eq!(c.rejections(&ContainerdRelease::target("2.0.0")).len(), 2);
        assert_eq!(c.rejections(&ContainerdRelease::target("2.1.0")).len(), 3);
    }

    #[test]
    fn nesting_real_and_by_indentation() {
        let c = parse_text(
            "[host.\"http://mirror.registry\"]\n  capabilities = [\"pull\"]\n  [host.\"http://double-mirror.registry\"]\n    capabilities = [\"pull\"]\n",
        );
        assert_eq!(c.hosts.len(), 2, "TOML makes them siblings");
        assert_eq!(c.nested_hosts.len(), 1);
        assert!(!c.nested_hosts[0].nested_in_toml);
        assert_eq!(c.nested_hosts[0].parent, "http://mirror.registry");
        let c = parse_text("[host.\"http://a\"]\n[host.\"http://a\".host.\"http://b\"]\n");
        assert_eq!(c.hosts.len(), 1);
        assert!(c.nested_hosts[0].nested_in_toml);
        // A header sub-table indented under its host is not nesting.
        let c = parse_text(
            "[host.\"http://a\"]\n  [host.\"http://a\".header]\n    x = \"y\"\n[host.\"http://b\"]\n",
        );
        assert!(c.nested_hosts.is_empty());
    }

    #[test]
    fn go_durations() {
        for ok in ["1s", "300ms", "1.5h", "1h30m", "0", "-2us"] {
            assert!(is_go_duration(ok), "{ok}");
        }
        for bad in ["", "1", "soon", "1x", "s", "1..2s"] {
            assert!(!is_go_duration(bad), "{bad}");
        }
    }

    #[test]
    fn no_host_table_and_case() {
        let c = parse_text("SERVER = \"https://a\"\n");
        assert!(c.host_table.is_none());
        assert_eq!(
            c.unknown_keys[0].suggestion,
            Some(KeySuggestion::Key("server"))
        );
    }
}
