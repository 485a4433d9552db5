//! A restore tells the truth: a BMC that cannot be reached during the restore leaves its
//! server off and the shed open, `plan status` says what is missing and why, and once the BMC
//! answers again `plan restore` retries exactly that and closes the shed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use upstra_core::api::v1::NotRestored;
use upstra_core::state::PowerState;
use upstra_tests::forward::Forwarder;
use upstra_tests::lab::{Size, server_name};
use upstra_tests::nut::DevFile;

use crate::lab::*;
use crate::support::*;

fn size() -> Size {
    Size {
        clusters: 2,
        hosts_per_cluster: 2,
        vms_per_cluster: 2,
    }
}

#[tokio::test]
async fn a_restore_that_cannot_reach_a_bmc_keeps_the_shed_open_until_a_retry_brings_it_back() {
    let Some(peers) = upstra_tests::peers("outage restore truth") else {
        return;
    };
    let mut lab = Lab::start(peers, size());
    // The first server of cluster 0 reaches its BMC through a forwarder the test controls.
    let host = lab.own.hosts[0][0].clone();
    let name = server_name(&host);
    let system = lab.own.systems[0].clone();
    let port: u16 = lab
        .own
        .redfish_url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap();
    let forwarder = Forwarder::start(([127, 0, 0, 1], port).into());
    // Quoted, so the URL of system 1 does not also rewrite that of system 10.
    lab.edits.push((
        format!("\"{}/redfish/v1/Systems/{system}\"", lab.own.redfish_url),
        format!(
            "\"http://127.0.0.1:{}/redfish/v1/Systems/{system}\"",
            forwarder.port()
        ),
    ));
    let dir = tempfile::tempdir().unwrap();
    let (_daemon, c, t) = daemon(&lab, dir.path()).await;
    let before = placement(&c, &t).await;
    let server_target = format!("server:{name}");
    // What may be left with the server: itself, and the VMs that ran on it.
    let with_it: BTreeSet<String> = before
        .iter()
        .filter(|(_, (h, _))| h.as_deref() == Some(host.as_str()))
        .map(|(vm, _)| format!("vm:{vm}"))
        .chain([server_target.clone()])
        .collect();

    let mut cursor = 0;
    let dev = DevFile::open(lab.nut_dir(), "ups1");
    dev.set(&[("ups.status", "OB DISCHRG")]);
    wait_run_end(&c, &t, &mut cursor, "shed", Duration::from_secs(180)).await;
    assert_eq!(servers(&c, &t).await[&name].power, PowerState::Off);

    // The BMC goes away, then mains comes back: the restore runs by itself and cannot power
    // that server on.
    forwarder.down();
    drop(dev);
    wait_event(
        &c,
        &t,
        &mut cursor,
        "the end of the first restore",
        Duration::from_secs(240),
        run_ended("restore"),
    )
    .await;
    let first = last_run(&c, &t, "restore").await;
    let tally = first
        .restored
        .unwrap_or_else(|| panic!("a restore says how much it put back: {first:#?}"));
    let status = c.plan_status(ctx(), t.clone()).await.unwrap().unwrap();
    assert_eq!(
        status.unrestored.len(),
        1,
        "the shed stays open: {status:#?}"
    );
    let missing: BTreeMap<String, NotRestored> = status
        .not_restored
        .iter()
        .map(|n| (n.target.clone(), n.clone()))
        .collect();
    let server = missing
        .get(&server_target)
        .unwrap_or_else(|| panic!("{server_target} is not back: {status:#?}"));
    assert_eq!(server.expected, "on, out of maintenance");
    assert!(
        server
            .error
            .as_deref()
            .is_some_and(|e| e.contains("cannot reach")),
        "the last error says why: {server:#?}"
    );
    assert!(
        missing.keys().all(|k| with_it.contains(k)),
        "only the server and what ran on it are missing: {missing:#?}"
    );
    assert_eq!(
        (tally.of - tally.restored) as usize,
        missing.len(),
        "restored N of M counts what is missing: {tally:?}"
    );
    let watch = status.watches.iter().find(|w| w.ups == "ups-one").unwrap();
    assert!(
        watch
            .restore_wait
            .as_ref()
            .is_some_and(|w| w.needs_operator),
        "a restore that ran to its end is retried by an operator, not in a loop: {watch:#?}"
    );
    let audit = c
        .audit_list(
            ctx(),
            t.clone(),
            upstra_core::api::v1::AuditQuery::default(),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        audit
            .records
            .iter()
            .any(|a| a.action == "plan_verify" && a.result == "incomplete"),
        "the verification is audited"
    );
    assert!(
        audit.records.iter().any(|a| a.action == "plan_end"
            && a.result == "finished"
            && a.detail
                .as_deref()
                .is_some_and(|d| d.contains(r#""plan":"restore""#))),
        "the end of the restore is audited with its counts"
    );

    // The BMC is back: the retry undoes only what is missing, and closes the shed.
    forwarder.up();
    let retry = c.plan_restore(ctx(), t.clone()).await.unwrap().unwrap();
    let targets: BTreeSet<String> = retry.plan.steps.iter().map(|s| s.target.clone()).collect();
    assert!(
        targets.contains(&server_target) && targets.iter().all(|t| missing.contains_key(t)),
        "the retry touches exactly what is missing: {targets:?} vs {:?}",
        missing.keys()
    );
    wait_event(
        &c,
        &t,
        &mut cursor,
        "the end of the retry",
        Duration::from_secs(240),
        run_ended("restore"),
    )
    .await;
    let done = last_run(&c, &t, "restore").await;
    assert_eq!(done.id, retry.id);
    let tally = done.restored.unwrap();
    assert_eq!(
        (done.counts.failed, tally.restored),
        (0, tally.of),
        "{done:#?}"
    );
    let status = c.plan_status(ctx(), t.clone()).await.unwrap().unwrap();
    assert!(
        status.unrestored.is_empty() && status.not_restored.is_empty(),
        "{status:#?}"
    );
    assert_as_before(&c, &t, &before, &[]).await;
}
