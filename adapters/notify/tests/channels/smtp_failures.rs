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
