use std::time::Duration;

use super::compose::message_id;
use super::*;

fn spec() -> SmtpSpec {
    SmtpSpec {
        url: "smtp://mail.lab.example".into(),
        tls: SmtpTls::Opportunistic,
        from: "upstra@lab.example".into(),
        to: vec!["ops@lab.example".into()],
        user: None,
        password: None,
        ca_file: None,
        timeout: Duration::from_secs(10),
    }
}

fn refused(spec: SmtpSpec) -> (&'static str, String) {
    match SmtpChannel::new(spec) {
        Err(ChannelError::Invalid { field, reason }) => (field, reason),
        Ok(_) => panic!("accepted"),
    }
}

#[test]
fn a_good_spec_is_accepted_with_the_default_ports() {
    let channel = SmtpChannel::new(spec()).expect("valid");
    assert_eq!(channel.settings.server(), "mail.lab.example:25");
    let channel = SmtpChannel::new(SmtpSpec {
        url: "smtps://mail.lab.example".into(),
        ..spec()
    })
    .expect("valid");
    assert_eq!(channel.settings.server(), "mail.lab.example:465");
}

#[test]
fn each_bad_field_is_named() {
    let cases: Vec<(SmtpSpec, &str)> = vec![
        (
            SmtpSpec {
                url: "http://mail".into(),
                ..spec()
            },
            "url",
        ),
        (
            SmtpSpec {
                url: "smtp://".into(),
                ..spec()
            },
            "url",
        ),
        (
            SmtpSpec {
                url: "smtp://u:p@mail".into(),
                ..spec()
            },
            "url",
        ),
        (
            SmtpSpec {
                url: "smtp://mail/x?tls=none".into(),
                ..spec()
            },
            "url",
        ),
        (
            SmtpSpec {
                from: "not an address".into(),
                ..spec()
            },
            "from",
        ),
        (
            SmtpSpec {
                to: vec![],
                ..spec()
            },
            "to",
        ),
        (
            SmtpSpec {
                to: vec!["ok@lab.example".into(), "bad@".into()],
                ..spec()
            },
            "to",
        ),
        (
            SmtpSpec {
                to: vec!["a@b.example".into(); MAX_RECIPIENTS + 1],
                ..spec()
            },
            "to",
        ),
        (
            SmtpSpec {
                to: vec!["ops@lab.example\r\nBcc: x@y".into()],
                ..spec()
            },
            "to",
        ),
        (
            SmtpSpec {
                user: Some("u".into()),
                ..spec()
            },
            "password_file",
        ),
        (
            SmtpSpec {
                password: Some(Zeroizing::new("p".into())),
                ..spec()
            },
            "user",
        ),
        (
            SmtpSpec {
                ca_file: Some("/nonexistent/ca.pem".into()),
                ..spec()
            },
            "ca_file",
        ),
        (
            SmtpSpec {
                timeout: Duration::ZERO,
                ..spec()
            },
            "timeout",
        ),
    ];
    for (spec, field) in cases {
        let url = spec.url.clone();
        let (got, reason) = refused(spec);
        assert_eq!(got, field, "{url}: {reason}");
    }
}

#[test]
fn a_ca_file_without_a_certificate_is_refused() {
    let path = std::env::temp_dir().join(format!("upstra-notify-ca-{}.pem", std::process::id()));
    std::fs::write(&path, "not a certificate\n").expect("write");
    let (field, reason) = refused(SmtpSpec {
        ca_file: Some(path.clone()),
        ..spec()
    });
    let _ = std::fs::remove_file(&path);
    assert_eq!(field, "ca_file");
    assert!(reason.contains("no PEM certificate"), "{reason}");
}

#[test]
fn a_password_never_crosses_a_network_in_clear_text() {
    let with_login = |url: &str| SmtpSpec {
        url: url.into(),
        user: Some("upstra".into()),
        password: Some(Zeroizing::new("s3cret".into())),
        ..spec()
    };
    let remote = SmtpChannel::new(with_login("smtp://mail.lab.example")).expect("valid");
    assert_eq!(remote.settings.tls(), SmtpTls::Required);
    let local = SmtpChannel::new(with_login("smtp://127.0.0.1:2525")).expect("valid");
    assert_eq!(local.settings.tls(), SmtpTls::Opportunistic);
}

#[test]
fn the_password_is_not_in_debug_output() {
    let spec = SmtpSpec {
        user: Some("upstra".into()),
        password: Some(Zeroizing::new("s3cret-value".into())),
        ..spec()
    };
    let shown = format!("{spec:?}");
    assert!(!shown.contains("s3cret-value"), "{shown}");
    let channel = SmtpChannel::new(spec).expect("valid");
    assert!(!format!("{channel:?}").contains("s3cret-value"));
}

#[test]
fn a_message_id_keeps_distinct_ids_distinct() {
    assert_eq!(message_id("42-ops", "lab.example"), "<42-ops@lab.example>");
    assert_ne!(message_id("a b", "d"), message_id("a_b", "d"));
    assert_eq!(message_id("a>\r\nX: y", "d"), "<a=3E=0D=0AX=3A=20y@d>");
}
