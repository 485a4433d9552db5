//! The SSH pane's daemon side through the guard: who may open a shell, what is recorded when
//! it opens and closes, and who may pin a host key.

use upstra_core::api::v1::*;
use upstra_core::ids::ServerId;
use upstra_core::model::SshEndpoint;

use super::{Harness, error_of};
use crate::store::{AuditEntry, AuditFilter};

const HOST_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEpkcwXkrr0+qa2osl92DZFFU+wU89NLDOmIaY3XhXxk";

/// Declares an SSH address (no pinned key) on `esx-a`, as `apply` would have stored it.
async fn declare_ssh(h: &Harness, user: Option<&str>) {
    let mut inventory = (*h.shared.inventory()).clone();
    let id = ServerId::new("esx-a").expect("id");
    let server = inventory.servers.get_mut(&id).expect("esx-a");
    server.ssh = Some(SshEndpoint {
        address: "127.0.0.1:22".into(),
        host_key: None,
        user: user.map(str::to_owned),
    });
    let saved = server.clone();
    h.shared
        .store
        .call(move |db| {
            db.save_inventory(&[], &[], &[&saved], None, &AuditEntry::new("apply", "ok"))
        })
        .await
        .expect("saved");
    h.shared.set_inventory(inventory);
}

async fn open(h: &Harness, token: &SessionToken, server: &str) -> Result<SshTarget, ApiError> {
    match h
        .call(UpstraRequest::SshOpen {
            token: token.clone(),
            server: server.into(),
        })
        .await
    {
        UpstraResponse::SshOpen(r) => r,
        other => panic!("{other:?}"),
    }
}

async fn close(h: &Harness, token: &SessionToken, id: &str, reason: &str) -> Result<(), ApiError> {
    match h
        .call(UpstraRequest::SshClosed {
            token: token.clone(),
            session_id: id.into(),
            duration_ms: 4321,
            reason: reason.into(),
        })
        .await
    {
        UpstraResponse::SshClosed(r) => r,
        other => panic!("{other:?}"),
    }
}

async fn pin(h: &Harness, token: &SessionToken, key: &str) -> Result<(), ApiError> {
    match h
        .call(UpstraRequest::SshPinHostKey {
            token: token.clone(),
            server: "esx-a".into(),
            host_key: key.into(),
        })
        .await
    {
        UpstraResponse::SshPinHostKey(r) => r,
        other => panic!("{other:?}"),
    }
}

async fn records(h: &Harness, action: &str) -> Vec<upstra_core::audit::AuditRecord> {
    let all = h
        .shared
        .store
        .call(|db| {
            db.audit_records(&AuditFilter {
                limit: 1000,
                ..Default::default()
            })
        })
        .await
        .expect("audit");
    all.into_iter().filter(|r| r.action == action).collect()
}

#[tokio::test]
async fn a_viewer_is_refused_a_shell_and_the_refusal_is_audited() {
    let h = Harness::new().await;
    declare_ssh(&h, None).await;
    h.user("vic", "viewer", "all").await;
    let vic = h.session("vic", SessionScope::Full).await;
    let err = open(&h, &vic, "esx-a")
        .await
        .expect_err("viewers have no ssh");
    assert!(matches!(err, ApiError::Forbidden { .. }), "{err:?}");
    let denied = records(&h, "ssh_open").await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].result, "denied");
    assert_eq!(denied[0].actor.as_deref(), Some("vic"));
}

#[tokio::test]
async fn an_operators_shell_is_recorded_open_then_closed_once() {
    let h = Harness::new().await;
    declare_ssh(&h, Some("root")).await;
    h.user("otto", "operator", "room:lab-a").await;
    let otto = h.session("otto", SessionScope::Full).await;
    let target = open(&h, &otto, "esx-a").await.expect("authorized");
    assert_eq!(target.address, "127.0.0.1:22");
    assert_eq!(target.host_key, None);
    assert_eq!(target.login_hint, "root");
    assert_eq!(target.session_id.len(), 16);

    let opened = records(&h, "ssh_open").await;
    assert_eq!(opened.len(), 1);
    let o = &opened[0];
    assert_eq!(
        (
            o.actor.as_deref(),
            o.peer_uid,
            o.target.as_deref(),
            o.result.as_str()
        ),
        (Some("otto"), Some(1000), Some("server:esx-a"), "ok")
    );
    assert_eq!(o.correlation.as_deref(), Some(target.session_id.as_str()));
    assert!(
        records(&h, "ssh_close").await.is_empty(),
        "open until closed"
    );

    // Someone else cannot close it; its opener can, once.
    h.user("olga", "operator", "all").await;
    let olga = h.session("olga", SessionScope::Full).await;
    let err = close(&h, &olga, &target.session_id, "x")
        .await
        .expect_err("not hers");
    assert!(matches!(err, ApiError::NotFound { .. }), "{err:?}");
    close(
        &h,
        &otto,
        &target.session_id,
        "the remote shell exited (status 0)\n",
    )
    .await
    .expect("recorded");
    let err = close(&h, &otto, &target.session_id, "again")
        .await
        .expect_err("once");
    assert!(matches!(err, ApiError::Conflict { .. }), "{err:?}");

    let closed = records(&h, "ssh_close").await;
    assert_eq!(closed.len(), 1);
    let c = &closed[0];
    assert_eq!(
        (
            c.actor.as_deref(),
            c.target.as_deref(),
            c.correlation.as_deref()
        ),
        (
            Some("otto"),
            Some("server:esx-a"),
            Some(target.session_id.as_str())
        )
    );
    assert_eq!(
        c.detail.as_deref(),
        Some(r#"{"duration_ms":4321,"reason":"the remote shell exited (status 0)"}"#)
    );
    // The grant on lab-a does not reach lab-b.
    let err = open(&h, &otto, "esx-b").await.expect_err("not his room");
    assert!(matches!(err, ApiError::Forbidden { .. }), "{err:?}");
}

#[tokio::test]
async fn a_server_without_ssh_is_refused_with_what_to_declare() {
    let h = Harness::new().await;
    h.user("ada", "admin", "all").await;
    let ada = h.session("ada", SessionScope::Full).await;
    let err = open(&h, &ada, "esx-b").await.expect_err("no ssh declared");
    assert_eq!(
        err.to_string(),
        "server `esx-b` has no SSH address declared: add `ssh = { address = \"host:22\" }` to \
         its entry in the lab file"
    );
    assert!(records(&h, "ssh_open").await.is_empty());
}

#[tokio::test]
async fn only_an_admin_pins_a_host_key_and_later_opens_get_it() {
    let h = Harness::new().await;
    declare_ssh(&h, None).await;
    h.user("otto", "operator", "all").await;
    h.user("ada", "admin", "all").await;
    let (otto, ada) = (
        h.session("otto", SessionScope::Full).await,
        h.session("ada", SessionScope::Full).await,
    );
    let err = pin(&h, &otto, HOST_KEY)
        .await
        .expect_err("operators cannot pin");
    assert!(matches!(err, ApiError::Forbidden { .. }), "{err:?}");
    let err = pin(&h, &ada, "not a key").await.expect_err("malformed");
    assert!(matches!(err, ApiError::Invalid { .. }), "{err:?}");
    pin(&h, &ada, &format!("{HOST_KEY} root@esx-a"))
        .await
        .expect("pinned");

    let target = open(&h, &otto, "esx-a").await.expect("authorized");
    assert_eq!(target.host_key.as_deref(), Some(HOST_KEY));
    assert_eq!(
        target.login_hint, "otto",
        "no login declared: the operator's name"
    );
    let stored = h
        .shared
        .store
        .call(|db| db.load_inventory())
        .await
        .expect("load");
    let esx = &stored.servers[&ServerId::new("esx-a").expect("id")];
    assert_eq!(
        esx.ssh.as_ref().and_then(|s| s.host_key.as_deref()),
        Some(HOST_KEY),
        "kept in the store"
    );
    let pinned = records(&h, "ssh_pin_host_key").await;
    let results: Vec<&str> = pinned.iter().map(|r| r.result.as_str()).collect();
    assert_eq!(
        results,
        ["denied", "ok"],
        "the operator's try, then the admin's pin"
    );
    let pinned = &pinned[1..];
    assert_eq!(pinned[0].actor.as_deref(), Some("ada"));
    let detail: serde_json::Value =
        serde_json::from_str(pinned[0].detail.as_deref().expect("detail")).expect("JSON");
    assert_eq!(
        detail,
        serde_json::json!({ "host_key": HOST_KEY, "before": null })
    );
    assert!(error_of(&UpstraResponse::SshPinHostKey(Ok(()))).is_none());
}

#[tokio::test]
async fn quotes_in_a_value_stay_inside_its_audit_field_and_the_chain_verifies() {
    let h = Harness::new().await;
    declare_ssh(&h, None).await;
    h.user("otto", "operator", "room:lab-a").await;
    let otto = h.session("otto", SessionScope::Full).await;
    let target = open(&h, &otto, "esx-a").await.expect("authorized");
    let forged = r#"nowhere","forged":"yes"#;
    close(&h, &otto, &target.session_id, forged)
        .await
        .expect("closed");
    let closed = records(&h, "ssh_close").await;
    let detail: serde_json::Value =
        serde_json::from_str(closed[0].detail.as_deref().expect("detail")).expect("JSON");
    assert_eq!(detail["reason"], forged);
    assert!(detail.get("forged").is_none(), "{detail}");
    let verified = h
        .shared
        .store
        .call(|db| db.audit_verify())
        .await
        .expect("verify");
    assert!(verified.is_ok(), "{verified:?}");
}
