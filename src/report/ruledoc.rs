//! Reading a rule's documentation (`rules/RAxxx.md`): its sections, a plain-text digest for
//! SARIF descriptions, heading demotion for the generated catalog, and a terminal rendering
//! for `explain`. The docs use a small Markdown subset: headings, paragraphs, bullet lists,
//! fenced code blocks and inline code.

use std::fmt::Write as _;

use owo_colors::OwoColorize;

/// The body of the `## title` section (without its heading), trimmed.
pub(crate) fn section<'d>(doc: &'d str, title: &str) -> Option<&'d str> {
    let mut start = None;
    let mut offset = 0;
    let mut fence = false;
    for line in doc.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed.starts_with("```") {
            fence = !fence;
        }
        if !fence && trimmed.starts_with("## ") {
            if let Some(s) = start {
                return doc.get(s..offset).map(str::trim);
            }
            if trimmed[3..].trim() == title {
                start = Some(offset + line.len());
            }
        }
        offset += line.len();
    }
    start.and_then(|s| doc.get(s..)).map(str::trim)
}

/// Markdown prose as one plain-text paragraph: line breaks joined, code fences dropped,
/// backticks kept (they read fine as quotes).
pub(crate) fn plain_paragraphs(markdown: &str) -> String {
    let mut out = String::new();
    let mut fence = false;
    for line in markdown.lines() {
        let t = line.trim();
        if t.starts_with("```") {
            fence = !fence;
            continue;
        }
        if fence || t.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(t);
    }
    out
}

/// Cuts `text` to at most `max` characters, at the end of a sentence when there is one.
pub(crate) fn truncate_sentences(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    match cut.rfind(". ") {
        Some(i) if i > max / 3 => cut[..=i].to_owned(),
        _ => format!("{}…", cut.trim_end()),
    }
}

/// Shifts every heading down by `levels` (`#` → `###` for 2), leaving code blocks alone, so a
/// rule doc can be embedded under the catalog's own headings.
pub(crate) fn demote_headings(markdown: &str, levels: usize) -> String {
    let mut out = String::with_capacity(markdown.len() + 64);
    let mut fence = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
        }
        if !fence && line.starts_with('#') {
            out.push_str(&"#".repeat(levels));
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The doc rendered for a terminal: styled headings, indented code blocks, highlighted
/// inline code. Styles are ANSI; the writer strips them when colors are off.
pub(crate) fn terminal(doc: &str) -> String {
    let mut out = String::new();
    let mut fence = false;
    for line in doc.lines() {
        let t = line.trim_end();
        if t.trim_start().starts_with("```") {
            fence = !fence;
            continue;
        }
        if fence {
            let _ = writeln!(out, "    {}", t.cyan());
        } else if let Some(title) = t.strip_prefix("# ") {
            let _ = writeln!(out, "{}", title.bold().underline());
        } else if let Some(title) = t.strip_prefix("## ") {
            let _ = writeln!(out, "{}", title.bold().green());
        } else if t.starts_with('#') {
            let _ = writeln!(out, "{}", t.trim_start_matches('#').trim().bold());
        } else {
            let _ = writeln!(out, "{}", inline_code(t));
        }
    }
    out
}

/// Highlights `inline code` spans (the backticks are dropped; the style marks the span).
fn inline_code(line: &str) -> String {
    let parts: Vec<&str> = line.split('`').collect();
    // An odd number of backticks: not a code span, keep the line as written.
    if parts.len().is_multiple_of(2) {
        return line.to_owned();
    }
    let mut out = String::with_capacity(line.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "{}", part.yellow());
        } else {
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# RA999 demo\n\n## What it checks\n\nOne `key`\nper line.\n\n## Example\n\n```toml\n# a comment, not a heading\nx = 1\n```\n\n## References\n\n- a\n";

    #[test]
    fn sections_and_digest() {
        assert_eq!(section(DOC, "What it checks"), Some("One `key`\nper line."));
        assert_eq!(
            section(DOC, "Example"),
            Some("```toml\n# a comment, not a heading\nx = 1\n```")
        );
        assert_eq!(section(DOC, "References"), Some("- a"));
        assert_eq!(section(DOC, "Remediation"), None);
        assert_eq!(
            plain_paragraphs(section(DOC, "What it checks").unwrap()),
            "One `key` per line."
        );
    }

    #[test]
    fn demotes_headings_outside_code() {
        let d = demote_headings(DOC, 2);
        assert!(d.starts_with("### RA999 demo\n"));
        assert!(d.contains("#### What it checks\n"));
        assert!(d.contains("\n# a comment, not a heading\n"));
    }

    #[test]
    fn truncates_at_sentence() {
        let t = truncate_sentences("First sentence here. Second one is long enough.", 30);
        assert_eq!(t, "First sentence here.");
        assert_eq!(truncate_sentences("short", 30), "short");
    }

    #[test]
    fn terminal_rendering_keeps_text() {
        let t = terminal(DOC);
        assert!(t.contains("What it checks"));
        assert!(t.contains("# a comment, not a heading"));
        assert!(!t.contains("```"));
    }
}
