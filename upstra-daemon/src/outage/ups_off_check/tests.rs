#![allow(clippy::unwrap_used)]

use upstra_core::ids::{RoomId, UpsId};
use upstra_core::model::{NutEndpoint, Ups};
use upstra_core::ups_off::{UpsCommandError, UpsCommandFailure, UpsOffCheck, UpsOffStep};

use super::{Asked, UpsOffAsk, check_view, show_notes, spoken};

fn ask() -> UpsOffAsk {
    UpsOffAsk {
        ups: Ups {
            id: UpsId::new("ups1").unwrap(),
            room: RoomId::new("lab").unwrap(),
            source: upstra_core::model::UpsSource::Nut(NutEndpoint {
                ups: "ups1".into(),
                host: "nut.lab".into(),
                port: 3493,
            }),
            login: None,
            policy: Default::default(),
        },
        delay_s: 180,
        sent_at_s: 140,
    }
}

fn answer(verdict: Result<UpsOffStep, UpsCommandError>, unchecked: Option<&str>) -> Asked {
    Asked::Answer(UpsOffCheck {
        offered: vec!["shutdown.return".into()],
        verdict,
        unchecked: unchecked.map(str::to_owned),
    })
}

fn step(delay_s: Option<u64>, returns_on_mains: bool) -> UpsOffStep {
    UpsOffStep {
        command: "shutdown.return".into(),
        delay_s,
        returns_on_mains,
    }
}

fn error(kind: UpsCommandFailure, message: &str) -> UpsCommandError {
    UpsCommandError {
        kind,
        message: message.into(),
    }
}

#[test]
fn durations_read_as_operators_say_them() {
    assert_eq!(spoken(45), "45 s");
    assert_eq!(spoken(320), "5 min 20 s");
    assert_eq!(spoken(720), "12 min");
    assert_eq!(spoken(3900), "1 h 05 min");
}

#[test]
fn a_check_says_what_would_be_sent_or_why_not() {
    let a = ask();
    let ok = check_view(&a, &answer(Ok(step(None, true)), None));
    assert_eq!(ok.target, "ups:ups1");
    assert!(ok.ok);
    assert_eq!(
        ok.detail,
        "shutdown.return, output cut 180 s after the command, restored on mains"
    );
    // The UPS's own fixed delay is the one it applies.
    let fixed = check_view(&a, &answer(Ok(step(Some(240), false)), None));
    assert!(
        fixed.detail.starts_with(
            "shutdown.return, output cut 240 s after the command, NOT restored by the UPS"
        ),
        "{}",
        fixed.detail
    );
    let unproved = check_view(
        &a,
        &answer(Ok(step(None, true)), Some("upsd runs on nut.lab")),
    );
    assert!(unproved.ok);
    assert!(
        unproved
            .detail
            .ends_with("; the permission to send it is not proved: upsd runs on nut.lab"),
        "{}",
        unproved.detail
    );
    for (kind, lead) in [
        (
            UpsCommandFailure::NotOffered,
            "UPS ups1 offers no command to cut its output: ",
        ),
        (
            UpsCommandFailure::NotAllowed,
            "UPS ups1 cannot be told to cut its output: ",
        ),
        (
            UpsCommandFailure::DelayTooShort,
            "UPS ups1 cannot be told to cut its output: ",
        ),
    ] {
        let c = check_view(&a, &answer(Err(error(kind, "the fix")), None));
        assert!(!c.ok);
        assert_eq!(c.detail, format!("{lead}the fix"));
    }
    let no_login = check_view(
        &a,
        &Asked::CannotAsk(error(UpsCommandFailure::NoLogin, "declare a user")),
    );
    assert!(!no_login.ok);
    assert_eq!(
        no_login.detail,
        "UPS ups1 cannot be told to cut its output: declare a user"
    );
    let away = check_view(
        &a,
        &Asked::CannotAsk(error(UpsCommandFailure::Unreachable, "connection refused")),
    );
    assert!(!away.ok);
    assert!(
        away.detail
            .starts_with("could not ask what it offers: connection refused")
    );
    let slow = check_view(&a, &Asked::NoAnswer(std::time::Duration::from_secs(15)));
    assert!(!slow.ok);
    assert!(slow.detail.contains("within 15 s"), "{}", slow.detail);
}

#[test]
fn the_show_sets_the_cut_against_this_host_and_the_battery() {
    let a = ask();
    let fine = answer(Ok(step(None, true)), None);
    assert_eq!(
        show_notes(Some(300), &a, &fine, Some(720)),
        ["UPS ups1 cuts its output at 5 min 20 s (after this host is down)"]
    );
    // The UPS's own fixed delay decides when it cuts.
    let own = show_notes(
        Some(300),
        &a,
        &answer(Ok(step(Some(240), true)), None),
        Some(720),
    );
    assert_eq!(
        own,
        [
            "UPS ups1 cuts its output at 6 min 20 s, its own delay of 240 s (after this host is down)"
        ]
    );
    let early = show_notes(Some(400), &a, &fine, Some(720));
    assert!(
        early[0].contains("(BEFORE this host is down: raise ups_off_margin)"),
        "{early:?}"
    );
    let short = show_notes(None, &a, &fine, Some(200));
    assert!(
        short[0]
            .contains("(after every server it feeds is down); the battery lasts only 3 min 20 s"),
        "{short:?}"
    );
    let refused = show_notes(
        Some(300),
        &a,
        &answer(
            Err(error(
                UpsCommandFailure::NotOffered,
                "its driver offers: load.off",
            )),
            None,
        ),
        None,
    );
    assert_eq!(
        refused[1],
        "UPS ups1 offers no command to cut its output: its driver offers: load.off"
    );
    assert!(refused[0].ends_with("its battery runtime is not known yet"));
}
