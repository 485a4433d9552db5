//! A backup taken while a shed's steps are under way on the real peers: the copy holds the run
//! as the journal had it at that moment, and a daemon restored from it resumes the run from
//! the journal and ends it, with the audit trail intact and no session from before.

use std::time::Duration;

use upstra_core::api::v1::{ApiError, PlanRunRequest, SessionToken, UpstraClient};
use upstra_tests::lab::Size;

use crate::lab::*;
use crate::support::*;

fn size() -> Size {
    Size {
        clusters: 2,
        hosts_per_cluster: 2,
        vms_per_cluster: 2,
    }
}

/// Reads a whole backup over the API, as `upstra backup` does.
async fn take_backup(c: &UpstraClient, t: &SessionToken) -> Vec<u8> {
    let started = c
        .backup_start(ctx(), t.clone(), None)
        .await
        .unwrap()
        .unwrap();
    let mut bytes = Vec::new();
    loop {
        let chunk = c
            .backup_chunk(ctx(), t.clone(), started.id.clone(), bytes.len() as u64)
            .await
            .unwrap()
            .unwrap();
        bytes.extend(hex::decode(&chunk.data_hex).unwrap());
        if chunk.last {
            break;
        }
    }
    assert_eq!(bytes.len() as u64, started.size);
    bytes
}

#[tokio::test]
async fn a_backup_taken_during_a_shed_restores_a_daemon_that_resumes_the_run() {
    let Some(peers) = upstra_tests::peers("outage backup") else {
        return;
    };
    let lab = Lab::start(peers, size());
    let dir = tempfile::tempdir().unwrap();
    let (mut daemon, c, t) = daemon(&lab, dir.path()).await;
    let run = c
        .plan_run(ctx(), t.clone(), PlanRunRequest::new("ups-one"))
        .await
        .unwrap()
        .unwrap();
    let bytes = take_backup(&c, &t).await;
    // Still running once the copy is read: it was taken during the run's steps.
    let status = c.plan_status(ctx(), t.clone()).await.unwrap().unwrap();
    assert_eq!(
        status.active.as_ref().map(|r| r.id),
        Some(run.id),
        "the shed still runs after the backup: {status:#?}"
    );
    let mut cursor = 0;
    wait_run_end(&c, &t, &mut cursor, "shed", Duration::from_secs(180)).await;
    let key = daemon.data_dir.join("store.key");
    daemon.stop();

    let fresh = tempfile::tempdir().unwrap();
    let backup = fresh.path().join("store.backup");
    std::fs::write(&backup, &bytes).unwrap();
    let restored = run_upstrad(&[
        "--config".as_ref(),
        empty_config(fresh.path()).as_os_str(),
        "--socket".as_ref(),
        fresh.path().join("nobody.sock").as_os_str(),
        "--data-dir".as_ref(),
        fresh.path().join("data").as_os_str(),
        "restore".as_ref(),
        "--from".as_ref(),
        backup.as_os_str(),
        "--key".as_ref(),
        key.as_os_str(),
    ]);
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );

    let mut settings = env();
    settings.push((
        "UPSTRA_NUT__USERS_FILE",
        lab.peers.get("UPSTRA_PEER_NUT_USERS_FILE"),
    ));
    let restored_daemon = Daemon::start_with_env(fresh.path(), &settings).await;
    let c = connect(&restored_daemon.socket).await.unwrap();
    let stale = c.whoami(ctx(), t.clone()).await.unwrap();
    assert!(matches!(stale, Err(ApiError::Unauthenticated)), "{stale:?}");
    let t = login(&c).await;
    // The journal in the copy had the run open: the restored daemon resumes it and ends it.
    until(
        "the restored run's end",
        Duration::from_secs(180),
        || async {
            let status = c.plan_status(ctx(), t.clone()).await.unwrap().unwrap();
            let ended = status.active.is_none()
                && status
                    .recent
                    .iter()
                    .any(|r| r.id == run.id && r.ended_at.is_some());
            ended.then_some(())
        },
    )
    .await;
    let verified = c.audit_verify(ctx(), t.clone()).await.unwrap().unwrap();
    assert!(verified.intact, "{verified:?}");
}
