//! What a channel does to a message's text before it leaves: the title must stay one header
//! line, nothing may carry terminal escapes into a mail reader's pager or a phone's log, and
//! every size is bounded.
//!
//! The text comes from the daemon, but it quotes names from lab files and peers (a UPS name
//! served by NUT, a VM name from vCenter), so it is treated like any text from someone else:
//! hostile characters are shown escaped, as everywhere else (`upstra_core::text`).

use std::borrow::Cow;

use upstra_core::text::{escape, is_hostile};

/// The longest title kept, in characters: an email subject or a phone notification's first
/// line is read at a glance, and a longer one is a body's job. Past it the title is cut and
/// ends with [`CUT_MARK`].
pub(crate) const TITLE_MAX_CHARS: usize = 200;

/// What ends a cut text, so a reader knows there was more.
pub(crate) const CUT_MARK: &str = "…";

/// `title` on one line, hostile characters (CR, LF, ESC, bidi overrides...) shown escaped,
/// at most [`TITLE_MAX_CHARS`] characters: it goes into a header line, where a raw newline
/// would start a header of the sender's choosing.
pub(crate) fn one_line(title: &str) -> String {
    cut_chars(&escape(title), TITLE_MAX_CHARS)
}

/// `body` with its line breaks kept (LF and tabs) and every other hostile character shown
/// escaped, at most `max_bytes` bytes of UTF-8.
pub(crate) fn body_text(body: &str, max_bytes: usize) -> String {
    let kept = if body.contains(|c: char| is_hostile(c) && c != '\n' && c != '\t') {
        let lines: Vec<Cow<'_, str>> = body
            .split('\n')
            .map(|line| {
                let parts: Vec<Cow<'_, str>> = line.split('\t').map(escape).collect();
                Cow::Owned(parts.join("\t"))
            })
            .collect();
        lines.join("\n")
    } else {
        body.to_owned()
    };
    cut_bytes(&kept, max_bytes)
}

/// `text` kept to ASCII letters, digits, `-` and `_`, every other byte written `=XX` (`=`
/// itself too, so two different texts never give the same token): a message id as a
/// `Message-ID`'s left part or an ntfy tag, where most punctuation means something.
pub(crate) fn token(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("={byte:02X}"));
        }
    }
    out
}

/// `text` cut to `max` characters, the last one being [`CUT_MARK`] when cut.
fn cut_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push_str(CUT_MARK);
    out
}

/// `text` cut to `max` bytes on a character boundary, ending with [`CUT_MARK`] when cut.
pub(crate) fn cut_bytes(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub(CUT_MARK.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{CUT_MARK}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_cannot_hold_a_line_break_or_an_escape() {
        let title = one_line("UPS ups1\r\nBcc: victim@example.com\u{1b}[2J");
        assert!(!title.contains(['\r', '\n', '\u{1b}']), "{title}");
        assert_eq!(title, "UPS ups1\\r\\nBcc: victim@example.com\\e[2J");
    }

    #[test]
    fn a_long_title_is_cut_with_a_mark() {
        let title = one_line(&"é".repeat(500));
        assert_eq!(title.chars().count(), TITLE_MAX_CHARS);
        assert!(title.ends_with(CUT_MARK));
    }

    #[test]
    fn a_body_keeps_its_lines_and_accents_but_not_escapes() {
        let body = body_text(
            "Coupure secteur\n\tonduleur « salle B »\u{1b}]0;x\u{7}",
            1000,
        );
        assert_eq!(body, "Coupure secteur\n\tonduleur « salle B »\\e]0;x\\a");
    }

    #[test]
    fn a_body_is_cut_on_a_character_boundary() {
        let body = body_text(&"é".repeat(100), 51);
        assert!(body.len() <= 51, "{}", body.len());
        assert!(body.ends_with(CUT_MARK));
    }
}
