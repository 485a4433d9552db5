//! Resolve, then authorize: every request that names a target, checked on what it resolves to.
//! A room-scoped operator names objects of another room by every name they have (server name,
//! vSphere host name, VM id, VM name) through every method that names a target, and is refused
//! each time, with nothing moved. Runs the real `upstrad` on the simulated lab: no peers.
//!
//! The smaller holes of the same finding live alongside: a session used by another Unix user,
//! the socket group for non-root members, and what `check-config` prints.

mod check_config;
mod unix_users;

use std::path::Path;
use std::time::Duration;

use upstra_core::api::v1::{
    ApiError, GrantView, LabSpec, Method, ServerPowerAction, TlsPeer, UpstraClient, UserAddRequest,
    VmPowerRequest, VmView,
};
use upstra_core::lab::{KnownNames, parse};
use upstra_core::secret::Secret;

use crate::support::{Daemon, PASSWORD, connect, ctx, login_as, setup_and_login, until};

/// Two rooms, two hypervisors in the first so that a move inside the room has somewhere to go.
const LAB: &str = r#"
[[room]]
name = "lab-a"
[[room]]
name = "lab-b"
[[ups]]
name = "ups-a"
room = "lab-a"
nut = "ups-a@127.0.0.1:1"
[[ups]]
name = "ups-b"
room = "lab-b"
nut = "ups-b@127.0.0.1:1"
[[server]]
name = "esx-a1"
room = "lab-a"
kind = "hypervisor"
feeds = ["ups-a"]
vsphere_host = "esx-a1.lab"
[[server]]
name = "esx-a2"
room = "lab-a"
kind = "hypervisor"
feeds = ["ups-a"]
vsphere_host = "esx-a2.lab"
[[server]]
name = "esx-b1"
room = "lab-b"
kind = "hypervisor"
feeds = ["ups-b"]
vsphere_host = "esx-b1.lab"
"#;

const OPERATOR: &str = "op-a";

/// Generous for a loaded 2-core machine: the simulated lab answers at once otherwise.
const SETTLE: Duration = Duration::from_secs(60);

/// A daemon on the simulated lab with `LAB` applied (the simulated lab is built from the
/// declared inventory when the daemon starts, hence the restart), an admin session and an
/// operator holding the operator role on room `lab-a` only.
async fn two_rooms(dir: &Path) -> (Daemon, UpstraClient, upstra_core::api::v1::SessionToken) {
    let env = [("UPSTRA_DRIVERS", "simulated")];
    let mut daemon = Daemon::start_with_env(dir, &env).await;
    let c = connect(&daemon.socket).await.unwrap();
    let admin = setup_and_login(&c).await;
    let doc = parse(LAB, &KnownNames::default()).unwrap();
    c.apply(ctx(), admin.clone(), LabSpec::from(&doc.inventory), false)
        .await
        .unwrap()
        .unwrap();
    daemon.stop();
    let daemon = Daemon::start_with_env(dir, &env).await;
    let c = connect(&daemon.socket).await.unwrap();
    let admin = crate::support::login(&c).await;
    c.user_add(
        ctx(),
        admin.clone(),
        UserAddRequest {
            name: OPERATOR.into(),
            role: "operator".into(),
            password: Secret::new(PASSWORD),
        },
    )
    .await
    .unwrap()
    .unwrap();
    let grant = |resource: &str| GrantView {
        user: OPERATOR.into(),
        role: "operator".into(),
        resource: resource.into(),
    };
    c.grant_add(ctx(), admin.clone(), grant("room:lab-a"))
        .await
        .unwrap()
        .unwrap();
    c.grant_remove(ctx(), admin.clone(), grant("all"))
        .await
        .unwrap()
        .unwrap();
    (daemon, c, admin)
}

/// Every VM with the host it runs on, once the simulated hypervisor has been read.
async fn vms(c: &UpstraClient, admin: &upstra_core::api::v1::SessionToken) -> Vec<VmView> {
    until("the simulated VMs", SETTLE, || async {
        let vms = c.list_vms(ctx(), admin.clone()).await.unwrap().unwrap();
        let placed = vms.len() > 2 && vms.iter().all(|v| v.server.is_some());
        placed.then_some(vms)
    })
    .await
}

fn on<'a>(vms: &'a [VmView], server: &str) -> &'a VmView {
    vms.iter()
        .find(|v| v.server.as_deref() == Some(server))
        .unwrap_or_else(|| panic!("no VM on {server}: {vms:?}"))
}

/// Calls `method` naming `name` wherever it takes a name (the VM argument of a migration is
/// `vm`), and returns the refusal, if any.
async fn attempt(
    c: &UpstraClient,
    t: &upstra_core::api::v1::SessionToken,
    method: Method,
    name: &str,
    vm: &str,
) -> Option<ApiError> {
    let (t, n) = (t.clone(), name.to_owned());
    match method {
        Method::ServerPower => c
            .server_power(ctx(), t, n, ServerPowerAction::Off)
            .await
            .unwrap()
            .err(),
        Method::VmPower => c
            .vm_power(ctx(), t, vm.into(), VmPowerRequest::Off)
            .await
            .unwrap()
            .err(),
        Method::VmMigrate => c.vm_migrate(ctx(), t, vm.into(), n).await.unwrap().err(),
        Method::SshOpen => c.ssh_open(ctx(), t, n).await.unwrap().err(),
        Method::SshPinHostKey => c
            .ssh_pin_host_key(ctx(), t, n, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA".into())
            .await
            .unwrap()
            .err(),
        Method::TlsFingerprint => c
            .tls_fingerprint(ctx(), t, TlsPeer::Bmc(n))
            .await
            .unwrap()
            .err(),
        Method::TlsPin => c
            .tls_pin(ctx(), t, TlsPeer::Bmc(n), "00".repeat(32))
            .await
            .unwrap()
            .err(),
        Method::PlanShow => c.plan_show(ctx(), t, Some(n)).await.unwrap().err(),
        Method::PlanSimulate => c.plan_simulate(ctx(), t, n).await.unwrap().err(),
        Method::PlanRun => c.plan_run(ctx(), t, n.into()).await.unwrap().err(),
        Method::DemoPowerCut => c.demo_power_cut(ctx(), t, n, true).await.unwrap().err(),
        other => panic!("{} names no target", other.name()),
    }
}

#[tokio::test]
async fn a_room_scoped_operator_is_refused_everything_in_another_room_by_any_name() {
    let dir = tempfile::tempdir().unwrap();
    let (mut daemon, c, admin) = two_rooms(dir.path()).await;
    let before = vms(&c, &admin).await;
    let (mine, theirs) = (on(&before, "esx-a1"), on(&before, "esx-b1"));
    let op = login_as(&c, OPERATOR, PASSWORD).await;

    // The finding: a VM of the operator's room sent to the other room's vSphere host name.
    let refused = attempt(&c, &op, Method::VmMigrate, "esx-b1.lab", &mine.id).await;
    assert!(
        matches!(&refused, Some(ApiError::Forbidden { needed }) if needed.contains("server:esx-b1")),
        "migrating into lab-b by its vSphere host name: {refused:?}"
    );

    // Every method that names a target, every name of lab-b's objects.
    let mut walked = Vec::new();
    for method in Method::ALL
        .into_iter()
        .filter(|m| !m.target_kinds().is_empty())
    {
        let names: Vec<(&str, &str)> = match method {
            // (the name, the VM): its own VM to the other room, the other room's VM.
            Method::VmMigrate => vec![
                ("esx-b1", &mine.id),
                ("esx-b1.lab", &mine.id),
                ("esx-a2", &theirs.id),
                ("esx-a2.lab", &theirs.name),
            ],
            Method::VmPower => vec![("", &theirs.id), ("", &theirs.name)],
            Method::PlanShow | Method::PlanSimulate | Method::PlanRun | Method::DemoPowerCut => {
                vec![("ups-b", "")]
            }
            _ => vec![("esx-b1", ""), ("esx-b1.lab", "")],
        };
        for (name, vm) in names {
            let refused = attempt(&c, &op, method, name, vm).await;
            assert!(
                matches!(refused, Some(ApiError::Forbidden { .. })),
                "{} naming `{name}` `{vm}` as a lab-a operator: {refused:?}",
                method.name()
            );
        }
        walked.push(method);
    }
    assert_eq!(walked.len(), 11, "every method naming a target: {walked:?}");

    // A name that designates nothing declared is refused with what to look at.
    let unknown = attempt(&c, &op, Method::VmMigrate, "esx-z.lab", &mine.id).await;
    let text = unknown
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        matches!(unknown, Some(ApiError::NotFound { .. }))
            && text.contains("server or vSphere host `esx-z.lab`"),
        "{text}"
    );

    // Inside its room, an alias works and acts on what it designates.
    let moved = c
        .vm_migrate(ctx(), op.clone(), mine.id.clone(), "esx-a2.lab".into())
        .await
        .unwrap()
        .unwrap();
    assert!(moved.state.ends_with("esx-a2.lab"), "{moved:?}");

    // Nothing crossed over: every VM of lab-b is where it was, and none left for it.
    let after = vms(&c, &admin).await;
    for vm in &after {
        let was = before.iter().find(|v| v.id == vm.id).unwrap();
        if vm.id != mine.id {
            assert_eq!(
                (vm.server.as_deref(), vm.power.as_str()),
                (was.server.as_deref(), was.power.as_str()),
                "{}",
                vm.name
            );
        }
    }
    assert_eq!(
        after
            .iter()
            .find(|v| v.id == mine.id)
            .unwrap()
            .server
            .as_deref(),
        Some("esx-a2")
    );
    daemon.stop();
}

/// Lists are filtered by where each object sits: the operator of lab-a sees the VMs running on
/// lab-a's hypervisors and none of lab-b's, while the admin, who reads everything, sees every
/// VM with its host.
#[tokio::test]
async fn a_room_scoped_operator_lists_the_vms_of_their_room_and_the_admin_lists_all() {
    let dir = tempfile::tempdir().unwrap();
    let (_daemon, c, admin) = two_rooms(dir.path()).await;
    let all = vms(&c, &admin).await;
    let op = login_as(&c, OPERATOR, PASSWORD).await;
    let seen = c.list_vms(ctx(), op.clone()).await.unwrap().unwrap();
    let mut expected: Vec<&str> = all
        .iter()
        .filter(|v| matches!(v.server.as_deref(), Some("esx-a1" | "esx-a2")))
        .map(|v| v.id.as_str())
        .collect();
    let mut got: Vec<&str> = seen.iter().map(|v| v.id.as_str()).collect();
    expected.sort_unstable();
    got.sort_unstable();
    assert!(
        !expected.is_empty() && expected.len() < all.len(),
        "{all:?}"
    );
    assert_eq!(got, expected, "the lab-a operator's VMs");
    let servers = c.list_servers(ctx(), op).await.unwrap().unwrap();
    let mut names: Vec<&str> = servers.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["esx-a1", "esx-a2"]);
}
