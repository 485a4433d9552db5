//! `upstra events [--follow] [--json] [--kind KIND] [--since WHEN] [--readings]`: the daemon's
//! event log.
//!
//! Without `--follow`, prints what the daemon still holds and exits. With it, keeps one
//! `events_since` long-poll in flight and prints each event as it arrives, until interrupted.
//! `--json` prints one `EventRecord` per line (JSON Lines), so `jq` can read the stream.
//! What is shown is chosen by [`EventFilter`] (battery readings only with `--readings`).

use std::path::Path;
use std::time::SystemTime;

use upstra_core::api::v1::EventPage;
use upstra_core::events::EventRecord;

use super::{json_escaped, out, out_trusted, shown, signed_in};
use crate::cli::EventsArgs;
use crate::client::timeouts;
use crate::console::strings::EN;
use crate::error::CliError;
use crate::event_filter::EventFilter;
use crate::format;

/// How long one long-poll of `--follow` waits for news (the daemon caps it at 30 s).
const FOLLOW_WAIT_MS: u64 = 25_000;

/// Runs `upstra events`.
pub async fn run(socket: &Path, args: &EventsArgs) -> Result<(), CliError> {
    // Checked before connecting: bad input fails the same with or without a daemon.
    let filter = EventFilter::parse(
        &args.kind,
        args.since.as_deref(),
        args.readings,
        SystemTime::now(),
    )
    .map_err(CliError::Usage)?;
    let (conn, token) = signed_in(socket).await?;
    let mut cursor = 0;
    loop {
        let wait = if args.follow { FOLLOW_WAIT_MS } else { 0 };
        let t = token.clone();
        let page: EventPage = conn
            .call(timeouts::long_poll(wait), |c, ctx| async move {
                c.events_since(ctx, t, cursor, wait).await
            })
            .await?;
        if page.gap && cursor != 0 {
            eprintln!(
                "(some events were dropped from the daemon's memory before they could be read)"
            );
        }
        let mut text = String::new();
        for record in page.events.iter().filter(|r| filter.keeps(r)) {
            text.push_str(&line(record, args.json)?);
        }
        if args.json {
            out_trusted(&json_escaped(&text))?;
        } else {
            out(&text)?;
        }
        let moved = page.next_cursor != cursor;
        cursor = page.next_cursor;
        if !args.follow && !moved {
            return Ok(());
        }
    }
}

/// One event: `TIME  TEXT`, or its JSON on one line.
fn line(record: &EventRecord, json: bool) -> Result<String, CliError> {
    if json {
        let json = serde_json::to_string(record)
            .map_err(|e| CliError::Failed(format!("cannot encode an event as JSON: {e}")))?;
        return Ok(format!("{json}\n"));
    }
    Ok(format!(
        "{}  {}\n",
        format::timestamp(record.at),
        shown(&(EN.event)(&record.event))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::events::DomainEvent;
    use upstra_core::state::Timestamp;

    #[test]
    fn an_event_is_one_line_of_text_or_json() {
        let record = EventRecord {
            seq: 3,
            at: Timestamp(0),
            event: DomainEvent::UpsStatusChanged {
                ups: upstra_core::ids::UpsId::new("ups-a1").expect("valid"),
                from: "OL".into(),
                to: "OB DISCHRG".into(),
            },
        };
        assert_eq!(
            line(&record, false).expect("text"),
            "1970-01-01T00:00:00Z  UPS ups-a1: OL → OB DISCHRG\n"
        );
        let json = line(&record, true).expect("json");
        assert_eq!(json.lines().count(), 1);
        let back: EventRecord = serde_json::from_str(&json).expect("parses back");
        assert_eq!(back, record);
    }

    /// A newer daemon's kind: one line that says what it is, in text, and in JSON the event
    /// as the daemon sent it, for a script that knows the kind even if this console does not.
    #[test]
    fn an_event_of_a_newer_kind_is_one_line_too() {
        let record: EventRecord = serde_json::from_str(
            r#"{"seq":4,"at":0,"event":{"kind":"ups_bypass_engaged","ups":"ups-a1"}}"#,
        )
        .expect("a newer daemon's record reads");
        assert_eq!(
            line(&record, false).expect("text"),
            "1970-01-01T00:00:00Z  an event this console does not know: ups_bypass_engaged (the daemon is newer)\n"
        );
        assert_eq!(
            line(&record, true).expect("json"),
            "{\"seq\":4,\"at\":0,\"event\":{\"kind\":\"ups_bypass_engaged\",\"ups\":\"ups-a1\"}}\n"
        );
    }

    /// The kind's name comes from the daemon: shown, it cannot drive the terminal.
    #[test]
    fn a_newer_kinds_name_is_shown_inert() {
        let record: EventRecord =
            serde_json::from_str(r#"{"seq":4,"at":0,"event":{"kind":"x\u001b[2J\nforged"}}"#)
                .expect("reads");
        let text = line(&record, false).expect("text");
        assert!(!text.contains('\x1b'), "{text:?}");
        assert_eq!(text.lines().count(), 1, "{text:?}");
        let json = line(&record, true).expect("json");
        assert!(!json.contains('\x1b'), "{json:?}");
        assert_eq!(json.lines().count(), 1, "{json:?}");
    }

    /// A power a newer daemon reports for a VM: the event stays, its new power unknown.
    #[test]
    fn a_vm_power_of_a_newer_daemon_is_shown_as_unknown() {
        let record: EventRecord = serde_json::from_str(
            r#"{"seq":5,"at":0,"event":{"kind":"vm_power_changed","vm":"vm-1","name":"web-01","from":"powered_off","to":"hibernated"}}"#,
        )
        .expect("a newer daemon's record reads");
        assert_eq!(
            line(&record, false).expect("text"),
            "1970-01-01T00:00:00Z  VM web-01: off → unknown\n"
        );
        let json = line(&record, true).expect("json");
        assert!(
            json.contains(r#""from":"powered_off","to":"unknown""#),
            "{json}"
        );
    }
}
