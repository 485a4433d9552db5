//! Without the harness: the client against a scripted fake vCenter answering with recorded
//! vcsim payloads (paging, expired sessions, running and failing tasks), and against sockets
//! that refuse or never answer. These run everywhere, peers or not.

mod support;

use std::time::Duration;

use support::fake::{Fake, Reply, Seen, quick, vcenter};
use upstra_adapter_vsphere::{VsphereClient, VsphereError, VsphereOptions};
use upstra_core::ids::VmId;
use upstra_core::model::{CertFingerprint, HttpUrl, TlsTrust};
use upstra_core::traits::{AdapterError, Hypervisor, VmPowerAction};

/// Login and view plumbing every script shares; `None` for the calls a test scripts itself.
fn plumbing(call: &Seen, logins: usize) -> Option<Reply> {
    Some(match call.method.as_str() {
        "RetrieveServiceContent" => Reply::ok("service_content.xml"),
        "Login" => Reply::ok("login.xml").with_cookie(&format!("c{}", logins + 1)),
        "CreateContainerView" => Reply::ok("create_container_view.xml"),
        "DestroyView" => Reply::ok("destroy_view.xml"),
        "Logout" => Reply::ok("logout.xml"),
        _ => return None,
    })
}

#[tokio::test]
async fn follows_paging_tokens_and_destroys_the_view() {
    let fake = Fake::start(|call, n| {
        plumbing(call, n).unwrap_or_else(|| match call.method.as_str() {
            "RetrievePropertiesEx" => Reply::ok("retrieve_page1.xml"),
            "ContinueRetrievePropertiesEx" => Reply::ok("retrieve_page2.xml"),
            other => panic!("unexpected {other}"),
        })
    })
    .await;
    let inv = fake
        .client(quick())
        .read_inventory()
        .await
        .expect("inventory");
    assert_eq!((inv.hosts.len(), inv.vms.len()), (4, 4));
    assert!(
        inv.vms.iter().all(|v| v.host.is_some()),
        "names joined across pages"
    );
    assert_eq!(
        fake.methods(),
        [
            "RetrieveServiceContent",
            "Login",
            "CreateContainerView",
            "RetrievePropertiesEx",
            "ContinueRetrievePropertiesEx",
            "DestroyView"
        ]
    );
    let after_login = &fake.calls()[2..];
    assert!(
        after_login
            .iter()
            .all(|c| c.cookie.as_deref() == Some("c1"))
    );
}

#[tokio::test]
async fn an_expired_session_is_renewed_once_and_the_call_retried() {
    let fake = Fake::start(|call, n| {
        plumbing(call, n).unwrap_or_else(|| match (call.method.as_str(), call.cookie.as_deref()) {
            ("RetrievePropertiesEx", Some("c1")) => Reply::fault("fault_not_authenticated.xml"),
            ("RetrievePropertiesEx", _) => Reply::ok("retrieve_inventory.xml"),
            (other, _) => panic!("unexpected {other}"),
        })
    })
    .await;
    let inv = fake
        .client(quick())
        .read_inventory()
        .await
        .expect("inventory");
    assert_eq!(inv.vms.len(), 4);
    let logins = fake.methods().iter().filter(|m| *m == "Login").count();
    assert_eq!(logins, 2, "{:?}", fake.methods());
}

#[tokio::test]
async fn a_session_that_stays_refused_is_an_error_not_a_loop() {
    let fake = Fake::start(|call, n| {
        plumbing(call, n).unwrap_or_else(|| Reply::fault("fault_not_authenticated.xml"))
    })
    .await;
    let err = fake
        .client(quick())
        .read_inventory()
        .await
        .expect_err("refused");
    assert_eq!(
        err.fault().map(|f| f.name.as_str()),
        Some("NotAuthenticated")
    );
    let logins = fake.methods().iter().filter(|m| *m == "Login").count();
    assert_eq!(logins, 2);
}

#[tokio::test]
async fn a_running_task_is_polled_until_it_succeeds() {
    let fake = Fake::start(|call, n| {
        plumbing(call, n).unwrap_or_else(|| match call.method.as_str() {
            "PowerOffVM_Task" => Reply::ok("power_off_task.xml"),
            "RetrievePropertiesEx" if n < 2 => Reply::ok("task_running.xml"),
            "RetrievePropertiesEx" => Reply::ok("task_success.xml"),
            other => panic!("unexpected {other}"),
        })
    })
    .await;
    let vm = VmId::new("vm-57").expect("id");
    fake.client(quick())
        .power(&vm, VmPowerAction::Off)
        .await
        .expect("powered off");
    let reads = fake
        .methods()
        .iter()
        .filter(|m| *m == "RetrievePropertiesEx")
        .count();
    assert_eq!(reads, 3);
}

#[tokio::test]
async fn a_task_past_its_deadline_is_cancelled_and_reported() {
    let fake = Fake::start(|call, n| {
        plumbing(call, n).unwrap_or_else(|| match call.method.as_str() {
            "RelocateVM_Task" | "EnterMaintenanceMode_Task" => Reply::ok("power_off_task.xml"),
            "RetrievePropertiesEx" if n == 0 => Reply::ok("retrieve_inventory.xml"),
            "RetrievePropertiesEx" => Reply::ok("task_running.xml"),
            "CancelTask" => Reply::fault("fault_method_not_found.xml"),
            other => panic!("unexpected {other}"),
        })
    })
    .await;
    let client = fake.client(quick());
    let vm = VmId::new("vm-57").expect("id");
    let err = client
        .migrate_vm(&vm, "DC0_C0_H1")
        .await
        .expect_err("deadline");
    assert!(matches!(err, VsphereError::Deadline { .. }), "{err:?}");
    assert!(err.to_string().contains("RelocateVM_Task"), "{err}");
    assert_eq!(
        fake.methods().last().map(String::as_str),
        Some("CancelTask")
    );
    assert!(matches!(
        err.into_adapter("vCenter test"),
        AdapterError::Timeout { .. }
    ));
}

#[tokio::test]
async fn a_failed_task_names_the_fault_unless_the_vm_is_already_there() {
    let fake = Fake::start(|call, n| {
        plumbing(call, n).unwrap_or_else(|| match call.method.as_str() {
            "PowerOnVM_Task" | "PowerOffVM_Task" => Reply::ok("power_off_task.xml"),
            "RetrievePropertiesEx" => Reply::ok("task_error.xml"),
            other => panic!("unexpected {other}"),
        })
    })
    .await;
    let client = fake.client(quick());
    let vm = VmId::new("vm-57").expect("id");
    // The recorded error says the VM is already poweredOff: powering off is then done.
    client
        .power(&vm, VmPowerAction::Off)
        .await
        .expect("already off");
    let err = client
        .power(&vm, VmPowerAction::On)
        .await
        .expect_err("task error");
    assert!(
        matches!(&err, VsphereError::TaskFailed { method: "PowerOnVM_Task", fault, .. }
            if fault.name == "InvalidPowerState"),
        "{err:?}"
    );
    let AdapterError::Protocol { detail, .. } = err.into_adapter("vCenter test") else {
        panic!("a task failure is reported with its fault");
    };
    assert!(detail.contains("InvalidPowerState"), "{detail}");
}

#[tokio::test]
async fn a_silent_server_times_out_instead_of_hanging() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/sdk", listener.local_addr().expect("addr"));
    let _hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            open.push(stream); // accepted, never answered
        }
    });
    let client = VsphereClient::with_http_client(&vcenter(&url), reqwest::Client::new(), quick())
        .expect("client");
    let guard = Duration::from_secs(10);
    let result = tokio::time::timeout(guard, Hypervisor::inventory(&client)).await;
    let err = result
        .expect("returned before the guard")
        .expect_err("timeout");
    assert!(matches!(err, AdapterError::Timeout { .. }), "{err}");
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut vc = vcenter(&format!("https://127.0.0.1:{port}/sdk"));
    let pin = format!("sha256:{}", vec!["AB"; 32].join(":"));
    vc.tls = TlsTrust::Fingerprint(CertFingerprint::parse(&pin).expect("pin"));
    let client = VsphereClient::new(&vc, quick()).expect("client");
    let err = Hypervisor::inventory(&client).await.expect_err("refused");
    assert!(matches!(err, AdapterError::Unreachable { .. }), "{err}");
}

#[tokio::test]
async fn a_vcenter_without_password_is_refused_up_front() {
    let mut vc = vcenter("https://vc.invalid/sdk");
    vc.login.password = None;
    vc.url = HttpUrl::parse("https://vc.invalid/sdk").expect("URL");
    let err =
        VsphereClient::with_http_client(&vc, reqwest::Client::new(), VsphereOptions::default())
            .err()
            .expect("no password");
    assert_eq!(
        err,
        VsphereError::NoPassword {
            user: "user".into()
        }
    );
    assert!(matches!(
        err.into_adapter("vCenter test"),
        AdapterError::AuthFailed { .. }
    ));
}
