//! argon2id computed in memory each pool worker keeps while logins keep coming.
//!
//! The `argon2` crate allocates and frees its 19 MiB for every computation. Under a stream of
//! logins the allocator does not give that memory back, and a few workers left the daemon at
//! hundreds of MiB. Here each worker thread owns one block buffer, grown once to the size the
//! hashes ask for and reused while computations are queued, so the daemon's password memory
//! is at most the workers' count times 19 MiB. A worker gives its buffer back when the queue
//! is empty ([`release_memory`]): an idle daemon holds none of it.

use std::cell::RefCell;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;

/// The most memory a stored hash may ask for, in 1 KiB blocks: four times OWASP's 19 MiB.
/// Stored hashes are ours, but a corrupt one must not make a worker allocate gigabytes.
const MAX_BLOCKS: usize = 4 * 19 * 1024;

thread_local! {
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Gives this thread's block buffer back to the allocator (the pool calls it when no
/// computation is waiting). Argon2's memory is derived from the password: it is wiped first.
pub fn release_memory() {
    BLOCKS.with(|blocks| {
        if let Ok(mut blocks) = blocks.try_borrow_mut() {
            // `zeroize`, not plain stores: those could be dropped as dead before the free.
            zeroize::Zeroize::zeroize(&mut *blocks);
            *blocks = Vec::new();
        }
    });
}

/// Blocks this thread's buffer holds, for the tests of the pool's release.
#[cfg(test)]
pub fn held_blocks() -> usize {
    BLOCKS.with(|blocks| blocks.borrow().len())
}

/// Runs `f` with this thread's block buffer, at least `count` blocks long.
fn with_blocks<T>(count: usize, f: impl FnOnce(&mut [Block]) -> T) -> Option<T> {
    if count > MAX_BLOCKS {
        return None;
    }
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.try_borrow_mut().ok()?;
        if blocks.len() < count {
            blocks.resize(count, Block::default());
        }
        blocks.get_mut(..count).map(f)
    })
}

/// Hashes `password` with argon2id at the crate's default (OWASP) parameters into a PHC string.
pub fn hash(password: &[u8]) -> Result<String, String> {
    let params = Params::default();
    let mut salt = [0u8; Salt::RECOMMENDED_LENGTH];
    rand::rng().fill_bytes(&mut salt);
    let salt = Salt::new(&salt).map_err(|e| e.to_string())?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    with_blocks(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password, &salt, &mut out, blocks)
    })
    .ok_or("the password memory is not available")?
    .map_err(|e| e.to_string())?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
        salt: Some(salt),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `hash`; any malformed hash is a mismatch. The
/// comparison of the outputs is constant-time (`Output`'s equality).
pub fn verify(password: &[u8], hash: &str) -> bool {
    let Ok(phc) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(phc.algorithm.as_str()) else {
        return false;
    };
    let version = match phc.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&phc) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    let computed = with_blocks(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password, salt, &mut out, blocks)
    });
    matches!(computed, Some(Ok(()))) && Output::new(&out).is_ok_and(|out| out == *expected)
}

#[cfg(test)]
mod tests {
    use argon2::PasswordHasher;

    use super::*;

    #[test]
    fn agrees_with_the_argon2_crate_both_ways() {
        let ours = hash(b"correct horse battery").unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            argon2::PasswordVerifier::verify_password(
                &Argon2::default(),
                b"correct horse battery",
                &parsed
            )
            .is_ok()
        );
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery")
            .unwrap()
            .to_string();
        assert!(verify(b"correct horse battery", &theirs));
        assert!(!verify(b"correct horse battery!", &theirs));
        assert!(!verify(b"correct horse battery", "$argon2id$v=19$garbage"));
        // Reusing the buffer for a second computation gives the same answer.
        assert!(verify(b"correct horse battery", &ours));
        assert!(verify(b"correct horse battery", &ours));
    }
}
