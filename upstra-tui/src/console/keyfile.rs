//! `keys.toml`: the user's changes to the lab view's keys. Only what changes is listed; each
//! action named gets exactly the keys given (an empty list unbinds it), and a key taken from
//! another action's defaults leaves that action. Anything the console does not know is an
//! error naming its line, so a typo never silently leaves a key unbound.
//!
//! ```toml
//! [tree]
//! power-off = "X"
//! migrate = ["w", "ctrl-w"]
//! ```
//!
//! The file is `--keys FILE`, else `$XDG_CONFIG_HOME/upstra/keys.toml` (or
//! `~/.config/upstra/keys.toml`) when it exists. `config/keys.toml` is a commented example.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::command_table::Command;
use super::keys::{Chord, Keymap};

/// Why `keys.toml` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read the key file {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("{}:{line}: {problem}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        problem: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    tree: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

/// Where the key file is looked for when `--keys` is not given.
pub fn default_path() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let config = var("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(config.join("upstra").join("keys.toml"))
}

/// The key map for this run: the defaults, changed by `explicit` (which must exist) or by the
/// default file when there is one.
pub fn load(explicit: Option<&Path>) -> Result<Keymap, KeyFileError> {
    let path = match explicit {
        Some(p) => p.to_owned(),
        None => match default_path() {
            Some(p) if p.exists() => p,
            _ => return Ok(Keymap::default()),
        },
    };
    let text = std::fs::read_to_string(&path).map_err(|e| KeyFileError::Read {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    parse(&text).map_err(|(line, problem)| KeyFileError::Invalid {
        path,
        line,
        problem,
    })
}

/// The key map `text` describes, or the line and the problem.
pub fn parse(text: &str) -> Result<Keymap, (usize, String)> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let file: File = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(s.start));
        (line, e.message().to_owned())
    })?;
    let mut map = Keymap::default();
    let mut seen: Vec<(Chord, &str)> = Vec::new();
    // In file order, so that a key given twice is reported where it is given the second time.
    let mut entries: Vec<_> = file.tree.iter().collect();
    entries.sort_by_key(|(name, _)| name.span().start);
    for (name, value) in entries {
        let line = line_of(name.span().start);
        let command = Command::parse(name.get_ref()).ok_or_else(|| {
            let known: Vec<&str> = Command::ALL.iter().map(|c| c.name()).collect();
            (
                line,
                format!(
                    "`{}` is not an action; the actions are {}",
                    name.get_ref(),
                    known.join(", ")
                ),
            )
        })?;
        let names = match value.get_ref() {
            toml::Value::String(s) => vec![s.as_str()],
            toml::Value::Array(items) => items
                .iter()
                .map(|v| {
                    v.as_str().ok_or_else(|| {
                        (
                            line,
                            format!("the keys of `{}` must be strings", name.get_ref()),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
            _ => {
                return Err((
                    line,
                    format!(
                        "give `{}` a key (\"x\") or a list of keys ([\"x\", \"ctrl-x\"])",
                        name.get_ref()
                    ),
                ));
            }
        };
        let mut chords = Vec::with_capacity(names.len());
        for key in names {
            let chord = Chord::parse(key).map_err(|p| (line, p))?;
            if let Some((_, other)) = seen.iter().find(|(c, _)| *c == chord) {
                return Err((
                    line,
                    format!("`{key}` is already given to `{other}` in this file"),
                ));
            }
            seen.push((chord, name.get_ref()));
            chords.push(chord);
        }
        map.bind(command, &chords);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    #[test]
    fn the_shipped_example_is_valid_and_changes_nothing() {
        let example = include_str!("../../../config/keys.toml");
        assert_eq!(parse(example), Ok(Keymap::default()));
    }

    #[test]
    fn listed_actions_get_exactly_their_keys() {
        let map = parse("[tree]\npower-off = \"X\"\nmigrate = [\"w\", \"ctrl-w\"]\nhelp = []\n")
            .expect("valid");
        assert_eq!(
            map.keys(Command::PowerOff),
            vec![Chord::plain(KeyCode::Char('X'))]
        );
        assert_eq!(
            map.command(Chord::new(KeyCode::Char('w'), KeyModifiers::CONTROL)),
            Some(Command::Migrate)
        );
        assert_eq!(map.command(Chord::plain(KeyCode::Char('x'))), None);
        assert!(map.keys(Command::Help).is_empty());
        assert_eq!(map.keys(Command::Up), Keymap::default().keys(Command::Up));
    }

    #[test]
    fn mistakes_name_their_line() {
        for (text, line, says) in [
            (
                "[tree]\nup = \"k\"\npower-of = \"x\"\n",
                3,
                "`power-of` is not an action",
            ),
            ("[tree]\n\nquit = \"ctrl-\"\n", 3, "`ctrl-` is not a key"),
            ("[tree]\nquit = 3\n", 2, "give `quit` a key"),
            ("[tree]\nquit = [\"q\", 3]\n", 2, "must be strings"),
            (
                "[tree]\nquit = \"z\"\n# a comment\nhelp = \"z\"\n",
                4,
                "`z` is already given to `quit`",
            ),
            (
                "[tree]\nquit = \"q\"\n[palette]\nx = \"y\"\n",
                3,
                "unknown field `palette`",
            ),
            ("[tree]\nquit = \"q\n", 2, ""),
        ] {
            let (got_line, problem) = parse(text).expect_err(text);
            assert_eq!(got_line, line, "{text}: {problem}");
            assert!(problem.contains(says), "{text}: {problem}");
        }
    }

    #[test]
    fn the_error_reads_as_file_line_problem() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("keys.toml");
        std::fs::write(&path, "[tree]\nfly = \"f\"\n").expect("written");
        let err = load(Some(&path)).expect_err("unknown action");
        assert!(
            err.to_string()
                .starts_with(&format!("{}:2: `fly` is not an action", path.display())),
            "{err}"
        );
        let missing = load(Some(&dir.path().join("none.toml"))).expect_err("missing");
        assert!(matches!(missing, KeyFileError::Read { .. }));
    }
}
