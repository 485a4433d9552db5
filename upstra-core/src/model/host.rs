//! What a host in an address may be, and what an SSH host key line must be: checked when a
//! lab file is applied, so that a typo is refused with its line instead of failing at the
//! first poll, power command or shell, possibly during an outage.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The longest DNS name (RFC 1035, 253 characters written out).
const MAX_HOST_NAME: usize = 253;
/// The longest DNS label (RFC 1035).
const MAX_LABEL: usize = 63;

/// A host as an address names it: an IPv4 address, an IPv6 address (written without its
/// brackets here), or a DNS name whose labels hold letters, digits, `-` and `_` (`_` is not
/// in RFC 1123 but appears in lab machine names that resolvers accept). A name made only of
/// digits and dots must be a valid IPv4 address, so that `10.0.0.300` is refused.
pub fn valid_host(host: &str) -> bool {
    if host.contains(':') {
        return host.parse::<Ipv6Addr>().is_ok();
    }
    if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return host.parse::<Ipv4Addr>().is_ok();
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    !name.is_empty()
        && name.len() <= MAX_HOST_NAME
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= MAX_LABEL
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// An OpenSSH public key line (`ssh-ed25519 AAAA... [comment]`) reduced to its algorithm and
/// key, the form pinned in the inventory; `None` unless the key decodes as a public key of
/// the algorithm it names. The decoding is `ssh-key`'s, the library the SSH client uses, so
/// a key accepted here is one the client can pin against.
pub fn host_key_line(line: &str) -> Option<String> {
    let mut fields = line.split_whitespace();
    let (algorithm, key) = (fields.next()?, fields.next()?);
    let reduced = format!("{algorithm} {key}");
    let parsed = ssh_key::PublicKey::from_openssh(&reduced).ok()?;
    (parsed.algorithm().as_str() == algorithm).then_some(reduced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_every_form() {
        for good in [
            "127.0.0.1",
            "fd00::5",
            "::1",
            "ups-1.lab.example",
            "esx_t",
            "localhost",
            "vc.lab.",
        ] {
            assert!(valid_host(good), "{good}");
        }
        for bad in [
            "",
            "10.0.0.300",
            "1.2.3",
            "ups$1",
            "a..b",
            "-a",
            "a b",
            "[::1",
            "fd00::zz",
            "ilo_%01",
            &"a".repeat(64),
        ] {
            assert!(!valid_host(bad), "{bad}");
        }
    }
}
