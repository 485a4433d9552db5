//! Showing a URL without its secrets, for `check-config`, the log and `Debug`. One function,
//! used wherever a configured URL is shown.
//!
//! It errs towards hiding: URLs are written by hand, and a password with a raw `@`, `:`, `/`
//! or `#` in it is a URL no parser agrees on. So everything between `scheme://` and the *last*
//! `@` is user info, hidden whole (user name included: with a stray `:` or `@`, where the name
//! ends is a guess); a query parameter whose name says it holds a secret has its value hidden.

/// What replaces a hidden part.
const HIDDEN: &str = "[redacted]";

/// Words that mark a query parameter as a secret, matched in its decoded, lower-cased name
/// (`password`, `pass`, `pwd`, `auth_token`, `client_secret`, `apikey`, `credentials`...).
const SECRET_WORDS: [&str; 7] = ["pass", "pwd", "token", "secret", "key", "auth", "cred"];

/// `url` with its user info and its secret-looking query values replaced by `[redacted]`.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    let (userinfo, rest) = match rest.rfind('@') {
        Some(at) => (Some(HIDDEN), &rest[at + 1..]),
        None => (None, rest),
    };
    let (location, query) = match rest.split_once('?') {
        Some((location, query)) => (location, Some(redact_query(query))),
        None => (rest, None),
    };
    let mut out = scheme;
    if let Some(hidden) = userinfo {
        out.push_str(hidden);
        out.push('@');
    }
    out.push_str(location);
    if let Some(query) = query {
        out.push('?');
        out.push_str(&query);
    }
    out
}

/// The query with the value of every secret-looking parameter hidden.
fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret(name) => format!("{name}={HIDDEN}"),
            // A bare word after `?` could be a password pasted in the wrong place.
            None if is_secret(pair) => HIDDEN.to_owned(),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn is_secret(name: &str) -> bool {
    let name = percent_decode(name).to_lowercase();
    SECRET_WORDS.iter().any(|word| name.contains(word))
}

/// `%XX` escapes decoded (invalid ones kept as written), so `pass%77ord` is `password`.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    /// Each URL, what must be shown, and the pieces of secret that must not.
    const HOSTILE: [(&str, &str, &[&str]); 10] = [
        (
            "redis://:p@ss@host:6379",
            "redis://[redacted]@host:6379",
            &["p@ss", "ss@", ":p"],
        ),
        (
            "redis://u:p%40ss@h/?password=x&a=b",
            "redis://[redacted]@h/?password=[redacted]&a=b",
            &["p%40ss", "u:", "=x"],
        ),
        (
            "redis://user:hunter2@127.0.0.1:6379/0",
            "redis://[redacted]@127.0.0.1:6379/0",
            &["hunter2", "user"],
        ),
        (
            "redis://:pa:ss:@host",
            "redis://[redacted]@host",
            &["pa", "ss"],
        ),
        (
            "redis://:pa/ss#x@host",
            "redis://[redacted]@host",
            &["pa/", "ss#"],
        ),
        (
            "redis://host/?Pass%77ord=s3cret&db=1",
            "redis://host/?Pass%77ord=[redacted]&db=1",
            &["s3cret"],
        ),
        (
            "redis://host?auth_token=t0k&client_secret=c5&apikey=k3y&pwd=p4",
            "redis://host?auth_token=[redacted]&client_secret=[redacted]&apikey=[redacted]&pwd=[redacted]",
            &["t0k", "c5", "k3y", "p4"],
        ),
        (
            "redis://host/?password=x@y&a=b",
            "redis://[redacted]@y&a=b",
            &["=x"],
        ),
        ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379", &[]),
        ("u:pw@host", "[redacted]@host", &["pw", "u:"]),
    ];

    #[test]
    fn user_info_and_secret_query_values_are_never_shown() {
        for (url, shown, hidden) in HOSTILE {
            let redacted = redact_url(url);
            assert_eq!(redacted, shown, "{url}");
            for piece in hidden {
                assert!(!redacted.contains(piece), "{url} shows {piece}: {redacted}");
            }
        }
    }
}
