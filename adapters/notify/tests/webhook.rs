//! The webhook channel against a real HTTP server of the test's own: what it sends, and how
//! each answer is classified.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use upstra_adapter_notify::webhook::{WebhookChannel, WebhookSpec, sign};
use upstra_adapter_notify::{Message, SendError, Severity};
use upstra_core::model::TlsTrust;
use upstra_tests::webhook::WebhookReceiver;

fn message() -> Message {
    Message {
        id: "site-e7-hook".into(),
        kind: "ups_on_battery".into(),
        severity: Severity::Critical,
        site: "site".into(),
        at_unix: 1_700_000_000,
        title: "ups-one on battery".into(),
        body: "UPS ups-one is on battery.".into(),
        details: serde_json::json!({"ups": "ups-one"}),
    }
}

fn channel(url: String, secret: Option<&[u8]>) -> WebhookChannel {
    WebhookChannel::new(WebhookSpec {
        url,
        secret: secret.map(|s| zeroize::Zeroizing::new(s.to_vec())),
        trust: TlsTrust::Unpinned,
        timeout: Duration::from_secs(5),
    })
    .unwrap()
}

#[tokio::test]
async fn a_delivery_posts_the_documented_body_signed_over_its_exact_bytes() {
    let hook = WebhookReceiver::start();
    let delivered = channel(hook.url(), Some(b"key"))
        .send(&message())
        .await
        .unwrap();
    assert_eq!(delivered.answer, "HTTP 200 OK: ok");
    let got = &hook.received()[0];
    assert_eq!((got.method.as_str(), got.path.as_str()), ("POST", "/hook"));
    assert_eq!(got.headers["content-type"], "application/json");
    assert_eq!(got.headers["x-upstra-signature"], sign(b"key", &got.body));
    let body: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "id": "site-e7-hook", "kind": "ups_on_battery", "severity": "critical",
            "site": "site", "at": "2023-11-14T22:13:20Z", "title": "ups-one on battery",
            "body": "UPS ups-one is on battery.", "details": {"ups": "ups-one"},
        })
    );
}

#[tokio::test]
async fn server_errors_and_a_closed_port_are_temporary_other_refusals_final() {
    let mut hook = WebhookReceiver::start();
    let c = channel(hook.url(), None);
    for (status, temporary) in [
        (500, true),
        (503, true),
        (429, true),
        (408, true),
        (400, false),
        (404, false),
    ] {
        hook.answer(status);
        let e = c.send(&message()).await.unwrap_err();
        assert_eq!(e.is_temporary(), temporary, "{status}: {e}");
        assert!(e.to_string().contains(&format!("HTTP {status}")), "{e}");
    }
    assert!(
        hook.received()
            .iter()
            .all(|r| !r.headers.contains_key("x-upstra-signature"))
    );
    hook.down();
    let e = c.send(&message()).await.unwrap_err();
    assert!(matches!(e, SendError::Temporary { .. }), "{e}");
}

#[test]
fn an_https_url_without_a_pin_or_a_ca_is_refused() {
    let e = WebhookChannel::new(WebhookSpec {
        url: "https://hooks.example/x".into(),
        secret: None,
        trust: TlsTrust::Unpinned,
        timeout: Duration::from_secs(5),
    })
    .unwrap_err();
    assert!(e.to_string().contains("tls_fingerprint"), "{e}");
}
