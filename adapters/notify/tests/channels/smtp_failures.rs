//! How failures are sorted: what a retry can fix is Temporary, a server's "no" is Rejected.

use upstra_adapter_notify::SendError;
use upstra_adapter_notify::smtp::SmtpSpec;
use upstra_tests::smtp::{OwnSmtp, SmtpOptions};

use crate::support::{channel, message, spec};

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_server_is_temporary_and_the_retry_arrives_once() {
    let Some(mut smtp) = OwnSmtp::start(
        "a_stopped_server_is_temporary_and_the_retry_arrives_once",
        SmtpOptions::plain(),
    ) else {
        return;
    };
    let channel = channel(spec(&smtp));
    let sent = message("down-then-up");
    smtp.stop();
    match channel.send(&sent).await {
        Err(SendError::Temporary { reason }) => {
            assert!(
                reason.contains(&format!("127.0.0.1:{}", smtp.port())),
                "{reason}"
            );
            assert!(reason.to_lowercase().contains("refused"), "{reason}");
        }
        other => panic!("expected a temporary failure, got {other:?}"),
    }
    smtp.start_again();
    channel
        .send(&sent)
        .await
        .expect("delivered once the server is back");
    let received = smtp.wait_for_messages(1);
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].message_id().as_deref(),
        Some("<down-then-up@lab.example>")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_5xx_is_rejected_with_the_servers_answer_and_a_4xx_is_temporary() {
    let Some(smtp) = OwnSmtp::start(
        "a_5xx_is_rejected_with_the_servers_answer_and_a_4xx_is_temporary",
        SmtpOptions::plain(),
    ) else {
        return;
    };
    let to = |address: &str| SmtpSpec {
        to: vec![address.to_owned()],
        ..spec(&smtp)
    };
    match channel(to("refuse-permanent@lab.example"))
        .send(&message("5xx"))
        .await
    {
        Err(SendError::Rejected { answer }) => {
            assert!(answer.starts_with("550 "), "{answer}");
            assert!(answer.contains("mailbox unavailable"), "{answer}");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    match channel(to("refuse-temporary@lab.example"))
        .send(&message("4xx"))
        .await
    {
        Err(SendError::Temporary { reason }) => {
            assert!(reason.contains("451"), "{reason}");
            assert!(reason.contains("try again later"), "{reason}");
        }
        other => panic!("expected a temporary failure, got {other:?}"),
    }
    assert!(smtp.messages().is_empty());
}

/// A server that accepts the connection and never says a word (a hung MTA, a firewall that
/// swallows packets) costs one attempt's deadline, then the message waits for a retry.
#[tokio::test(flavor = "multi_thread")]
async fn a_silent_server_is_temporary_after_the_deadline() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    // Holds every accepted connection open and silent until the test ends.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let channel = upstra_adapter_notify::smtp::SmtpChannel::new(SmtpSpec {
        url: format!("smtp://127.0.0.1:{port}"),
        tls: upstra_adapter_notify::smtp::SmtpTls::Opportunistic,
        from: "upstra@lab.example".into(),
        to: vec!["ops@lab.example".into()],
        user: None,
        password: None,
        ca_file: None,
        timeout: std::time::Duration::from_secs(2),
    })
    .expect("valid");
    match channel.send(&message("silent")).await {
        Err(SendError::Temporary { reason }) => {
            assert!(reason.contains(&format!("127.0.0.1:{port}")), "{reason}");
            assert!(
                reason.contains("in time") || reason.contains("within"),
                "{reason}"
            );
        }
        other => panic!("expected a temporary failure, got {other:?}"),
    }
}
