//! `upstra 2fa enroll | confirm CODE | disable --totp CODE`: two-factor for your own account.
//!
//! `enroll --json` prints the API's `TotpEnrollment` (`uri`, `secret`); `confirm --json` the
//! array of recovery codes. Both are secrets shown once: they go to standard output only, never
//! to a log.

use std::io::{self, IsTerminal};
use std::path::Path;

use upstra_core::api::v1::{ApiError, SessionScope, TotpEnrollment};

use super::{out, out_json, out_trusted, signed_in_as};
use crate::cli::TwoFactorVerb;
use crate::client::{CallError, timeouts};
use crate::error::CliError;
use crate::qr;

/// Runs one `2fa` verb.
pub async fn run(socket: &Path, verb: TwoFactorVerb) -> Result<(), CliError> {
    match verb {
        TwoFactorVerb::Enroll(f) => enroll(socket, f.json).await,
        TwoFactorVerb::Confirm(c) => confirm(socket, c.code, c.json).await,
        TwoFactorVerb::Disable(d) => disable(socket, d.totp).await,
    }
}

async fn enroll(socket: &Path, json: bool) -> Result<(), CliError> {
    let (conn, session, _) = signed_in_as(socket).await?;
    let token = session.token;
    let enrollment = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.totp_enroll(ctx, token).await
        })
        .await?;
    if json {
        return out_json(&enrollment);
    }
    let stdout = io::stdout();
    let colour = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    // The QR code's colours are ours; the URI and key are the daemon's base32 and a validated
    // user name.
    out_trusted(&enrollment_text(&enrollment, colour)?)
}

/// What `2fa enroll` prints: the QR code, the URI, the key in groups, and the next step.
fn enrollment_text(e: &TotpEnrollment, colour: bool) -> Result<String, CliError> {
    let lines = qr::lines(e.uri.expose(), qr::STANDARD_QUIET_ZONE)
        .map_err(|err| CliError::Failed(err.to_string()))?;
    Ok(format!(
        "Scan this QR code with your authenticator app:\n\n{code}\n\
         Or add it by hand. URI: {uri}\n\
         Key (base32, time-based, 6 digits, 30 s): {key}\n\n\
         Then turn two-factor on with the code the app shows: upstra 2fa confirm CODE\n",
        code = qr::terminal_text(&lines, colour),
        uri = e.uri.expose(),
        key = qr::grouped(e.secret.expose()),
    ))
}

async fn confirm(socket: &Path, code: String, json: bool) -> Result<(), CliError> {
    let (conn, session, store) = signed_in_as(socket).await?;
    let token = session.token.clone();
    // The scope decides what happens to this session: an enrollment-only one ends.
    let me = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.whoami(ctx, token).await
        })
        .await?;
    let token = session.token;
    let codes = conn
        .call(timeouts::LOGIN, |c, ctx| async move {
            c.totp_confirm(ctx, token, code).await
        })
        .await?;
    let ended = me.scope == SessionScope::EnrollTwoFactor;
    if ended {
        store.remove()?;
    }
    if json {
        return out_json(&codes);
    }
    out(&confirmation_text(&me.user, &codes, ended))
}

/// What `2fa confirm` prints: the recovery codes, once, with the warning that goes with them.
fn confirmation_text(user: &str, codes: &[String], session_ended: bool) -> String {
    let mut text = format!(
        "Two-factor authentication is on for {user}.\n\n\
         Your {n} recovery codes are below. Each logs you in once if you lose your \
         authenticator\n(`upstra login --user {user} --password-stdin --recovery-code CODE`).\n\
         THEY ARE SHOWN ONLY NOW: store them somewhere safe (a password manager, or on paper)\n\
         before you close this terminal.\n\n",
        n = codes.len()
    );
    for pair in codes.chunks(2) {
        text.push_str(&format!("    {}\n", pair.join("    ")));
    }
    text.push_str(&format!(
        "\nFrom now on, log in with `upstra login --user {user} --password-stdin --totp CODE`.\n"
    ));
    if session_ended {
        text.push_str("This enrollment-only session has ended: log in again now.\n");
    }
    text
}

async fn disable(socket: &Path, code: String) -> Result<(), CliError> {
    let (conn, session, _) = signed_in_as(socket).await?;
    let token = session.token;
    let done = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.totp_disable(ctx, token, code).await
        })
        .await;
    match done {
        Ok(()) => out(&format!(
            "two-factor authentication is off for {}\n",
            session.user
        )),
        Err(CallError::Api(ApiError::SecondFactorRefused { reason, .. })) => Err(CliError::Failed(
            format!("two-factor is still on: {reason}"),
        )),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::secret::Secret;

    #[test]
    fn enrollment_shows_the_code_the_uri_and_the_key() {
        let e = TotpEnrollment {
            uri: Secret::new(
                "otpauth://totp/Upstra:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Upstra",
            ),
            secret: Secret::new("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
        };
        let text = enrollment_text(&e, false).expect("draws");
        assert!(text.contains('█') && text.contains('▀'), "a QR code");
        assert!(text.contains("URI: otpauth://totp/Upstra:alice?secret=JBSW"));
        assert!(text.contains("JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"));
        assert!(text.ends_with("upstra 2fa confirm CODE\n"));
        assert!(!text.contains('\x1b'), "no colour unless asked");
    }

    #[test]
    fn recovery_codes_come_with_a_warning_and_once() {
        let codes: Vec<String> = (0..10).map(|i| format!("AAAA-BBB{i}")).collect();
        let text = confirmation_text("alice", &codes, true);
        assert!(text.contains("SHOWN ONLY NOW"));
        assert!(text.contains("    AAAA-BBB0    AAAA-BBB1\n"));
        assert_eq!(text.matches("AAAA-BBB").count(), 10);
        assert!(text.ends_with("log in again now.\n"));
    }
}
