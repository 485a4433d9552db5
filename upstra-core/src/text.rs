//! Text that came from someone else: how it is shown, and which characters a name may hold.
//!
//! A user name typed at a failed login, a VM name coming from vCenter, a host name in a lab file:
//! all of them end up in a table, the console or a log line. A terminal obeys the escape
//! sequences in what it prints (clear the screen, recolour, move the cursor, set the window's
//! title), a newline in a log line forges a second line, and a right-to-left override makes
//! `vm-evil\u{202e}gpj.exe` read backwards. [`Shown`] renders every such character visibly
//! escaped (`\e`, `\n`, `\u{202e}`) and leaves all other text, accents and CJK included, alone.
//! [`check_name`] is the other half: names an operator declares may not hold them at all.

use std::borrow::Cow;
use std::fmt;

/// Whether `c` changes how a terminal or a log reader treats what follows, rather than showing
/// as a glyph: the C0 controls (ESC, BEL, CR, LF, TAB...), DEL, the C1 controls (U+0080 to
/// U+009F, which some terminals obey like ESC sequences: U+009B is CSI), the line and paragraph
/// separators, and the bidirectional marks, embeddings, overrides and isolates.
pub fn is_hostile(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// The characters that reorder the text around them (Unicode's `Bidi_Control` property).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// Displays untrusted text with every [hostile](is_hostile) character escaped: the usual
/// backslash letters for the common controls, `\u{..}` for the rest.
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a>(pub &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(is_hostile) {
            f.write_str(&rest[..at])?;
            let mut chars = rest[at..].chars();
            if let Some(c) = chars.next() {
                write_escaped(f, c)?;
            }
            rest = chars.as_str();
        }
        f.write_str(rest)
    }
}

fn write_escaped(out: &mut impl fmt::Write, c: char) -> fmt::Result {
    match c {
        '\u{1b}' => out.write_str("\\e"),
        '\u{07}' => out.write_str("\\a"),
        '\u{08}' => out.write_str("\\b"),
        '\0' => out.write_str("\\0"),
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        other => write!(out, "\\u{{{:x}}}", u32::from(other)),
    }
}

/// `text` with every hostile character escaped; borrowed when there is none (the usual case).
pub fn escape(text: &str) -> Cow<'_, str> {
    if text.contains(is_hostile) {
        Cow::Owned(Shown(text).to_string())
    } else {
        Cow::Borrowed(text)
    }
}

/// `c` as [`Shown`] renders it, for messages naming an offending character.
pub fn escape_char(c: char) -> String {
    let mut out = String::new();
    if is_hostile(c) {
        // Writing to a String cannot fail.
        let _ = write_escaped(&mut out, c);
    } else {
        out.push(c);
    }
    out
}

/// A name holds a character no name may hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{shown}` holds `{char_shown}` at character {position}; a name may hold no control \
     or bidirectional character: remove it",
    shown = escape(name),
    char_shown = escape_char(*ch)
)]
pub struct HostileChar {
    pub name: String,
    pub ch: char,
    /// 1-based, in characters, so an operator can count to it.
    pub position: usize,
}

/// The charset rule for free-form names (a user name, a `vsphere_host`, a VM name in a policy):
/// anything printable, in any script, but no [hostile](is_hostile) character, so the name
/// shows as itself wherever it is printed. Stricter rules (the ids' ASCII set) and length
/// bounds are checked elsewhere.
pub fn check_name(name: &str) -> Result<(), HostileChar> {
    match name.chars().enumerate().find(|(_, c)| is_hostile(*c)) {
        Some((at, ch)) => Err(HostileChar {
            name: name.to_owned(),
            ch,
            position: at + 1,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
