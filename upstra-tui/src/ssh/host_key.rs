//! The server's host key against the inventory's pin. The check runs inside the key exchange
//! (russh calls [`Checker::check_server_key`] before authentication starts), so a server that
//! shows another key, or any key while none is pinned, never receives a credential.

use std::sync::{Arc, Mutex, PoisonError};

use russh::client::{DisconnectReason, Handler};
use russh::keys::{HashAlg, PublicKey, PublicKeyOrCertificate};

use super::SshError;

/// The SHA-256 fingerprint as OpenSSH prints it: `SHA256:...`.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// The fingerprint of an OpenSSH key line, if it parses.
pub fn fingerprint_of_line(line: &str) -> Option<String> {
    PublicKey::from_openssh(line).ok().map(|k| fingerprint(&k))
}

/// Parses the pinned key line of `server`.
pub fn parse_pinned(server: &str, line: &str) -> Result<PublicKey, SshError> {
    PublicKey::from_openssh(line).map_err(|e| SshError::BadPinnedKey {
        server: server.to_owned(),
        detail: e.to_string(),
    })
}

/// What the handler saw, for the task to read after the fact: the key the server showed (to
/// say which it was after a refused handshake) and why the connection ended.
#[derive(Debug, Default)]
pub struct Witness {
    pub shown: Option<PublicKey>,
    pub gone: Option<String>,
}

/// The client handler: accepts exactly the pinned key, and notes what it saw.
pub struct Checker {
    pinned: Option<PublicKey>,
    witness: Arc<Mutex<Witness>>,
}

impl Checker {
    /// A checker for `pinned`, and where it notes what it sees.
    pub fn new(pinned: Option<PublicKey>) -> (Self, Arc<Mutex<Witness>>) {
        let witness = Arc::new(Mutex::new(Witness::default()));
        (
            Self {
                pinned,
                witness: Arc::clone(&witness),
            },
            witness,
        )
    }

    fn note(&self, f: impl FnOnce(&mut Witness)) {
        f(&mut self.witness.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// Whether `shown` is the pinned key: the same algorithm and key material, whatever the
/// comments.
pub fn matches(pinned: &PublicKey, shown: &PublicKey) -> bool {
    pinned.key_data() == shown.key_data()
}

/// What a refused handshake means, given the key the server showed (if it got that far).
pub fn refusal(
    server: &str,
    pinned: Option<&PublicKey>,
    shown: Option<&PublicKey>,
) -> Option<SshError> {
    let shown = shown?;
    Some(match pinned {
        Some(pinned) if !matches(pinned, shown) => SshError::HostKeyMismatch {
            server: server.to_owned(),
            presented: fingerprint(shown),
            pinned: fingerprint(pinned),
        },
        Some(_) => return None,
        None => SshError::HostKeyUnpinned {
            server: server.to_owned(),
            key: shown.to_openssh().unwrap_or_default(),
            fingerprint: fingerprint(shown),
        },
    })
}

impl Handler for Checker {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        shown: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let key = shown.public_key();
        let accepted = self.pinned.as_ref().is_some_and(|p| matches(p, &key));
        self.note(|w| w.shown = Some(key));
        Ok(accepted)
    }

    async fn disconnected(
        &mut self,
        reason: DisconnectReason<Self::Error>,
    ) -> Result<(), Self::Error> {
        match reason {
            DisconnectReason::ReceivedDisconnect(info) => {
                let why = if info.message.is_empty() {
                    format!("the server disconnected ({:?})", info.reason_code)
                } else {
                    format!("the server disconnected: {}", info.message)
                };
                self.note(|w| w.gone = Some(why));
                Ok(())
            }
            DisconnectReason::Error(e) => {
                let why = e.to_string();
                self.note(|w| w.gone = Some(why));
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDsgWddR9IhIojP+N9zhmlUMX711LCUMASsC6k02d7h0";
    const B: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEpkcwXkrr0+qa2osl92DZFFU+wU89NLDOmIaY3XhXxk";

    #[test]
    fn the_same_key_matches_whatever_its_comment_and_another_is_a_mismatch() {
        let a = parse_pinned("esx-01", A).expect("key");
        let a_commented = parse_pinned("esx-01", &format!("{A} root@esx-01")).expect("key");
        let b = parse_pinned("esx-01", B).expect("key");
        assert!(matches(&a, &a_commented));
        assert_eq!(refusal("esx-01", Some(&a), Some(&a_commented)), None);
        let Some(SshError::HostKeyMismatch {
            presented, pinned, ..
        }) = refusal("esx-01", Some(&a), Some(&b))
        else {
            panic!("a mismatch");
        };
        assert_eq!(pinned, fingerprint(&a));
        assert_eq!(presented, fingerprint(&b));
        assert!(presented.starts_with("SHA256:"));
        let unpinned = refusal("esx-01", None, Some(&b)).expect("unpinned");
        assert_eq!(
            unpinned,
            SshError::HostKeyUnpinned {
                server: "esx-01".into(),
                key: B.into(),
                fingerprint: fingerprint(&b),
            }
        );
        assert_eq!(
            SshError::HostKeyMismatch {
                server: "esx-01".into(),
                presented,
                pinned
            }
            .to_string(),
            "the host key of esx-01 does not match the one pinned in the inventory: this could \
             be a man-in-the-middle attack; nothing was sent"
        );
    }

    #[test]
    fn a_malformed_pin_is_said_plainly() {
        let err = parse_pinned("esx-01", "ssh-ed25519 AAAA").expect_err("bad");
        assert!(matches!(err, SshError::BadPinnedKey { .. }), "{err:?}");
    }
}
