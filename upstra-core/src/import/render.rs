//! Writing the lab file's text: values through the `toml` crate's own string encoder (quotes,
//! backslashes, newlines and control characters escaped as TOML requires), and comment text
//! neutralised with [`crate::text::escape`] (a newline in a comment would end it and start a
//! line of TOML the source chose) and cut to a bound.

use std::fmt::Write as _;

use crate::text;

/// Longest text quoted in a comment, in characters: a record name of a megabyte must not make
/// the lab file unreadable (or push it past the lab file's own bound).
pub const COMMENT_QUOTE_CHARS: usize = 120;

/// `value` as a TOML basic string, quotes included.
pub fn toml_str(value: &str) -> String {
    toml::Value::String(value.to_owned()).to_string()
}

/// Source text for a comment: escaped, on one line, cut to [`COMMENT_QUOTE_CHARS`].
pub fn quoted(value: &str) -> String {
    // A quote inside is escaped too, so the quoted text ends where it seems to.
    let escaped = text::escape(value).replace('"', "\\\"");
    let mut chars = escaped.chars();
    let mut out: String = chars.by_ref().take(COMMENT_QUOTE_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    format!("\"{out}\"")
}

/// Appends `text` as comment lines (`# `), wrapped at about 96 columns on spaces. `text` is
/// already neutral: built by the importer from [`quoted`] pieces, it holds no newline.
pub fn comment(out: &mut String, indent: &str, text: &str) {
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.len() + word.len() + 1 > 96 {
            let _ = writeln!(out, "#{indent} {line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    let _ = writeln!(out, "#{indent} {line}");
}

/// `- item` comment lines, continuation lines indented under the item.
pub fn bullet(out: &mut String, text: &str) {
    let mut first = String::new();
    comment(&mut first, "", text);
    for (i, line) in first.lines().enumerate() {
        let body = line.strip_prefix("# ").unwrap_or(line);
        if i == 0 {
            let _ = writeln!(out, "# - {body}");
        } else {
            let _ = writeln!(out, "#   {body}");
        }
    }
}
