//! The audit trail reads like a history: filters take the start of a user or an action, and a
//! record written when VMs were audited by their vCenter id shows the VM's name today.

use upstra_core::api::v1::*;

use super::Harness;
use crate::store::AuditEntry;

async fn list(h: &Harness, token: &SessionToken, query: AuditQuery) -> Vec<AuditView> {
    let reply = h
        .call(UpstraRequest::AuditList {
            token: token.clone(),
            query,
        })
        .await;
    let UpstraResponse::AuditList(Ok(page)) = reply else {
        panic!("{reply:?}")
    };
    page.records
}

#[tokio::test]
async fn filters_match_prefixes_and_old_vm_ids_read_as_names() {
    let h = Harness::new().await;
    h.user("ada", "admin", "all").await;
    h.shared
        .store
        .call(|db| {
            for (actor, action, target) in [
                ("ada", "plan_run", "ups:ups-a"),
                ("ada", "plan_restore", "ups:ups-a"),
                ("albert", "vm_power", "vm:vm-1"),
                ("bob", "vm_migrate", "vm:vm-unknown"),
            ] {
                db.audit(&AuditEntry::new(action, "ok").actor(actor).target(target))?;
            }
            Ok(())
        })
        .await
        .expect("written");
    let token = h.session("ada", SessionScope::Full).await;

    let plan = list(
        &h,
        &token,
        AuditQuery {
            action: Some("plan".into()),
            ..AuditQuery::default()
        },
    )
    .await;
    let actions: Vec<&str> = plan.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["plan_run", "plan_restore"]);

    let typed = list(
        &h,
        &token,
        AuditQuery {
            action: Some("Plan Run".into()),
            ..AuditQuery::default()
        },
    )
    .await;
    assert_eq!(typed.len(), 1, "{typed:?}");

    let by_al = list(
        &h,
        &token,
        AuditQuery {
            user: Some("al".into()),
            ..AuditQuery::default()
        },
    )
    .await;
    assert_eq!(by_al.len(), 1, "{by_al:?}");
    let old = &by_al[0];
    assert_eq!(old.target.as_deref(), Some("vm:vm-1"), "kept as written");
    assert_eq!(old.target_name.as_deref(), Some("vm:vm-1-name"));

    let unknown = list(
        &h,
        &token,
        AuditQuery {
            user: Some("bob".into()),
            ..AuditQuery::default()
        },
    )
    .await;
    assert_eq!(unknown[0].target_name, None, "an id nobody knows stays");
}
