use super::*;

fn spec() -> NtfySpec {
    NtfySpec {
        url: "http://127.0.0.1:8080/upstra-lab".into(),
        token: None,
        trust: TlsTrust::Unpinned,
        timeout: Duration::from_secs(10),
    }
}

fn refused(spec: NtfySpec) -> (&'static str, String) {
    match NtfyChannel::new(spec) {
        Err(ChannelError::Invalid { field, reason }) => (field, reason),
        Ok(_) => panic!("accepted"),
    }
}

#[test]
fn each_bad_field_is_named() {
    let token = |t: &str| Some(Zeroizing::new(t.to_owned()));
    let cases: Vec<(NtfySpec, &str)> = vec![
        (
            NtfySpec {
                url: "ftp://ntfy/topic".into(),
                ..spec()
            },
            "url",
        ),
        (
            NtfySpec {
                url: "http://ntfy.example/".into(),
                ..spec()
            },
            "url",
        ),
        (
            NtfySpec {
                url: "http://u:p@ntfy.example/t".into(),
                ..spec()
            },
            "url",
        ),
        (
            NtfySpec {
                url: "https://ntfy.example/t".into(),
                ..spec()
            },
            "url",
        ),
        (
            NtfySpec {
                token: token("a b"),
                ..spec()
            },
            "token_file",
        ),
        (
            NtfySpec {
                token: token(""),
                ..spec()
            },
            "token_file",
        ),
        (
            NtfySpec {
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
    NtfyChannel::new(spec()).expect("a plain-HTTP topic on the lab network");
}

#[test]
fn the_token_is_not_in_debug_output() {
    let spec = NtfySpec {
        token: Some(Zeroizing::new("tk_secretvalue".into())),
        ..spec()
    };
    assert!(!format!("{spec:?}").contains("tk_secretvalue"));
    let channel = NtfyChannel::new(spec).expect("valid");
    assert!(!format!("{channel:?}").contains("tk_secretvalue"));
}

#[test]
fn severities_map_to_ntfy_priorities() {
    assert_eq!(priority(crate::Severity::Info), "3");
    assert_eq!(priority(crate::Severity::Warning), "4");
    assert_eq!(priority(crate::Severity::Critical), "5");
}

#[test]
fn a_utf8_title_is_an_encoded_word() {
    assert_eq!(publish::title("On battery"), "On battery");
    assert_eq!(publish::title("Été"), "=?UTF-8?B?w4l0w6k=?=");
}
