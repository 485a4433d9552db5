//! Finding 5: a value full of quotes stays one value in its audit record, and the chain still
//! verifies. Needs the real vCenter simulator (a VM to migrate).

use std::time::Duration;

use upstra_core::api::v1::{AuditQuery, LabSpec, LoginSpec, TlsSpec, VCenterSpec};
use upstra_core::secret::Secret;

use super::patient;
use crate::support::{self, Daemon};

/// The destination of the finding: it closes the `to` string and adds a field.
const FORGED: &str = r#"nowhere","forged":"yes"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_full_of_quotes_stays_one_value_and_the_chain_verifies() {
    let Some(peers) = upstra_tests::peers("a_destination_full_of_quotes_stays_one_value") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let env = [("UPSTRA_SYNC_INTERVAL", "1s"), ("UPSTRA_LOG", "info")];
    let daemon = Daemon::start_with_env(dir.path(), &env).await;
    let c = support::connect(&daemon.socket).await.unwrap();
    let t = support::setup_and_login(&c).await;
    let spec = LabSpec {
        vcenter: Some(VCenterSpec {
            url: peers.get("UPSTRA_PEER_VCSIM_URL").into(),
            login: LoginSpec {
                user: peers.get("UPSTRA_PEER_VCSIM_USER").into(),
                password: Some(Secret::new(peers.get("UPSTRA_PEER_VCSIM_PASSWORD"))),
            },
            tls: TlsSpec::Fingerprint(peers.get("UPSTRA_PEER_VCSIM_TLS_FINGERPRINT").into()),
        }),
        ..LabSpec::default()
    };
    c.apply(patient(), t.clone(), spec, false)
        .await
        .unwrap()
        .unwrap();
    let vm = support::until("the simulator's VMs", Duration::from_secs(60), || async {
        let vms = c.list_vms(patient(), t.clone()).await.unwrap().unwrap();
        vms.into_iter().next()
    })
    .await;

    // No server is declared by that name: the migration is refused before any handler runs,
    // and recorded with the names as they were asked.
    let moved = c
        .vm_migrate(patient(), t.clone(), vm.id.clone(), FORGED.into())
        .await
        .unwrap();
    assert!(moved.is_err(), "{moved:?}");

    let query = AuditQuery {
        action: Some("vm_migrate".into()),
        ..AuditQuery::default()
    };
    let page = c
        .audit_list(patient(), t.clone(), query)
        .await
        .unwrap()
        .unwrap();
    let record = page.records.last().expect("the migration is audited");
    let detail: serde_json::Value =
        serde_json::from_str(record.detail.as_deref().expect("a detail")).unwrap();
    assert_eq!(record.result, "refused", "{record:?}");
    assert_eq!(
        detail["not_declared"],
        serde_json::json!([vm.id.as_str(), FORGED]),
        "{detail}"
    );
    assert!(detail.get("forged").is_none(), "a forged field: {detail}");
    let verified = c.audit_verify(patient(), t).await.unwrap().unwrap();
    assert!(verified.intact, "{verified:?}");
}
