//! The event log as a newer daemon may have left it (a downgrade): an event of a kind this
//! build does not know is left out when read, as it always was, never kept as an empty
//! `unknown` that the outbox would publish and the ring would serve.

use super::*;

use upstra_core::events::{DomainEvent, EventRecord};
use upstra_core::state::Timestamp;

const NEWER_KIND: &str = r#"{"kind":"ups_bypass_engaged","ups":"ups-a","since":0}"#;

fn started(seq: u64) -> EventRecord {
    EventRecord {
        seq,
        at: Timestamp(0),
        event: DomainEvent::DaemonStarted {
            version: "1".into(),
        },
    }
}

#[tokio::test]
async fn a_stored_event_of_a_newer_kind_is_left_out_when_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path(), &KeySource::locate(dir.path(), None)).expect("created");
    let read = store
        .call(|db| {
            db.append_events(&[started(1)])?;
            let remote =
                format!(r#"{{"kind":"remote","site":"b","seq":9,"at":0,"event":{NEWER_KIND}}}"#);
            for (seq, doc) in [(2, NEWER_KIND), (3, remote.as_str())] {
                db.conn().execute(
                    "INSERT INTO events (seq, at, doc) VALUES (?1, 0, ?2)",
                    rusqlite::params![seq, doc],
                )?;
            }
            db.append_events(&[started(4)])?;
            db.events_after(0, 10)
        })
        .await
        .expect("read");
    let seqs: Vec<u64> = read.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [1, 4]);
    assert!(read.iter().all(|r| !r.event.is_unknown()));
    store.close().await;
}
