//! The predecessor's password encryption, done the way its Python manager's library does it
//! (Debian's `python3-cryptography`, installed by `tests/peers/install.sh`), so that an
//! importer's decryption is checked against an implementation other than its own: AES-256-GCM
//! under `scrypt(key, "salt", N=16384, r=8, p=1)`, stored as `base64(iv[16] ‖ tag ‖ ciphertext)`.
#![allow(clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

/// Debian's interpreter, where `python3-cryptography` is installed (not a user's own Python).
const PYTHON: &str = "/usr/bin/python3";

const ENCRYPT: &str = r#"
import base64, hashlib, os, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
lines = sys.stdin.read().split("\n")
key = hashlib.scrypt(lines[0].encode(), salt=b"salt", n=16384, r=8, p=1, dklen=32)
for password in lines[1:-1]:
    iv = os.urandom(16)
    sealed = AESGCM(key).encrypt(iv, password.encode(), None)
    print(base64.b64encode(iv + sealed[-16:] + sealed[:-16]).decode())
"#;

/// Each of `passwords` encrypted under `key` (all passed on standard input, not arguments).
pub fn encrypt(key: &str, passwords: &[&str]) -> Vec<String> {
    let mut child = Command::new(PYTHON)
        .args(["-c", ENCRYPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs (tests/peers/install.sh installs python3-cryptography)");
    let mut input = format!("{key}\n");
    for p in passwords {
        input.push_str(p);
        input.push('\n');
    }
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("written");
    let out = child.wait_with_output().expect("python3 exits");
    assert!(
        out.status.success(),
        "encrypting failed (is python3-cryptography installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sealed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(sealed.len(), passwords.len());
    sealed
}
