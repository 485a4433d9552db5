//! The stored audit format does not depend on how a record was written: records appended by
//! an older daemon and by this one sit in one chain that reads and verifies the same.
//!
//! `OLDER_DAEMON` are the rows the writer before the audit builder stored for [`sample`]
//! (detail text and chain hash, byte for byte, read from its store). The builder must store the
//! same rows, and a store holding those rows must go on verifying after the builder appends.

use super::*;

fn open(dir: &Path) -> Result<Store, StoreError> {
    Store::open(dir, &KeySource::locate(dir, None))
}

/// (detail as stored, chain hash) for each record of [`sample`], in order, as the older
/// writer stored them.
const OLDER_DAEMON: [(Option<&str>, &str); 3] = [
    (
        None,
        "dd2801c6b718af02a7071d6ad419977aeaaaac7af1888758276e870b81b89c64",
    ),
    (
        Some(r#"{"count":3,"resource":"server:esx-\"01\"}","role":"operator"}"#),
        "06721bf6cdf6594a472aa5593eab8cba96058e54e33adc8b7078d2dfd867404f",
    ),
    (
        Some(r#"{"run":7,"step":2,"why":"é\u001b[2J"}"#),
        "a0d58f5669c894c5a15d002b15ae120d94eb0acf459daae6b1495baaab1cfa7b",
    ),
];

/// A typed detail whose fields are declared out of alphabetical order: the stored text keeps
/// the order the older writer's JSON values had.
#[derive(serde::Serialize)]
struct GrantDetail {
    role: &'static str,
    resource: &'static str,
    count: u32,
}

/// The records the older writer stored as [`OLDER_DAEMON`].
fn sample() -> [AuditEntry; 3] {
    [
        AuditEntry::new("login", "ok")
            .at(1_700_000_000_000)
            .actor("alice")
            .peer_uid(1000),
        AuditEntry::new("role_grant", "ok")
            .at(1_700_000_000_500)
            .actor("alice")
            .peer_uid(1000)
            .target("bob")
            .detail(&GrantDetail {
                role: "operator",
                resource: "server:esx-\"01\"}",
                count: 3,
            }),
        AuditEntry::new("plan_step", "failed")
            .at(1_700_000_001_000)
            .target("ups-a")
            .detail(&serde_json::json!({ "run": 7, "step": 2, "why": "é\u{1b}[2J" }))
            .correlation("run-7"),
    ]
}

async fn stored_rows(store: &Store) -> Vec<(Option<String>, String)> {
    store
        .call(|db| {
            let mut stmt = db
                .conn()
                .prepare("SELECT detail, hash FROM audit ORDER BY seq")?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Vec<u8>>(1)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows.into_iter().map(|(d, h)| (d, hex::encode(h))).collect())
        })
        .await
        .expect("read")
}

fn older_rows() -> Vec<(Option<String>, String)> {
    OLDER_DAEMON
        .iter()
        .map(|(d, h)| (d.map(str::to_owned), (*h).to_owned()))
        .collect()
}

#[tokio::test]
async fn the_builder_stores_what_the_older_writer_stored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).expect("created");
    store
        .call(|db| {
            for entry in sample() {
                db.audit(&entry)?;
            }
            Ok(())
        })
        .await
        .expect("written");
    assert_eq!(stored_rows(&store).await, older_rows());
    store.close().await;
}

#[tokio::test]
async fn records_of_an_older_daemon_and_of_this_one_read_and_verify_as_one_chain() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).expect("created");
    // The older daemon's rows, as its store holds them.
    let older = older_rows();
    store
        .call(move |db| {
            for (seq, (entry, (detail, hash))) in (1_i64..).zip(sample().iter().zip(older)) {
                db.conn().execute(
                    "INSERT INTO audit (seq, at, actor, peer_uid, action, target, result, detail, correlation, hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    rusqlite::params![
                        seq,
                        entry.at,
                        entry.actor,
                        entry.peer_uid,
                        entry.action,
                        entry.target,
                        entry.result,
                        detail,
                        entry.correlation,
                        hex::decode(hash).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    ],
                )?;
            }
            Ok(())
        })
        .await
        .expect("older rows in place");
    let before = store
        .call(|db| {
            db.audit_records(&AuditFilter {
                limit: 10,
                ..AuditFilter::default()
            })
        })
        .await
        .expect("read");
    // This daemon appends the same records again after them.
    store
        .call(|db| {
            for entry in sample() {
                db.audit(&entry)?;
            }
            Ok(())
        })
        .await
        .expect("appended");
    store.close().await;

    let store = open(dir.path()).expect("reopened");
    assert_eq!(
        store.call(|db| db.audit_verify()).await.expect("verified"),
        Ok(6),
        "the chain across both writers verifies"
    );
    let all = store
        .call(|db| {
            db.audit_records(&AuditFilter {
                limit: 10,
                ..AuditFilter::default()
            })
        })
        .await
        .expect("read");
    assert_eq!(all.len(), 6);
    assert_eq!(all[..3], before[..], "the older records read the same");
    for (old, new) in all[..3].iter().zip(&all[3..]) {
        assert_eq!(
            (
                &old.at,
                &old.actor,
                &old.peer_uid,
                &old.action,
                &old.target,
                &old.result,
                &old.detail,
                &old.correlation
            ),
            (
                &new.at,
                &new.actor,
                &new.peer_uid,
                &new.action,
                &new.target,
                &new.result,
                &new.detail,
                &new.correlation
            ),
            "a record written now reads like the older daemon's"
        );
    }
    store.close().await;
}
