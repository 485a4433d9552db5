//! The predecessor's password encryption, read back: AES-256-GCM under
//! `scrypt(ENCRYPTION_KEY, "salt", N=16384, r=8, p=1, 32 bytes)`, each value stored as
//! `base64(iv[16] ‖ tag[16] ‖ ciphertext)`. A 16-byte IV is not GCM's usual 12, so the cipher is
//! `AesGcm<Aes256, U16>`; the key is derived once per import.

use aes_gcm::AeadInOut;
use aes_gcm::aead::consts::U16;
use aes_gcm::aes::Aes256;
use aes_gcm::{AesGcm, KeyInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use upstra_core::secret::Secret;
use zeroize::Zeroizing;

/// The predecessor's fixed scrypt salt and cost (its encryption service's constants).
const SALT: &[u8] = b"salt";
const SCRYPT_LOG_N: u8 = 14;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;
const IV_BYTES: usize = 16;
const TAG_BYTES: usize = 16;

type Cipher = AesGcm<Aes256, U16>;

/// The derived key; wiped on drop.
pub struct Key(Zeroizing<[u8; 32]>);

impl Key {
    /// Derives the key from the `ENCRYPTION_KEY` value (about 16 MiB of memory, once).
    pub fn derive(encryption_key: &[u8]) -> Result<Self, String> {
        let params = scrypt::Params::new(SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)
            .map_err(|e| format!("scrypt parameters: {e}"))?;
        let mut key = Zeroizing::new([0u8; 32]);
        scrypt::scrypt(encryption_key, SALT, &params, key.as_mut_slice())
            .map_err(|e| format!("scrypt: {e}"))?;
        Ok(Self(key))
    }
}

/// Why a value did not decrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undecrypted {
    /// Not base64 of an IV, a tag and a ciphertext: a plain value.
    NotEncrypted,
    /// In the encrypted form, but the tag does not check: another key, or damaged.
    WrongKey,
    /// Decrypted, but not UTF-8 text.
    NotText,
}

/// The IV, tag and ciphertext of `value`, when it has the encrypted form.
fn parts(value: &str) -> Option<Zeroizing<Vec<u8>>> {
    let bytes = Zeroizing::new(STANDARD.decode(value.trim()).ok()?);
    (bytes.len() >= IV_BYTES + TAG_BYTES).then_some(bytes)
}

/// Whether `value` has the encrypted form (so it needs the key).
pub fn looks_encrypted(value: &str) -> bool {
    parts(value).is_some()
}

/// Decrypts one stored value.
pub fn decrypt(key: &Key, value: &str) -> Result<Secret, Undecrypted> {
    let bytes = parts(value).ok_or(Undecrypted::NotEncrypted)?;
    let (iv, rest) = bytes.split_at(IV_BYTES);
    let (tag, ciphertext) = rest.split_at(TAG_BYTES);
    let key_bytes: &[u8; 32] = &key.0;
    let cipher = Cipher::new(key_bytes.into());
    let mut plain = Zeroizing::new(ciphertext.to_vec());
    let iv = iv.try_into().map_err(|_| Undecrypted::NotEncrypted)?;
    let tag = tag.try_into().map_err(|_| Undecrypted::NotEncrypted)?;
    cipher
        .decrypt_inout_detached(iv, b"", plain.as_mut_slice().into(), tag)
        .map_err(|_| Undecrypted::WrongKey)?;
    let text = std::str::from_utf8(&plain).map_err(|_| Undecrypted::NotText)?;
    Ok(Secret::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made by the predecessor's scheme with Node's crypto (scryptSync, aes-256-gcm, a 16-byte
    /// IV) for ENCRYPTION_KEY `test-key`: the bytes an import must read back.
    const NODE_MADE: &str = "AAECAwQFBgcICQoLDA0OD4k6gO3v2M6Lpc7kjbnx/HiH4k0Oirt07dY=";

    #[test]
    fn reads_back_what_the_predecessor_wrote() {
        let key = Key::derive(b"test-key").expect("key");
        assert_eq!(
            decrypt(&key, NODE_MADE).map(|s| s.expose().to_owned()),
            Ok("iLO-pass!".into())
        );
        let other = Key::derive(b"another key").expect("key");
        assert_eq!(
            decrypt(&other, NODE_MADE).map(|_| ()),
            Err(Undecrypted::WrongKey)
        );
        assert_eq!(
            decrypt(&key, "plain password").map(|_| ()),
            Err(Undecrypted::NotEncrypted)
        );
        assert!(looks_encrypted(NODE_MADE) && !looks_encrypted("hunter2"));
    }
}
