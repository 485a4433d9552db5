//! The Redis URL as it may be shown: with its password replaced, and a scrubber that removes
//! the password from any text that came from elsewhere (a driver error, a server reply).
//!
//! Pure string work, no URL crate: a URL we cannot parse is still redacted (everything between
//! `://` and the last `@` of the authority is treated as credentials).

use std::fmt;

use zeroize::Zeroizing;

/// What replaces a password wherever it would appear.
const MASK: &str = "***";

/// Where the bus connects, printable without its password.
#[derive(Clone)]
pub(crate) struct Target {
    shown: String,
    /// The password as written in the URL and percent-decoded (what Redis receives), to be
    /// scrubbed from foreign text. Empty strings are never kept.
    secrets: Vec<Zeroizing<String>>,
}

impl Target {
    pub(crate) fn new(url: &str) -> Self {
        let (shown, raw) = redact(url);
        let mut secrets = Vec::new();
        if let Some(raw) = raw.filter(|s| !s.is_empty()) {
            let decoded = Zeroizing::new(percent_decode(&raw));
            if *decoded != *raw && !decoded.is_empty() {
                secrets.push(decoded);
            }
            secrets.push(raw);
        }
        Self { shown, secrets }
    }

    /// The URL with its password masked: `redis://user:***@host:6379`.
    pub(crate) fn shown(&self) -> &str {
        &self.shown
    }

    /// `text` with every occurrence of the password masked.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Target").field(&self.shown).finish()
    }
}

/// Splits `url` into its printable form and the password it held, if any: the userinfo's
/// password (`redis://user:pw@host`, `redis://:pw@host`) or a `pass=`/`password=` query
/// parameter (the form for Unix sockets: `redis+unix:///run/redis.sock?pass=pw`).
///
/// The userinfo ends at the last `@` (unless that `@` is inside a `pass=` value), not at the
/// first `/` or `?` as a URL parser would say: a password with an unescaped `/` or `?` makes
/// the URL invalid, and the error that reports it must not show the password either.
fn redact(url: &str) -> (String, Option<Zeroizing<String>>) {
    let mut password = None;
    let mut shown = String::with_capacity(url.len());
    let (head, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    shown.push_str(head);
    let at = rest
        .rfind('@')
        .filter(|&at| !has_password_param(&rest[..at]));
    let after = match at {
        Some(at) => {
            let (userinfo, after) = rest.split_at(at);
            match userinfo.split_once(':') {
                Some((user, pw)) => {
                    password = Some(Zeroizing::new(pw.to_owned()));
                    shown.push_str(user);
                    shown.push(':');
                    shown.push_str(MASK);
                }
                None => shown.push_str(userinfo),
            }
            after
        }
        None => rest,
    };
    let Some((path, query)) = after.split_once('?') else {
        shown.push_str(after);
        return (shown, password);
    };
    shown.push_str(path);
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    shown.push('?');
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) if key == "pass" || key == "password" => {
                password = Some(Zeroizing::new(value.to_owned()));
                format!("{key}={MASK}")
            }
            _ => pair.to_owned(),
        })
        .collect();
    shown.push_str(&pairs.join("&"));
    if let Some(fragment) = fragment {
        shown.push('#');
        shown.push_str(fragment);
    }
    (shown, password)
}

fn has_password_param(s: &str) -> bool {
    ["?pass=", "&pass=", "?password=", "&password="]
        .iter()
        .any(|p| s.contains(p))
}

/// `%XX` escapes decoded; anything malformed is kept as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            // Two hex digits make at most 255: the cast cannot truncate.
            out.push((hi * 16 + lo) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_password_wherever_a_url_can_hold_one() {
        let table = [
            ("redis://127.0.0.1:6390", "redis://127.0.0.1:6390"),
            (
                "redis://:secret@127.0.0.1:6390",
                "redis://:***@127.0.0.1:6390",
            ),
            ("redis://user:secret@host/2", "redis://user:***@host/2"),
            ("redis://user@host", "redis://user@host"),
            ("redis://user:p@ss:w@rd@host:1", "redis://user:***@host:1"),
            (
                "redis+unix:///run/redis.sock?db=1&pass=secret",
                "redis+unix:///run/redis.sock?db=1&pass=***",
            ),
            ("unix:///s?password=secret#x", "unix:///s?password=***#x"),
            ("not a url :secret@x", "not a url :***@x"),
            ("redis://:se/cret@host", "redis://:***@host"),
            ("redis://:se?cret@host", "redis://:***@host"),
            ("redis+unix:///s?pass=se@cret", "redis+unix:///s?pass=***"),
            (
                "redis://host:6379/0?protocol=resp3",
                "redis://host:6379/0?protocol=resp3",
            ),
        ];
        for (url, shown) in table {
            let target = Target::new(url);
            assert_eq!(target.shown(), shown, "{url}");
            assert!(!format!("{target} {target:?}").contains("secret"), "{url}");
            assert!(!format!("{target} {target:?}").contains("cret"), "{url}");
        }
    }

    #[test]
    fn scrubs_the_password_in_both_spellings() {
        let target = Target::new("redis://u:s%40cret@host");
        assert_eq!(target.shown(), "redis://u:***@host");
        assert_eq!(
            target.scrub("auth s@cret failed (s%40cret)"),
            "auth *** failed (***)"
        );
        // Without a password nothing is touched.
        assert_eq!(Target::new("redis://h").scrub("a b"), "a b");
        assert_eq!(Target::new("redis://:@h").scrub("a:@b"), "a:@b");
    }
}
