//! The NUT line syntax, with no I/O: a line is words separated by spaces; a word holding spaces
//! is written in double quotes; inside a word, `\"` and `\\` stand for `"` and `\` (what upsd's
//! `pconf_encode` writes and its parser reads).

use std::borrow::Cow;

/// Why a line could not be split into words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// A `"` opened a word that the line never closes.
    #[error("unterminated quote")]
    UnterminatedQuote,
    /// The line ends in a `\` with nothing to escape.
    #[error("line ends with a lone backslash")]
    TrailingBackslash,
}

/// Splits one reply line (without its `\n`) into words, undoing quotes and escapes.
///
/// `""` is an empty word, kept: `VAR ups1 ups.id ""` has four words.
pub fn split_words(line: &str) -> Result<Vec<String>, LineError> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word has started even when it is still empty (`""`).
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let escaped = chars.next().ok_or(LineError::TrailingBackslash)?;
                word.push(escaped);
                in_word = true;
            }
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_ascii_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quoted {
        return Err(LineError::UnterminatedQuote);
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// `value` in double quotes, with `"` and `\` escaped.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `value` as one word of a command: as is when that is unambiguous, quoted otherwise.
pub fn word(value: &str) -> Cow<'_, str> {
    let plain = !value.is_empty()
        && !value
            .chars()
            .any(|c| c.is_ascii_whitespace() || c == '"' || c == '\\');
    if plain {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(quote(value))
    }
}

/// True when `value` can be sent at all: upsd reads one command per line, so a line break (or a
/// NUL, which its C parser stops at) inside an argument would end or corrupt the command.
pub fn sendable(value: &str) -> bool {
    !value.contains(['\n', '\r', '\0'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splits_the_lines_upsd_writes() {
        let cases: &[(&str, &[&str])] = &[
            ("OK", &["OK"]),
            ("ERR DATA-STALE", &["ERR", "DATA-STALE"]),
            (
                r#"VAR ups1 ups.status "OB DISCHRG LB""#,
                &["VAR", "ups1", "ups.status", "OB DISCHRG LB"],
            ),
            (
                r#"VAR ups2 ups.model "back\\slash and ""#,
                &["VAR", "ups2", "ups.model", r"back\slash and "],
            ),
            (
                r#"VAR ups2 ups.model "He said \"hi\"""#,
                &["VAR", "ups2", "ups.model", r#"He said "hi""#],
            ),
            (r#"VAR ups1 ups.id """#, &["VAR", "ups1", "ups.id", ""]),
            ("  BEGIN   LIST  UPS  ", &["BEGIN", "LIST", "UPS"]),
            ("", &[]),
        ];
        for (line, want) in cases {
            let want: Vec<String> = want.iter().map(|w| (*w).to_owned()).collect();
            assert_eq!(split_words(line), Ok(want), "line {line:?}");
        }
    }

    #[test]
    fn refuses_broken_lines() {
        assert_eq!(
            split_words(r#"VAR ups1 x "open"#),
            Err(LineError::UnterminatedQuote)
        );
        assert_eq!(
            split_words(r"VAR ups1 x \"),
            Err(LineError::TrailingBackslash)
        );
    }

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(word("ups1"), "ups1");
        assert_eq!(word("two words"), r#""two words""#);
        assert_eq!(word(""), r#""""#);
        assert_eq!(word(r#"a"b\c"#), r#""a\"b\\c""#);
        assert!(sendable("pass word"));
        assert!(!sendable("pass\nLOGOUT"));
    }

    proptest! {
        #[test]
        fn quoting_round_trips(values in proptest::collection::vec("[^\n\r]*", 0..5)) {
            let line = values.iter().map(|v| quote(v)).collect::<Vec<_>>().join(" ");
            prop_assert_eq!(split_words(&line), Ok(values.clone()));
            let line = values.iter().map(|v| word(v)).collect::<Vec<_>>().join(" ");
            prop_assert_eq!(split_words(&line), Ok(values));
        }
    }
}
