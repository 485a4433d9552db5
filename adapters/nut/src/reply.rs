//! upsd's replies, parsed with no I/O: one-line answers (`OK`, `ERR`, `VAR`) and `BEGIN LIST` ..
//! `END LIST` blocks.

use std::collections::BTreeMap;

use crate::error::{ErrCode, NutError};
use crate::wire::split_words;

/// A UPS as `LIST UPS` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsEntry {
    /// The name to use in commands, e.g. `ups1`.
    pub name: String,
    /// The `desc` from upsd's `ups.conf`.
    pub description: String,
}

/// Splits a line into words, mapping `ERR <code> [detail]` to [`NutError::Server`].
pub(crate) fn words_or_err(line: &str) -> Result<Vec<String>, NutError> {
    let words = split_words(line).map_err(|e| NutError::Protocol(format!("{e} in {line:?}")))?;
    match words.split_first() {
        Some((first, rest)) if first == "ERR" => {
            let (code, detail) = rest
                .split_first()
                .ok_or_else(|| NutError::Protocol("ERR without a code".into()))?;
            Err(NutError::Server {
                code: ErrCode::parse(code),
                detail: (!detail.is_empty()).then(|| detail.join(" ")),
            })
        }
        Some(_) => Ok(words),
        None => Err(NutError::Protocol("empty line".into())),
    }
}

/// Checks an `OK [...]` reply.
pub(crate) fn expect_ok(line: &str) -> Result<(), NutError> {
    let words = words_or_err(line)?;
    if words.first().map(String::as_str) == Some("OK") {
        Ok(())
    } else {
        Err(unexpected("OK", line))
    }
}

/// The value of a `GET VAR` reply: `VAR <ups> <var> "<value>"`.
pub(crate) fn parse_get_var(ups: &str, var: &str, line: &str) -> Result<String, NutError> {
    match words_or_err(line)?.as_slice() {
        [tag, u, v, value] if tag == "VAR" && u == ups && v == var => Ok(value.clone()),
        _ => Err(unexpected(&format!("VAR {ups} {var} \"...\""), line)),
    }
}

/// True when `line` ends the list that `header` (e.g. `["VAR", "ups1"]`) began.
pub(crate) fn is_list_end(line: &str, header: &[&str]) -> bool {
    split_words(line).is_ok_and(|w| {
        w.len() == header.len() + 2
            && w[0] == "END"
            && w[1] == "LIST"
            && w[2..].iter().zip(header).all(|(a, b)| a == b)
    })
}

/// The body lines of a complete list reply, as words. `lines` is everything upsd sent, from
/// `BEGIN LIST <header>` to `END LIST <header>` (or a single `ERR` line).
pub(crate) fn parse_list(header: &[&str], lines: &[String]) -> Result<Vec<Vec<String>>, NutError> {
    let (first, rest) = lines
        .split_first()
        .ok_or_else(|| NutError::Protocol("empty list reply".into()))?;
    let begin = words_or_err(first)?;
    let begins = begin.len() == header.len() + 2
        && begin[0] == "BEGIN"
        && begin[1] == "LIST"
        && begin[2..].iter().zip(header).all(|(a, b)| a == b);
    if !begins {
        return Err(unexpected(
            &format!("BEGIN LIST {}", header.join(" ")),
            first,
        ));
    }
    let (last, body) = rest
        .split_last()
        .ok_or_else(|| NutError::Protocol("list without END".into()))?;
    if !is_list_end(last, header) {
        return Err(unexpected(&format!("END LIST {}", header.join(" ")), last));
    }
    body.iter().map(|l| words_or_err(l)).collect()
}

/// The variables of a `LIST VAR <ups>` reply, by name.
pub(crate) fn parse_list_var(
    ups: &str,
    lines: &[String],
) -> Result<BTreeMap<String, String>, NutError> {
    let mut vars = BTreeMap::new();
    for words in parse_list(&["VAR", ups], lines)? {
        match <[String; 4]>::try_from(words) {
            Ok([tag, u, name, value]) if tag == "VAR" && u == ups => {
                vars.insert(name, value);
            }
            Ok(w) => return Err(unexpected("VAR <ups> <name> <value>", &w.join(" "))),
            Err(w) => return Err(unexpected("VAR <ups> <name> <value>", &w.join(" "))),
        }
    }
    Ok(vars)
}

/// The UPS of a `LIST UPS` reply.
pub(crate) fn parse_list_ups(lines: &[String]) -> Result<Vec<UpsEntry>, NutError> {
    parse_list(&["UPS"], lines)?
        .into_iter()
        .map(|words| match <[String; 3]>::try_from(words) {
            Ok([tag, name, description]) if tag == "UPS" => Ok(UpsEntry { name, description }),
            Ok(w) => Err(unexpected("UPS <name> <desc>", &w.join(" "))),
            Err(w) => Err(unexpected("UPS <name> <desc>", &w.join(" "))),
        })
        .collect()
}

pub(crate) fn unexpected(wanted: &str, got: &str) -> NutError {
    // Cap what goes into logs: a confused peer may send anything.
    let got: String = got.chars().take(120).collect();
    NutError::Protocol(format!("wanted {wanted}, got {got:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn parses_a_recorded_list_var() {
        let vars = parse_list_var(
            "ups1",
            &lines(include_str!("../tests/fixtures/list_var_ol.txt")),
        )
        .expect("fixture parses");
        assert_eq!(vars.len(), 22);
        assert_eq!(vars["ups.status"], "OL");
        assert_eq!(vars["device.model"], "DummyUPS 1501");
        assert_eq!(vars["input.voltage"], "230.0");
    }

    #[test]
    fn unescapes_recorded_values() {
        let text = include_str!("../tests/fixtures/list_var_odd.txt");
        let vars = parse_list_var("ups2", &lines(text)).expect("fixture parses");
        assert_eq!(vars["ups.model"], r"back\slash and ");
        assert_eq!(vars["ups.status"], "OL CHRG ECO");
    }

    #[test]
    fn maps_recorded_errors() {
        let cases = [
            (
                include_str!("../tests/fixtures/list_var_stale.txt"),
                ErrCode::DataStale,
            ),
            (
                include_str!("../tests/fixtures/list_var_no_driver.txt"),
                ErrCode::DriverNotConnected,
            ),
        ];
        for (text, code) in cases {
            let err = parse_list_var("ups2", &lines(text)).expect_err("an ERR reply");
            assert_eq!(err.code(), Some(&code));
        }
    }

    #[test]
    fn parses_list_ups_and_one_line_replies() {
        let ups = parse_list_ups(&lines(include_str!("../tests/fixtures/list_ups.txt")))
            .expect("fixture parses");
        assert_eq!(ups.len(), 2);
        assert_eq!(ups[1].name, "ups2");
        assert_eq!(ups[1].description, "PeerSim dummy UPS ups2");
        assert_eq!(
            parse_get_var("ups1", "ups.status", r#"VAR ups1 ups.status "OB LB""#),
            Ok("OB LB".into())
        );
        assert!(expect_ok("OK Goodbye").is_ok());
        let err = expect_ok("ERR ACCESS-DENIED").expect_err("an ERR");
        assert_eq!(err.code(), Some(&ErrCode::AccessDenied));
        let err = expect_ok("ERR SOMETHING-NEW with words").expect_err("an ERR");
        assert_eq!(
            err,
            NutError::Server {
                code: ErrCode::Other("SOMETHING-NEW".into()),
                detail: Some("with words".into())
            }
        );
    }

    #[test]
    fn refuses_replies_that_do_not_fit() {
        let bad: &[&[&str]] = &[
            &[],
            &["BEGIN LIST VAR ups9", "END LIST VAR ups9"],
            &["BEGIN LIST VAR ups1"],
            &["BEGIN LIST VAR ups1", "VAR ups1 x", "END LIST VAR ups1"],
            &[
                "BEGIN LIST VAR ups1",
                r#"VAR ups2 x "1""#,
                "END LIST VAR ups1",
            ],
            &[
                "BEGIN LIST VAR ups1",
                r#"VAR ups1 x "open"#,
                "END LIST VAR ups1",
            ],
            &["BEGIN LIST VAR ups1", "END LIST VAR ups2"],
        ];
        for case in bad {
            let owned: Vec<String> = case.iter().map(|s| (*s).to_owned()).collect();
            let err = parse_list_var("ups1", &owned).expect_err("must be refused");
            assert!(matches!(err, NutError::Protocol(_)), "{case:?}: {err:?}");
        }
        assert!(parse_get_var("ups1", "ups.status", r#"VAR ups1 ups.load "3""#).is_err());
    }
}
