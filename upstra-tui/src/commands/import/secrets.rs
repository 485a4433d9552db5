//! The predecessor's passwords, turned into what the lab file can use: decrypted with its
//! `ENCRYPTION_KEY` when given one, taken as they are when they are not in the encrypted form
//! (some plans hold plain passwords), otherwise left as placeholders that say why.

use std::fs;
use std::io::Read;
use std::path::Path;

use upstra_core::import::Password;
use zeroize::Zeroizing;

use super::crypto::{self, Key, Undecrypted};
use crate::error::CliError;

/// Longest key file read: an `ENCRYPTION_KEY` (or a `.env` holding it) is far smaller.
const KEY_FILE_BYTES: u64 = 64 * 1024;
/// Longest stored password considered; a longer one is no password anyone typed.
pub const PASSWORD_BYTES: usize = 4096;

/// Turns stored values into [`Password`]s, counting what did not decrypt.
pub struct Passwords {
    key: Option<(Key, String)>,
    /// Values in the encrypted form met with a key.
    pub tried: usize,
    /// Of those, the ones that did not decrypt.
    pub failed: usize,
}

impl Passwords {
    /// Reads `ENCRYPTION_KEY` from `file` (its value alone, or the predecessor's `.env` with an
    /// `ENCRYPTION_KEY=` line) and derives the key.
    pub fn with_key_file(file: Option<&Path>) -> Result<Self, CliError> {
        let Some(file) = file else {
            return Ok(Self {
                key: None,
                tried: 0,
                failed: 0,
            });
        };
        let shown = file.display().to_string();
        let mut text = Zeroizing::new(String::new());
        fs::File::open(file)
            .and_then(|f| f.take(KEY_FILE_BYTES).read_to_string(&mut text))
            .map_err(|e| {
                CliError::Usage(format!(
                    "cannot read the encryption key file {shown}: {e}; give the file that holds \
                     the predecessor's ENCRYPTION_KEY, or leave out --encryption-key-file to \
                     write placeholders for the passwords"
                ))
            })?;
        let value = key_value(&text).ok_or_else(|| {
            CliError::Usage(format!(
                "the encryption key file {shown} is empty; put the predecessor's ENCRYPTION_KEY \
                 in it (its value alone, or its ENCRYPTION_KEY= line)"
            ))
        })?;
        let key = Key::derive(value.as_bytes()).map_err(CliError::Failed)?;
        Ok(Self {
            key: Some((key, shown)),
            tried: 0,
            failed: 0,
        })
    }

    pub fn key_file(&self) -> Option<&str> {
        self.key.as_ref().map(|(_, f)| f.as_str())
    }

    /// What the lab file can do with `stored`.
    pub fn password(&mut self, stored: Option<&str>) -> Option<Password> {
        let stored = stored.filter(|s| !s.is_empty())?;
        if stored.len() > PASSWORD_BYTES {
            return Some(Password::Unavailable(format!(
                "the stored value is longer than {PASSWORD_BYTES} bytes"
            )));
        }
        if !crypto::looks_encrypted(stored) {
            return Some(Password::PlainText(upstra_core::secret::Secret::new(
                stored,
            )));
        }
        let Some((key, file)) = &self.key else {
            return Some(Password::Unavailable(
                "it is encrypted and no --encryption-key-file was given".into(),
            ));
        };
        self.tried += 1;
        match crypto::decrypt(key, stored) {
            Ok(secret) => Some(Password::Decrypted(secret)),
            Err(Undecrypted::WrongKey) => {
                self.failed += 1;
                Some(Password::Unavailable(format!(
                    "it did not decrypt with the key in {file} (another key, or a damaged value)"
                )))
            }
            Err(Undecrypted::NotText) => {
                self.failed += 1;
                Some(Password::Unavailable(
                    "it decrypted to bytes that are not text".into(),
                ))
            }
            // `looks_encrypted` said otherwise; kept for completeness.
            Err(Undecrypted::NotEncrypted) => Some(Password::PlainText(
                upstra_core::secret::Secret::new(stored),
            )),
        }
    }

    /// A wrong key: every encrypted value failed. Some failing among many decrypting is a
    /// damaged value, said per password instead.
    pub fn check_key(&self) -> Result<(), CliError> {
        match self.key_file() {
            Some(file) if self.tried > 0 && self.failed == self.tried => {
                Err(CliError::Failed(format!(
                    "none of the {} encrypted passwords decrypts with the key in {file}: it is \
                     not the predecessor's ENCRYPTION_KEY; check the file (the value of \
                     ENCRYPTION_KEY in the predecessor's environment), or leave out \
                     --encryption-key-file to write placeholders; nothing was written",
                    self.tried
                )))
            }
            _ => Ok(()),
        }
    }
}

/// The key in a key file: an `ENCRYPTION_KEY=` line's value (quotes removed), else the whole
/// file less its line ending.
fn key_value(text: &str) -> Option<Zeroizing<String>> {
    let from_env = text.lines().find_map(|l| {
        let l = l.trim_start();
        let l = l.strip_prefix("export ").unwrap_or(l);
        l.strip_prefix("ENCRYPTION_KEY=")
    });
    let value = match from_env {
        Some(v) => {
            let v = v.trim();
            let unquoted = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            unquoted.to_owned()
        }
        None => {
            let t = text.strip_suffix('\n').unwrap_or(text);
            t.strip_suffix('\r').unwrap_or(t).to_owned()
        }
    };
    let value = Zeroizing::new(value);
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_the_file_or_its_encryption_key_line() {
        let v = |t: &str| key_value(t).map(|v| v.as_str().to_owned());
        assert_eq!(v("s3cret\n"), Some("s3cret".into()));
        assert_eq!(v("  spaces kept \r\n"), Some("  spaces kept ".into()));
        assert_eq!(
            v("DB_HOST=x\nENCRYPTION_KEY=\"k e y\"\nOTHER=1\n"),
            Some("k e y".into())
        );
        assert_eq!(v("export ENCRYPTION_KEY='abc'\n"), Some("abc".into()));
        assert_eq!(v("\n"), None);
    }
}
