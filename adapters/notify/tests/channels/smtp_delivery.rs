//! A message reaches a real SMTP server as an operator's mail reader shows it.

use upstra_tests::smtp::{OwnSmtp, SmtpOptions};

use crate::support::{channel, message, spec};

#[tokio::test(flavor = "multi_thread")]
async fn a_french_message_reaches_two_recipients() {
    let Some(smtp) = OwnSmtp::start(
        "a_french_message_reaches_two_recipients",
        SmtpOptions::plain(),
    ) else {
        return;
    };
    let sent = message("42-ops-mail");
    let delivered = channel(spec(&smtp)).send(&sent).await.expect("delivered");
    assert!(delivered.answer.starts_with("250 "), "{}", delivered.answer);

    let received = smtp.wait_for_messages(1);
    assert_eq!(received.len(), 1);
    let mail = &received[0];
    assert_eq!(mail.mail_from, "upstra@lab.example");
    assert_eq!(mail.rcpt_to, ["ops@lab.example", "astreinte@lab.example"]);
    let to = mail.to().expect("a To header");
    assert!(
        to.contains("ops@lab.example") && to.contains("astreinte@lab.example"),
        "{to}"
    );
    assert_eq!(mail.subject().as_deref(), Some(sent.title.as_str()));
    assert_eq!(mail.text_body().replace("\r\n", "\n").trim_end(), sent.body);
    assert_eq!(
        mail.message_id().as_deref(),
        Some("<42-ops-mail@lab.example>")
    );
    assert_eq!(
        mail.header("Date").as_deref(),
        Some("Mon, 07 Dec 2026 03:00:00 +0000")
    );
    let content_type = mail.header("Content-Type").expect("a Content-Type");
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert_eq!(
        mail.header("X-Upstra-Kind").as_deref(),
        Some("ups_on_battery")
    );
    assert_eq!(mail.header("X-Upstra-Severity").as_deref(), Some("warning"));
    // The answer names what the server queued.
    let queued = delivered.answer.rsplit(' ').next().unwrap_or_default();
    assert!(!queued.is_empty(), "{}", delivered.answer);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_carries_the_same_message_id() {
    let Some(smtp) = OwnSmtp::start("a_retry_carries_the_same_message_id", SmtpOptions::plain())
    else {
        return;
    };
    let channel = channel(spec(&smtp));
    let sent = message("retry/7 ops");
    channel.send(&sent).await.expect("first attempt");
    channel.send(&sent).await.expect("second attempt");
    channel
        .send(&message("another"))
        .await
        .expect("another message");

    let received = smtp.wait_for_messages(3);
    let ids: Vec<String> = received
        .iter()
        .map(|m| m.message_id().expect("a Message-ID"))
        .collect();
    assert_eq!(ids[0], ids[1], "a retry must keep its Message-ID");
    assert_ne!(ids[0], ids[2]);
    assert_eq!(ids[0], "<retry=2F7=20ops@lab.example>");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_title_cannot_add_a_header() {
    let Some(smtp) = OwnSmtp::start("a_hostile_title_cannot_add_a_header", SmtpOptions::plain())
    else {
        return;
    };
    let mut sent = message("hostile");
    sent.title = "UPS ups1\r\nBcc: intruder@evil.example\r\nX-Injected: yes\u{1b}[2J".into();
    sent.site = "lab\nX-Site-Injected: yes".into();
    channel(spec(&smtp)).send(&sent).await.expect("delivered");

    let mail = &smtp.wait_for_messages(1)[0];
    assert_eq!(mail.rcpt_to, ["ops@lab.example", "astreinte@lab.example"]);
    for forged in ["Bcc", "X-Injected", "X-Site-Injected"] {
        assert!(
            mail.header(forged).is_none(),
            "a forged {forged} header arrived: {}",
            String::from_utf8_lossy(&mail.raw)
        );
    }
    let subject = mail.subject().expect("a Subject");
    assert_eq!(
        subject,
        "UPS ups1\\r\\nBcc: intruder@evil.example\\r\\nX-Injected: yes\\e[2J"
    );
}
