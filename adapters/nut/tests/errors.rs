//! How each failure reads for an operator and which `AdapterError` the daemon gets.

use std::io;
use std::time::Duration;

use upstra_adapter_nut::{ErrCode, NutError};
use upstra_core::traits::AdapterError;

const PEER: &str = "ups2@127.0.0.1:3493";

fn server(code: &str) -> NutError {
    NutError::Server {
        code: ErrCode::parse(code),
        detail: None,
    }
}

fn unreachable(reason: &str) -> AdapterError {
    AdapterError::Unreachable {
        peer: PEER.into(),
        reason: reason.into(),
    }
}

#[test]
fn maps_each_failure_to_a_specific_adapter_error() {
    let auth = AdapterError::AuthFailed { peer: PEER.into() };
    let cases: Vec<(NutError, AdapterError)> = vec![
        (NutError::Refused, unreachable("connection refused")),
        (
            NutError::TimedOut {
                after: Duration::from_secs(2),
            },
            unreachable("timed out after 2 s"),
        ),
        (
            NutError::TimedOut {
                after: Duration::from_millis(250),
            },
            unreachable("timed out after 250 ms"),
        ),
        (NutError::Closed, unreachable("upsd closed the connection")),
        (
            NutError::io(
                "reading the reply",
                &io::Error::from(io::ErrorKind::ConnectionReset),
            ),
            unreachable("reading the reply: connection reset"),
        ),
        (
            server("DATA-STALE"),
            unreachable("DATA-STALE: the UPS driver stopped updating"),
        ),
        (
            server("DRIVER-NOT-CONNECTED"),
            unreachable("DRIVER-NOT-CONNECTED: upsd has no driver for this UPS"),
        ),
        (
            server("UNKNOWN-UPS"),
            AdapterError::NotFound {
                peer: PEER.into(),
                what: "UNKNOWN-UPS: upsd serves no UPS of this name".into(),
            },
        ),
        (server("ACCESS-DENIED"), auth.clone()),
        (server("USERNAME-REQUIRED"), auth.clone()),
        (server("PASSWORD-REQUIRED"), auth.clone()),
        (server("INVALID-PASSWORD"), auth),
        (
            server("VAR-NOT-SUPPORTED"),
            AdapterError::Unsupported {
                peer: PEER.into(),
                what: "VAR-NOT-SUPPORTED: the UPS does not report this variable".into(),
            },
        ),
        (
            NutError::Server {
                code: ErrCode::parse("BRAND-NEW"),
                detail: Some("some words".into()),
            },
            AdapterError::Protocol {
                peer: PEER.into(),
                detail: "BRAND-NEW (some words)".into(),
            },
        ),
        (
            NutError::Protocol("wanted OK, got \"hello\"".into()),
            AdapterError::Protocol {
                peer: PEER.into(),
                detail: "unexpected reply from upsd: wanted OK, got \"hello\"".into(),
            },
        ),
    ];
    for (err, want) in cases {
        assert_eq!(err.to_adapter_error(PEER), want, "{err:?}");
    }
}

#[test]
fn error_codes_round_trip_and_unknown_ones_are_kept() {
    let known = [
        "ACCESS-DENIED",
        "UNKNOWN-UPS",
        "VAR-NOT-SUPPORTED",
        "CMD-NOT-SUPPORTED",
        "INVALID-ARGUMENT",
        "INSTCMD-FAILED",
        "SET-FAILED",
        "READONLY",
        "TOO-LONG",
        "FEATURE-NOT-SUPPORTED",
        "FEATURE-NOT-CONFIGURED",
        "ALREADY-SSL-MODE",
        "DRIVER-NOT-CONNECTED",
        "DATA-STALE",
        "ALREADY-LOGGED-IN",
        "INVALID-PASSWORD",
        "ALREADY-SET-PASSWORD",
        "INVALID-USERNAME",
        "ALREADY-SET-USERNAME",
        "USERNAME-REQUIRED",
        "PASSWORD-REQUIRED",
        "UNKNOWN-COMMAND",
        "INVALID-VALUE",
    ];
    for word in known {
        let code = ErrCode::parse(word);
        assert!(!matches!(code, ErrCode::Other(_)), "{word} is known");
        assert_eq!(code.as_str(), word);
    }
    assert_eq!(
        ErrCode::parse("NEW-CODE"),
        ErrCode::Other("NEW-CODE".into())
    );
    assert_eq!(ErrCode::parse("NEW-CODE").to_string(), "NEW-CODE");
}

#[test]
fn only_err_replies_keep_the_connection() {
    assert!(server("DATA-STALE").keeps_connection());
    assert!(!NutError::Closed.keeps_connection());
    assert!(!NutError::Refused.keeps_connection());
}
