//! A console older than its daemon keeps reading the daemon's events: the reply to
//! `events_since` is read by the console's own codec, an event of a kind this console does not
//! know is one event that says so (in English and in French), and the rest of the page shows
//! as it always did.

use crate::render_dashboard::dashboard;
use crate::support;

use support::dashboard::steady;
use support::plan::{READ_AT, quiet};
use upstra_core::api::v1::{EventPage, UpstraResponse};
use upstra_core::events::DomainEvent;
use upstra_tui::console::strings::{EN, FR};

/// An event of a kind added after this console was built, with fields of several shapes.
const NEWER_KIND: &str = r#"{"kind":"ups_bypass_engaged","ups":"ups-a1","loads":["esx-a1"],"detail":{"phase":2,"volts":null}}"#;

/// An event this console knows, before the newer one.
const DAEMON_STARTED: &str = r#"{"kind":"daemon_started","version":"9.0"}"#;

/// The dashboard of a quiet lab on mains, showing `page`'s events.
fn quiet_dashboard(page: EventPage) -> upstra_tui::console::state::State {
    dashboard(
        "OL CHRG",
        97.0,
        vec![steady("ups-a1"), steady("ups-b1")],
        quiet(),
        page.events,
    )
}

/// What a newer daemon writes on the socket for `events_since`: `events` are the records'
/// JSON, `seconds_before` how long before the console's clock each happened.
fn reply(events: &[(&str, i64)]) -> EventPage {
    let records: Vec<String> = events
        .iter()
        .enumerate()
        .map(|(i, (event, secs_before))| {
            let at = READ_AT.millis() - secs_before * 1000;
            format!(r#"{{"seq":{},"at":{at},"event":{event}}}"#, i + 1)
        })
        .collect();
    let json = format!(
        r#"{{"request_id":7,"message":{{"Ok":{{"EventsSince":{{"Ok":{{"events":[{}],"next_cursor":{},"gap":false}}}}}}}}}}"#,
        records.join(","),
        events.len()
    );
    let reply: tarpc::Response<UpstraResponse> =
        serde_json::from_str(&json).expect("the console's codec reads the reply");
    match reply.message {
        Ok(UpstraResponse::EventsSince(Ok(page))) => page,
        other => panic!("not a page of events: {other:?}"),
    }
}

#[test]
fn an_event_of_a_newer_kind_is_read_and_said_to_be_unknown() {
    let page = reply(&[(DAEMON_STARTED, 120), (NEWER_KIND, 30)]);
    assert_eq!(page.events.len(), 2);
    assert!(
        matches!(&page.events[1].event, DomainEvent::Unknown { kind, .. } if kind == "ups_bypass_engaged")
    );
    assert_eq!(
        (EN.event)(&page.events[1].event),
        "an event this console does not know: ups_bypass_engaged (the daemon is newer)"
    );
    assert_eq!(
        (FR.event)(&page.events[1].event),
        "événement inconnu de cette console : ups_bypass_engaged (démon plus récent)"
    );
    let state = quiet_dashboard(page);
    screens!("dashboard_newer_kind", state);
}

/// A power a newer daemon reports for a VM (vSphere may add one) keeps the event: its VM and
/// the power it had are shown, the new one as unknown.
#[test]
fn a_vm_power_this_console_does_not_know_is_shown_as_unknown() {
    let page = reply(&[
        (DAEMON_STARTED, 120),
        (
            r#"{"kind":"vm_power_changed","vm":"vm-1","name":"web-01","from":"powered_on","to":"hibernated"}"#,
            30,
        ),
    ]);
    assert_eq!(page.events.len(), 2);
    assert_eq!((EN.event)(&page.events[1].event), "VM web-01: on → unknown");
    assert_eq!(
        (FR.event)(&page.events[1].event),
        "VM web-01 : sous tension → inconnu"
    );
    let state = quiet_dashboard(page);
    screens!("dashboard_newer_vm_power", state);
}
