//! A password from a libpq password file (`PGPASSFILE`, else `~/.pgpass`), so that the
//! database URL never needs one. tokio-postgres does not read these files; the format is a few
//! lines of `host:port:database:user:password` with `*` wildcards and `\:`, `\\` escapes, read
//! here the way libpq does (first match wins; a file others can read is refused, as libpq
//! ignores it).

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// Largest password file read; real ones are a few lines.
const PGPASS_BYTES: u64 = 64 * 1024;

/// What a line must match.
pub struct Wanted<'a> {
    pub host: &'a str,
    pub port: u16,
    pub database: &'a str,
    pub user: &'a str,
}

/// The password file to read: `PGPASSFILE`, else `~/.pgpass` when it exists.
pub fn locate() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PGPASSFILE").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let home = std::env::var_os("HOME")?;
    let p = Path::new(&home).join(".pgpass");
    p.exists().then_some(p)
}

/// The password for `wanted` in the file at `path`, if a line matches.
pub fn lookup(path: &Path, wanted: &Wanted<'_>) -> Result<Option<Zeroizing<String>>, String> {
    let shown = path.display();
    let file = match fs::File::open(path) {
        Ok(f) => f,
        // As libpq: a password file that is not there gives no password, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {shown}: {e}")),
    };
    let mode = file
        .metadata()
        .map_err(|e| format!("cannot read {shown}: {e}"))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "{shown} may be read by other users (mode {:o}): run `chmod 600 {shown}`",
            mode & 0o777
        ));
    }
    let mut text = Zeroizing::new(String::new());
    file.take(PGPASS_BYTES)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    let port = wanted.port.to_string();
    let want = [wanted.host, port.as_str(), wanted.database, wanted.user];
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split(line);
        if fields.len() != 5 {
            continue;
        }
        let matches = fields[..4]
            .iter()
            .zip(want)
            .all(|(f, w)| f.as_str() == "*" || f.as_str() == w);
        if matches {
            return Ok(Some(Zeroizing::new(fields[4].as_str().to_owned())));
        }
    }
    Ok(None)
}

/// The fields of a line, `\:` and `\\` unescaped; the last field takes the rest of the line.
fn split(line: &str) -> Vec<Zeroizing<String>> {
    let mut fields = vec![Zeroizing::new(String::new())];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == ':' && fields.len() < 5 {
            fields.push(Zeroizing::new(String::new()));
            continue;
        }
        let Some(current) = fields.last_mut() else {
            break;
        };
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            c => current.push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_first_matching_line_gives_the_password() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("pgpass");
        fs::write(
            &path,
            "# comment\nother:5432:upstra:u:no\n*:5433:upstra:u:a\\:b\\\\c:d\nlocalhost:*:*:*:later\n",
        )
        .expect("written");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
        let wanted = Wanted {
            host: "db",
            port: 5433,
            database: "upstra",
            user: "u",
        };
        let found = lookup(&path, &wanted).expect("read");
        assert_eq!(found.as_deref().map(String::as_str), Some("a:b\\c:d"));
        let none = Wanted { port: 1, ..wanted };
        assert!(lookup(&path, &none).expect("read").is_none());
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(
            lookup(&path, &wanted)
                .expect_err("refused")
                .contains("chmod 600")
        );
    }
}
