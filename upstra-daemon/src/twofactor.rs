//! Two-factor authentication: TOTP (RFC 6238: SHA-1, 6 digits, 30 s steps, one step of skew
//! either way, which is what every authenticator app does) and single-use recovery codes.
//!
//! `totp-rs` computes the codes; what it leaves to the caller, and this daemon does in its
//! store, is refusing a code whose time step was already accepted (replay).

use rand::Rng;
use totp_rs::{Builder, Secret as TotpSecret, Totp};

/// Shown as the issuer in authenticator apps.
pub const ISSUER: &str = "Upstra";
/// How many recovery codes a user gets.
pub const RECOVERY_CODES: usize = 10;
/// Recovery code characters: no 0/O, 1/I/L, so they survive being read aloud or copied by hand.
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

fn totp(secret_b32: &str, account: &str) -> Result<Totp, String> {
    let secret = TotpSecret::try_from_base32(secret_b32)
        .map_err(|e| format!("stored TOTP secret is invalid: {e}"))?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| format!("cannot build the TOTP: {e}"))
}

/// A fresh random secret, base32.
pub fn new_secret() -> String {
    TotpSecret::generate().to_base32()
}

/// The `otpauth://` URI an authenticator app (or a QR code) takes.
pub fn enrollment_uri(secret_b32: &str, account: &str) -> Result<String, String> {
    totp(secret_b32, account)?
        .to_url()
        .map_err(|e| format!("cannot build the otpauth URI: {e}"))
}

/// The time step a code is valid for at `now_secs`, trying one step before and after.
pub fn check(secret_b32: &str, code: &str, now_secs: u64) -> Result<Option<u64>, String> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    // The account name is not part of the code computation.
    Ok(totp(secret_b32, "user")?.check(&code, now_secs))
}

/// The code for `now_secs` (tests and the benchmark use it; the daemon never needs it).
pub fn code_at(secret_b32: &str, now_secs: u64) -> Result<String, String> {
    Ok(totp(secret_b32, "user")?.generate(now_secs).to_string())
}

/// Ten fresh codes, `XXXX-XXXX`.
pub fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut chars =
                (0..8).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]));
            let first: String = chars.by_ref().take(4).collect();
            let second: String = chars.collect();
            format!("{first}-{second}")
        })
        .collect()
}

/// A typed recovery code in its stored form: case, spaces and the dash do not matter.
pub fn normalize_recovery_code(typed: &str) -> Option<String> {
    let chars: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    (chars.len() == 8 && chars.bytes().all(|b| ALPHABET.contains(&b)))
        .then(|| format!("{}-{}", &chars[..4], &chars[4..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_within_one_step_and_name_their_step() {
        let secret = new_secret();
        let now = 1_700_000_000;
        let code = code_at(&secret, now).expect("code");
        assert_eq!(check(&secret, &code, now).expect("check"), Some(now / 30));
        assert_eq!(
            check(&secret, &code, now + 30).expect("check"),
            Some(now / 30),
            "one step late is fine"
        );
        assert_eq!(
            check(&secret, &code, now + 61).expect("check"),
            None,
            "two steps late is refused"
        );
        assert_eq!(check(&secret, "12345", now).expect("check"), None);
        assert_eq!(check(&secret, "abcdef", now).expect("check"), None);
    }

    #[test]
    fn matches_the_rfc_6238_reference_vector() {
        // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082, i.e. 287082 in 6 digits. The seed is
        // the ASCII "12345678901234567890" in base32.
        let seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert_eq!(code_at(seed, 59).expect("code"), "287082");
    }

    #[test]
    fn the_uri_is_an_otpauth_uri_with_issuer_and_account() {
        let uri = enrollment_uri(&new_secret(), "alice").expect("uri");
        assert!(uri.starts_with("otpauth://totp/Upstra:alice?"), "{uri}");
        assert!(uri.contains("issuer=Upstra"));
    }

    #[test]
    fn recovery_codes_are_ten_unambiguous_pairs() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        for code in &codes {
            assert_eq!(code.len(), 9);
            assert_eq!(&code[4..5], "-");
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");
            assert_eq!(
                normalize_recovery_code(&code.to_lowercase().replace('-', " ")).as_deref(),
                Some(code.as_str())
            );
        }
        assert_eq!(normalize_recovery_code("ABCD-EF0H"), None);
        assert_eq!(normalize_recovery_code("ABC"), None);
    }
}
