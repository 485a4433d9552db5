//! Passwords and session tokens.
//!
//! Passwords are hashed with argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane: the
//! `argon2` crate's defaults). Hashing is CPU-bound for tens of milliseconds and holds 19 MiB,
//! so it runs in the bounded [`pool`], never on the async workers, and a flood is refused
//! rather than queued. Session tokens are 256 random bits; only their
//! SHA-256 is stored, so a copy of the store cannot be replayed as a login.

mod kdf;
pub mod pool;
pub mod sessions;

use std::sync::OnceLock;

use rand::RngCore;
use sha2::{Digest, Sha256};
use upstra_core::api::v1::SessionToken;
use upstra_core::secret::Secret;

pub use pool::{Busy, PoolError};

/// The shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Checks the password policy: at least [`MIN_PASSWORD_LEN`] characters, not the user name.
pub fn check_policy(user: &str, password: &Secret) -> Result<(), String> {
    let pw = password.expose();
    if pw.chars().count() < MIN_PASSWORD_LEN {
        return Err(format!(
            "the password must have at least {MIN_PASSWORD_LEN} characters"
        ));
    }
    if pw.eq_ignore_ascii_case(user) {
        return Err("the password must not be the user name".into());
    }
    Ok(())
}

/// Hashes a password into a PHC string.
pub async fn hash_password(password: Secret) -> Result<String, PoolError> {
    pool::run(move || kdf::hash(password.expose().as_bytes()).map_err(PoolError::Failed)).await?
}

/// Checks a password against a stored hash. With no user (`hash = None`), a dummy hash is
/// verified anyway so that timing does not reveal which user names exist. Refused with
/// [`Busy`] when the pool is full, whoever the user.
pub async fn verify_password(password: Secret, hash: Option<String>) -> Result<bool, Busy> {
    let known = hash.is_some();
    // The dummy hash is made on a worker too, in its own buffer.
    let ok = pool::run(move || {
        let against = match &hash {
            Some(hash) => hash.as_str(),
            None => dummy_hash(),
        };
        kdf::verify(password.expose().as_bytes(), against)
    })
    .await;
    match ok {
        Ok(ok) => Ok(ok && known),
        Err(PoolError::Busy(busy)) => Err(busy),
        // The computation itself failed (a panic in argon2): count it as a mismatch.
        Err(PoolError::Failed(e)) => {
            tracing::error!(error = %e, "password verification failed");
            Ok(false)
        }
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| kdf::hash(b"upstra-timing-equaliser").unwrap_or_default())
}

/// A new random session token and the hash to store for it.
pub fn new_token() -> (SessionToken, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = SessionToken::new(hex::encode(bytes));
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored form of a token.
pub fn token_hash(token: &SessionToken) -> String {
    hex::encode(Sha256::digest(token.expose().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_table() {
        let cases = [
            ("alice", "short", false),
            ("alice", "alice", false),
            ("longusername", "LONGUSERNAME", false),
            ("alice", "correct horse battery", true),
        ];
        for (user, pw, ok) in cases {
            assert_eq!(
                check_policy(user, &Secret::new(pw)).is_ok(),
                ok,
                "{user}/{pw}"
            );
        }
    }

    #[tokio::test]
    async fn hashes_verify_and_unknown_users_fail() {
        let hash = hash_password(Secret::new("correct horse battery"))
            .await
            .expect("hashes");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert_eq!(
            verify_password(Secret::new("correct horse battery"), Some(hash.clone())).await,
            Ok(true)
        );
        assert_eq!(
            verify_password(Secret::new("wrong horse battery"), Some(hash)).await,
            Ok(false)
        );
        assert_eq!(
            verify_password(Secret::new("upstra-timing-equaliser"), None).await,
            Ok(false)
        );
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 64);
        assert_ne!(ha, a.expose());
        assert_eq!(token_hash(&a), ha);
    }
}
