//! upsd.users, read to say beforehand whether a user may send a command: upsd has no dry run
//! and checks `instcmds` only when a command arrives (see `ups_off.rs`), but the daemon
//! usually runs on the NUT primary itself, as root, where this file is readable.
//!
//! Only what the check needs is kept: each user's `instcmds`, `actions`, `upsmon` and password;
//! the password is held as a [`Secret`] (never printed, wiped on drop) and only compared. The rules follow
//! upsd's (`user.c`): a section is a user; a repeated section adds to the first one; command
//! and action names compare case-insensitively, and `all` allows every command; lines
//! outside a section and unknown keys are ignored.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use upstra_core::secret::Secret;

/// The largest upsd.users read: a site has a handful of users, a few hundred bytes each;
/// 256 KiB is far above any real file and bounds what a wrong path makes the daemon read.
pub const USERS_FILE_MAX_BYTES: u64 = 256 * 1024;
/// The longest line accepted: upsd's own parser caps a line near this too.
pub const USERS_LINE_MAX: usize = 1024;

/// The permission-relevant content of upsd.users.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsersFile {
    users: BTreeMap<String, NutUser>,
}

/// One `[user]` section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NutUser {
    /// Every `instcmds` value, in the order written.
    pub instcmds: Vec<String>,
    /// Every `actions` value (`SET`, `FSD`).
    pub actions: Vec<String>,
    /// `upsmon primary` / `upsmon secondary`, if set.
    pub upsmon: Option<String>,
    /// The first `password` (upsd ignores a second one).
    pub password: Option<Secret>,
}

/// What upsd.users says of a user and a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permission {
    /// The user may.
    Allowed,
    /// The user exists but may not; the fix says which line to add.
    Denied { fix: String },
    /// No section for the user: upsd answers `ACCESS-DENIED` to anything it sends.
    UnknownUser { fix: String },
}

/// Why upsd.users could not be read; `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsersFileError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} is larger than {max} bytes: it is not an upsd.users file")]
    TooLarge { path: String, max: u64 },
    #[error("upsd.users line {line}: {message}")]
    Invalid { line: usize, message: String },
}

/// The fix named in every message: upsd reads its users again on reload.
const RELOAD: &str = "reload upsd (`upsd -c reload`)";

impl UsersFile {
    /// Reads and parses `path`, bounded by [`USERS_FILE_MAX_BYTES`].
    pub fn read(path: &Path) -> Result<Self, UsersFileError> {
        let shown = path.display().to_string();
        let read_err = |e: std::io::Error| UsersFileError::Read {
            path: shown.clone(),
            reason: e.to_string(),
        };
        let file = std::fs::File::open(path).map_err(read_err)?;
        let mut bytes = Vec::new();
        file.take(USERS_FILE_MAX_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(read_err)?;
        if bytes.len() as u64 > USERS_FILE_MAX_BYTES {
            return Err(UsersFileError::TooLarge {
                path: shown,
                max: USERS_FILE_MAX_BYTES,
            });
        }
        let text = String::from_utf8(bytes).map_err(|e| UsersFileError::Invalid {
            line: 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count(),
            message: "not UTF-8 text".into(),
        })?;
        Self::parse(&text)
    }

    /// Parses the text of an upsd.users file.
    pub fn parse(text: &str) -> Result<Self, UsersFileError> {
        let mut file = Self::default();
        let mut current: Option<String> = None;
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let invalid = |message: String| UsersFileError::Invalid { line, message };
            if raw.len() > USERS_LINE_MAX {
                return Err(invalid(format!("longer than {USERS_LINE_MAX} characters")));
            }
            let words = split_words(raw).map_err(invalid)?;
            let Some(first) = words.first() else {
                continue;
            };
            if let Some(rest) = first.strip_prefix('[') {
                let name = rest
                    .strip_suffix(']')
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| {
                        invalid("a section is a user name in brackets, like [upsmon]".into())
                    })?;
                file.users.entry(name.to_owned()).or_default();
                current = Some(name.to_owned());
                continue;
            }
            let Some(user) = current.as_ref().and_then(|u| file.users.get_mut(u)) else {
                continue; // upsd ignores a line outside a user section
            };
            let (key, values) = key_values(&words);
            let Some(values) = values.filter(|v| !v.is_empty()) else {
                return Err(invalid(format!(
                    "`{key}` has no value: write `{key} = ...`"
                )));
            };
            match key.to_ascii_lowercase().as_str() {
                // upsd ignores a second password: the first one stays.
                "password" if user.password.is_none() => {
                    user.password = values.first().map(|v| Secret::new(v.as_str()));
                }
                "instcmds" => user.instcmds.extend(values.iter().cloned()),
                "actions" => user.actions.extend(values.iter().cloned()),
                "upsmon" => user.upsmon = values.first().cloned(),
                _ => {} // upsd warns of unknown keys and goes on
            }
        }
        Ok(file)
    }

    /// The user's section, if any.
    pub fn user(&self, name: &str) -> Option<&NutUser> {
        self.users.get(name)
    }

    /// Does `given` match the password upsd.users has for `user`? `None` when the file has no
    /// such user or no password for it. Compared in time independent of where they differ.
    pub fn password_matches(&self, user: &str, given: &Secret) -> Option<bool> {
        let expected = self.users.get(user)?.password.as_ref()?;
        let (a, b) = (expected.expose().as_bytes(), given.expose().as_bytes());
        let differ = a
            .iter()
            .zip(b)
            .fold(u8::from(a.len() != b.len()), |acc, (x, y)| acc | (x ^ y));
        Some(differ == 0)
    }

    /// May `user` send the instant command `command`?
    pub fn may_instcmd(&self, user: &str, command: &str) -> Permission {
        let Some(found) = self.users.get(user) else {
            return unknown(user, &format!("instcmds = {command}"));
        };
        let allows = |c: &String| c.eq_ignore_ascii_case(command) || c.eq_ignore_ascii_case("all");
        if found.instcmds.iter().any(allows) {
            return Permission::Allowed;
        }
        Permission::Denied {
            fix: format!(
                "user {user} may not send {command}: add `instcmds = {command}` to the \
                 `[{user}]` section of upsd.users and {RELOAD}"
            ),
        }
    }

    /// May `user` set variables (`SET VAR`, which needs `actions = SET`)?
    pub fn may_set(&self, user: &str) -> Permission {
        let Some(found) = self.users.get(user) else {
            return unknown(user, "actions = SET");
        };
        if found.actions.iter().any(|a| a.eq_ignore_ascii_case("set")) {
            return Permission::Allowed;
        }
        Permission::Denied {
            fix: format!(
                "user {user} may not set ups.delay.shutdown: add `actions = SET` to the \
                 `[{user}]` section of upsd.users and {RELOAD}"
            ),
        }
    }
}

fn unknown(user: &str, line: &str) -> Permission {
    Permission::UnknownUser {
        fix: format!(
            "upsd.users has no user {user}: add a `[{user}]` section with its password and \
             `{line}`, and {RELOAD}"
        ),
    }
}

/// `key = a b c` (also `key=a b`, `key =a`, `key= a`): the key and its values; `None` when
/// there is no `=`.
fn key_values(words: &[String]) -> (String, Option<Vec<String>>) {
    let joined = words.join(" ");
    let Some((key, _)) = joined.split_once('=') else {
        // `upsmon primary`: upsd's documented form for that one key has no `=`.
        if words[0].eq_ignore_ascii_case("upsmon") && words.len() > 1 {
            return (words[0].clone(), Some(words[1..].to_vec()));
        }
        return (words[0].clone(), None);
    };
    // Split the words again around the first `=`, keeping quoted values whole.
    let mut key_words = Vec::new();
    let mut values = Vec::new();
    let mut seen = false;
    for word in words {
        if seen {
            values.push(word.clone());
            continue;
        }
        match word.split_once('=') {
            Some((k, v)) => {
                seen = true;
                if !k.is_empty() {
                    key_words.push(k.to_owned());
                }
                if !v.is_empty() {
                    values.push(v.to_owned());
                }
            }
            None => key_words.push(word.clone()),
        }
    }
    let key = key_words
        .first()
        .cloned()
        .unwrap_or_else(|| key.trim().to_owned());
    (key, Some(values))
}

/// Splits a line into words: whitespace separates, `#` starts a comment, `"..."` quotes (with
/// `\"` and `\\`), as NUT's parser does.
fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '#' => break,
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e) => word.push(e),
                            None => return Err("a quoted value is not closed".into()),
                        },
                        Some(other) => word.push(other),
                        None => return Err("a quoted value is not closed".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(e) = chars.next() {
                    word.push(e);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
#[path = "users_file_tests.rs"]
mod tests;
