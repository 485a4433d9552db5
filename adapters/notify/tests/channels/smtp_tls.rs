//! STARTTLS, implicit TLS and AUTH against a real server with a certificate of the test's own.

use upstra_adapter_notify::SendError;
use upstra_adapter_notify::smtp::{SmtpSpec, SmtpTls};
use upstra_tests::smtp::{OwnSmtp, SmtpOptions};

use crate::support::{channel, login, message, spec};

#[tokio::test(flavor = "multi_thread")]
async fn starttls_with_a_ca_file() {
    let Some(smtp) = OwnSmtp::start("starttls_with_a_ca_file", SmtpOptions::starttls()) else {
        return;
    };
    for tls in [SmtpTls::Opportunistic, SmtpTls::Required] {
        let delivered = channel(SmtpSpec { tls, ..spec(&smtp) })
            .send(&message(&format!("starttls-{tls:?}")))
            .await
            .expect("delivered over STARTTLS");
        assert!(delivered.answer.starts_with("250 "), "{}", delivered.answer);
    }
    let received = smtp.wait_for_messages(2);
    assert!(received.iter().all(|m| m.encrypted), "sent in clear text");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_untrusted_certificate_is_no_reason_to_send_in_clear() {
    let Some(smtp) = OwnSmtp::start(
        "an_untrusted_certificate_is_no_reason_to_send_in_clear",
        SmtpOptions::starttls(),
    ) else {
        return;
    };
    // The system roots do not know the test's self-signed certificate.
    let result = channel(SmtpSpec {
        ca_file: None,
        ..spec(&smtp)
    })
    .send(&message("untrusted"))
    .await;
    match result {
        Err(SendError::Temporary { reason }) => {
            assert!(reason.contains("TLS failed"), "{reason}")
        }
        other => panic!("expected a temporary TLS failure, got {other:?}"),
    }
    assert!(smtp.messages().is_empty(), "a message went out anyway");
}

/// `tls = "required"` against a server that offers no STARTTLS is Temporary: nothing is sent
/// in clear text, and a server whose TLS is missing (a certificate not yet renewed, a
/// configuration being fixed) may offer it again within the daemon's retry window; the reason
/// says what to fix meanwhile.
#[tokio::test(flavor = "multi_thread")]
async fn required_tls_against_a_server_without_starttls() {
    let Some(smtp) = OwnSmtp::start(
        "required_tls_against_a_server_without_starttls",
        SmtpOptions::plain(),
    ) else {
        return;
    };
    let result = channel(SmtpSpec {
        tls: SmtpTls::Required,
        ..spec(&smtp)
    })
    .send(&message("required"))
    .await;
    match result {
        Err(SendError::Temporary { reason }) => {
            assert!(reason.contains("does not offer STARTTLS"), "{reason}");
            assert!(reason.contains(&smtp.port().to_string()), "{reason}");
        }
        other => panic!("expected a temporary failure, got {other:?}"),
    }
    assert!(
        smtp.messages().is_empty(),
        "a message went out in clear text"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn smtps_implicit_tls() {
    let Some(smtp) = OwnSmtp::start("smtps_implicit_tls", SmtpOptions::implicit_tls()) else {
        return;
    };
    assert!(smtp.url().starts_with("smtps://"));
    let delivered = channel(spec(&smtp))
        .send(&message("smtps"))
        .await
        .expect("delivered over implicit TLS");
    assert!(delivered.answer.starts_with("250 "), "{}", delivered.answer);
    let mail = &smtp.wait_for_messages(1)[0];
    assert!(mail.encrypted);
    assert_eq!(mail.subject().as_deref(), Some(message("x").title.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_with_the_right_and_a_wrong_password() {
    let Some(smtp) = OwnSmtp::start(
        "auth_with_the_right_and_a_wrong_password",
        SmtpOptions::starttls().with_auth("upstra", "correct horse"),
    ) else {
        return;
    };
    let (user, password) = login("upstra", "correct horse");
    channel(SmtpSpec {
        user,
        password,
        ..spec(&smtp)
    })
    .send(&message("auth-ok"))
    .await
    .expect("delivered with the right password");
    let mail = &smtp.wait_for_messages(1)[0];
    assert_eq!(mail.login.as_deref(), Some("upstra"));
    assert!(mail.encrypted);

    let (user, password) = login("upstra", "wrong battery staple");
    let result = channel(SmtpSpec {
        user,
        password,
        ..spec(&smtp)
    })
    .send(&message("auth-wrong"))
    .await;
    match result {
        Err(SendError::Rejected { answer }) => {
            assert!(answer.starts_with("535"), "{answer}");
            assert!(!answer.contains("wrong battery staple"), "{answer}");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(smtp.messages().len(), 1);

    // Without a login the server, which requires one, refuses the message for good.
    let result = channel(spec(&smtp)).send(&message("no-login")).await;
    assert!(
        matches!(&result, Err(SendError::Rejected { answer }) if answer.starts_with("530")),
        "{result:?}"
    );
}
