//! How an event is laid out in a stream, and the script that appends a batch of them. No I/O.
//!
//! An event with seq `n` is the entry with ID `0-n` and the fields `kind` (the event's kind,
//! for `redis-cli` readers and filters) and `record` (the `EventRecord` as JSON). The ID is
//! the idempotency key: Redis refuses an explicit ID that is not above the stream's highest
//! one, so a second append of the same event cannot succeed.

use redis::Value;
use redis::streams::StreamId;
use upstra_core::events::EventRecord;

/// The field holding the `EventRecord` JSON (`PUBLISH_SCRIPT` spells it out too).
pub(crate) const RECORD_FIELD: &str = "record";

/// The stream entry ID of the event with this seq.
pub(crate) fn entry_id(seq: u64) -> String {
    format!("0-{seq}")
}

/// The seq an entry ID encodes; `None` for IDs this crate does not write (`<ms>-<n>`, ms > 0).
pub(crate) fn seq_of(id: &str) -> Option<u64> {
    id.strip_prefix("0-")?.parse().ok()
}

/// The script's arguments for `events`: the cap (empty for none), then per event its ID,
/// kind and JSON.
pub(crate) fn script_args(
    max_len: Option<u64>,
    events: &[EventRecord],
) -> Result<Vec<String>, (u64, String)> {
    let mut args = Vec::with_capacity(1 + 3 * events.len());
    args.push(max_len.map(|n| n.to_string()).unwrap_or_default());
    for record in events {
        let json = serde_json::to_string(record).map_err(|e| (record.seq, e.to_string()))?;
        args.push(entry_id(record.seq));
        args.push(record.event.kind().to_owned());
        args.push(json);
    }
    Ok(args)
}

/// Appends events in order and stops at the first one Redis refuses for a reason other than
/// "already there". A script runs atomically, so the events in the stream are always a prefix
/// of the batch, never a batch with a hole (a pipeline could append event 6 after refusing
/// event 5 under memory pressure, and 5 would then count as present forever).
///
/// An ID at or below the top is taken as present only when the top is an ID this crate
/// writes: an entry added with `*` has a millisecond part and would swallow every later seq.
///
/// Returns `{new, present}`, or `{new, present, error text}` when it stopped.
pub(crate) const PUBLISH_SCRIPT: &str = r"
local key, cap = KEYS[1], ARGV[1]
local new, present = 0, 0
for i = 2, #ARGV, 3 do
  local r
  if cap == '' then
    r = redis.pcall('XADD', key, ARGV[i], 'kind', ARGV[i + 1], 'record', ARGV[i + 2])
  else
    r = redis.pcall('XADD', key, 'MAXLEN', '~', cap, ARGV[i],
                    'kind', ARGV[i + 1], 'record', ARGV[i + 2])
  end
  if type(r) == 'table' and r.err then
    if not string.find(r.err, 'equal or smaller', 1, true) then
      return {new, present, r.err}
    end
    local top = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
    if top[1] and string.sub(top[1][1], 1, 2) ~= '0-' then
      return {new, present, 'FOREIGN ' .. top[1][1]}
    end
    present = present + 1
  else
    new = new + 1
  end
end
return {new, present}
";

/// What one run of the script did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScriptReply {
    pub(crate) new: usize,
    pub(crate) present: usize,
    /// Why it stopped early, as the server or the script wrote it.
    pub(crate) stopped: Option<String>,
}

/// Parses the script's reply; `None` when it has another shape.
pub(crate) fn parse_script_reply(value: &Value) -> Option<ScriptReply> {
    let Value::Array(items) = value else {
        return None;
    };
    let count = |v: &Value| match v {
        Value::Int(n) => usize::try_from(*n).ok(),
        _ => None,
    };
    let (new, present) = (count(items.first()?)?, count(items.get(1)?)?);
    let stopped = match items.get(2) {
        None => None,
        Some(Value::BulkString(bytes)) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Some(Value::SimpleString(s)) => Some(s.clone()),
        Some(_) => return None,
    };
    (items.len() <= 3).then_some(ScriptReply {
        new,
        present,
        stopped,
    })
}

/// The event an entry holds, or why it holds none.
pub(crate) fn decode_entry(entry: &StreamId) -> Result<EventRecord, String> {
    let bytes = match entry.map.get(RECORD_FIELD) {
        Some(Value::BulkString(bytes)) => bytes.as_slice(),
        Some(Value::SimpleString(s)) => s.as_bytes(),
        Some(_) => return Err(format!("its `{RECORD_FIELD}` field is not a string")),
        None => return Err(format!("it has no `{RECORD_FIELD}` field")),
    };
    let record: EventRecord = serde_json::from_slice(bytes)
        .map_err(|e| format!("its `{RECORD_FIELD}` is not an event: {e}"))?;
    // Followed as `Unknown` it would reach the ring and the store without its content.
    if record.event.is_unknown() {
        return Err(format!(
            "its `{RECORD_FIELD}` is not an event this version knows (a newer daemon's)"
        ));
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use upstra_core::events::DomainEvent;
    use upstra_core::state::Timestamp;

    use super::*;

    fn record(seq: u64) -> EventRecord {
        EventRecord {
            seq,
            at: Timestamp(1_700_000_000_000),
            event: DomainEvent::DaemonStarted {
                version: "0.1.0".into(),
            },
        }
    }

    fn entry(id: &str, fields: &[(&str, &str)]) -> StreamId {
        let map: HashMap<String, Value> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::BulkString(v.as_bytes().to_vec())))
            .collect();
        StreamId {
            id: id.to_owned(),
            map,
            ..StreamId::default()
        }
    }

    #[test]
    fn ids_encode_the_seq_and_only_ours_decode() {
        assert_eq!(entry_id(42), "0-42");
        assert_eq!(seq_of("0-42"), Some(42));
        assert_eq!(seq_of("1700000000000-0"), None);
        assert_eq!(seq_of("0-x"), None);
    }

    #[test]
    fn args_carry_id_kind_and_json_per_event() {
        let args = script_args(Some(1000), &[record(1), record(2)]).expect("encodes");
        assert_eq!(args.len(), 7);
        assert_eq!(args[..3], ["1000", "0-1", "daemon_started"]);
        let back: EventRecord = serde_json::from_str(&args[3]).expect("json");
        assert_eq!(back, record(1));
        assert_eq!(script_args(None, &[]).expect("empty"), [""]);
    }

    #[test]
    fn decodes_the_record_and_explains_what_it_cannot() {
        let json = serde_json::to_string(&record(7)).expect("json");
        assert_eq!(
            decode_entry(&entry(
                "0-7",
                &[("kind", "daemon_started"), ("record", &json)]
            )),
            Ok(record(7))
        );
        let table = [
            (entry("0-8", &[("kind", "x")]), "it has no `record` field"),
            (
                entry("0-9", &[("record", "{")]),
                "its `record` is not an event",
            ),
            (
                entry(
                    "0-10",
                    &[(
                        "record",
                        r#"{"seq":10,"at":0,"event":{"kind":"from_the_future"}}"#,
                    )],
                ),
                "its `record` is not an event",
            ),
        ];
        for (e, why) in table {
            let err = decode_entry(&e).expect_err("undecodable");
            assert!(err.starts_with(why), "{}: {err}", e.id);
        }
    }

    #[test]
    fn parses_the_script_reply_in_both_shapes() {
        let ok = Value::Array(vec![Value::Int(3), Value::Int(1)]);
        assert_eq!(
            parse_script_reply(&ok),
            Some(ScriptReply {
                new: 3,
                present: 1,
                stopped: None
            })
        );
        let stopped = Value::Array(vec![
            Value::Int(0),
            Value::Int(2),
            Value::BulkString(b"OOM command not allowed".to_vec()),
        ]);
        assert_eq!(
            parse_script_reply(&stopped).and_then(|r| r.stopped),
            Some("OOM command not allowed".to_owned())
        );
        assert_eq!(parse_script_reply(&Value::Okay), None);
        assert_eq!(
            parse_script_reply(&Value::Array(vec![Value::Int(-1), Value::Int(0)])),
            None
        );
    }
}
