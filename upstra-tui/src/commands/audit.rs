//! `upstra audit [--json] [--since T] [--user U] [--action A] [--target T] [--limit N | --all]` and
//! `upstra audit verify`. `--json` prints the API's `AuditView` array and `AuditVerification`.
//! The table names targets as the inventory does and words each detail
//! ([`crate::audit_words`]); `--user` and `--action` match the start of the name
//! (`--action plan` finds `plan_run` and `plan_restore`).

use std::path::Path;
use std::time::SystemTime;

use upstra_core::api::v1::{AuditQuery, AuditView};
use upstra_core::state::Timestamp;

use super::{out, out_json, signed_in};
use crate::audit_words;
use crate::cli::{AuditArgs, AuditQueryArgs, AuditVerb};
use crate::client::timeouts;
use crate::console::strings::EN;
use crate::error::CliError;
use crate::format;
use crate::table::{Align, Table};

/// Records shown without `--limit` or `--all`: the newest screenfuls, one page of the daemon.
const DEFAULT_LIMIT: usize = 1000;

/// Runs `audit` or `audit verify`.
pub async fn run(socket: &Path, args: AuditArgs) -> Result<(), CliError> {
    match args.verb {
        Some(AuditVerb::Verify(f)) => verify(socket, f.json).await,
        None => list(socket, &args.query).await,
    }
}

async fn list(socket: &Path, args: &AuditQueryArgs) -> Result<(), CliError> {
    let since = args
        .since
        .as_deref()
        .map(|t| parse_since(t, SystemTime::now()))
        .transpose()?;
    let (conn, token) = signed_in(socket).await?;
    let query = AuditQuery {
        since,
        user: args.user.clone(),
        action: args.action.clone(),
        ..AuditQuery::default()
    };
    let wanted = if args.all {
        None
    } else {
        Some(args.limit.map_or(DEFAULT_LIMIT, |n| n as usize))
    };
    let mut records = conn.audit_records(&token, query, wanted).await?;
    // The daemon filters by user, action and time; the target is matched here, as the
    // console does, so that a VM is found by its name in records that name it by its id.
    if let Some(part) = &args.target {
        records.retain(|r| audit_words::target_matches(r, part));
    }
    if args.json {
        return out_json(&records);
    }
    out(&audit_table(&records))
}

async fn verify(socket: &Path, json: bool) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let report = conn
        .call(timeouts::APPLY, |c, ctx| async move {
            c.audit_verify(ctx, token).await
        })
        .await?;
    if json {
        out_json(&report)?;
    }
    if !report.intact {
        let problem = report
            .problem
            .unwrap_or_else(|| "the chain is broken".to_owned());
        return Err(CliError::Failed(format!(
            "the audit trail was tampered with: {problem} ({} records verified before it)",
            report.verified
        )));
    }
    if json {
        return Ok(());
    }
    out(&format!(
        "the audit trail is intact: {} records verified\n",
        report.verified
    ))
}

/// `--since`: an RFC 3339 time, or an age such as `90m`, `2h` or `1d` counted back from `now`.
fn parse_since(text: &str, now: SystemTime) -> Result<Timestamp, CliError> {
    format::since(text, now).ok_or_else(|| {
        CliError::Usage(format!(
            "--since {text}: give a time (2026-11-25T10:00:00Z) or an age (90m, 2h, 1d)"
        ))
    })
}

fn audit_table(records: &[AuditView]) -> String {
    let mut t = Table::new(&[
        ("SEQ", Align::Right),
        ("TIME", Align::Left),
        ("USER", Align::Left),
        ("UID", Align::Right),
        ("ACTION", Align::Left),
        ("TARGET", Align::Left),
        ("RESULT", Align::Left),
        ("DETAIL", Align::Left),
    ]);
    let or_none = |v: Option<String>| v.unwrap_or_else(|| format::NONE.to_owned());
    for r in records {
        t.row(vec![
            r.seq.to_string(),
            format::timestamp(r.at),
            or_none(r.actor.clone()),
            or_none(r.peer_uid.map(|u| u.to_string())),
            r.action.clone(),
            or_none(audit_words::target(r).map(str::to_owned)),
            r.result.clone(),
            or_none(audit_words::fact(r).map(|f| (EN.history.fact)(&f))),
        ]);
    }
    t.render()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn since_takes_a_time_or_an_age() {
        let now = UNIX_EPOCH + Duration::from_secs(100_000);
        assert_eq!(
            parse_since("1970-01-01T00:01:40Z", now).expect("time"),
            Timestamp(100_000)
        );
        assert_eq!(
            parse_since("2h", now).expect("age"),
            Timestamp((100_000 - 7200) * 1000)
        );
        assert_eq!(
            parse_since("1d", now).expect("age"),
            Timestamp((100_000 - 86_400) * 1000)
        );
        let err = parse_since("yesterday", now).expect_err("neither");
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.to_string()
                .starts_with("--since yesterday: give a time")
        );
    }

    #[test]
    fn records_print_one_per_line() {
        let r = AuditView {
            seq: 7,
            at: Timestamp(0),
            actor: Some("demo".into()),
            peer_uid: None,
            action: "login".into(),
            target: Some("full".into()),
            result: "ok".into(),
            detail: None,
            correlation: None,
            target_name: None,
        };
        assert_eq!(
            audit_table(&[r]),
            "SEQ  TIME                  USER  UID  ACTION  TARGET  RESULT  DETAIL\n  \
             7  1970-01-01T00:00:00Z  demo    -  login   full    ok      -\n"
        );
    }

    #[test]
    fn a_record_reads_in_names_and_words() {
        let r = AuditView {
            seq: 8,
            at: Timestamp(0),
            actor: Some("demo".into()),
            peer_uid: None,
            action: "vm_migrate".into(),
            target: Some("vm:vm-101".into()),
            result: "ok".into(),
            detail: Some(r#"{"from":"esx-b1","to":"esx-a2"}"#.into()),
            correlation: None,
            target_name: Some("vm:db-01".into()),
        };
        let table = audit_table(&[r]);
        assert!(table.contains("vm:db-01"), "{table}");
        assert!(!table.contains("vm-101"), "{table}");
        assert!(table.contains("moved from esx-b1 to esx-a2"), "{table}");
        assert!(!table.contains('{'), "{table}");
    }

    #[test]
    fn the_end_of_a_run_reads_as_its_counts() {
        let r = AuditView {
            seq: 9,
            at: Timestamp(0),
            actor: None,
            peer_uid: None,
            action: "plan_end".into(),
            target: Some("run:3".into()),
            result: "finished".into(),
            detail: Some(r#"{"run":3,"plan":"shed","done":12,"failed":1,"skipped":0}"#.into()),
            correlation: None,
            target_name: None,
        };
        let table = audit_table(&[r]);
        assert!(table.contains("run 3 (shed): 12 done, 1 failed"), "{table}");
    }
}
