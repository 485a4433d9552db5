//! What reading a large inventory costs in memory beside the answer itself (issue 15): a
//! fake vCenter answers the whole read of 1,000 hosts and 10,000 VMs in one piece, as vcsim
//! does (it ignores `maxObjects`), and the heap's peak during `read_inventory` is measured
//! with dhat. The answer is held twice whatever the parser does (the fake's copy and the
//! client's body); parsing it into a whole document tree cost ten times its size on top.
//!
//! One test in its own binary: dhat's allocator counts every allocation of the process.

mod support;

use support::fake::{Fake, Reply, fixture, quick};
use upstra_adapter_vsphere::VsphereOptions;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const HOSTS: usize = 1_000;
const VMS: usize = 10_000;

/// The recorded `<objects>` element of the first object of `kind` in the inventory fixture.
fn recorded_object(kind: &str) -> String {
    let text = fixture("retrieve_inventory.xml");
    let marker = format!("<objects><obj type=\"{kind}\">");
    let start = text.find(&marker).expect("object in the fixture");
    let len = text[start..].find("</objects>").expect("end") + "</objects>".len();
    text[start..start + len].to_owned()
}

/// One `RetrievePropertiesEx` answer with every host and VM, shaped as vcsim writes them.
fn big_answer() -> String {
    let host = recorded_object("HostSystem");
    let vm = recorded_object("VirtualMachine");
    let compute = recorded_object("ComputeResource");
    let mut objects = compute;
    for h in 0..HOSTS {
        objects.push_str(
            &host
                .replace(">host-21<", &format!(">host-{h}<"))
                .replace(">DC0_H0<", &format!(">H{h}<")),
        );
    }
    for v in 0..VMS {
        objects.push_str(
            &vm.replace(">vm-57<", &format!(">vm-{v}<"))
                .replace(">DC0_H0_VM0<", &format!(">VM{v}<"))
                .replace(">host-21<", &format!(">host-{}<", v % HOSTS)),
        );
    }
    let page = fixture("retrieve_inventory.xml");
    let head = &page[..page.find("<objects>").expect("objects")];
    let tail = &page[page.rfind("</objects>").expect("end") + "</objects>".len()..];
    format!("{head}{objects}{tail}")
}

#[tokio::test]
async fn reading_a_thousand_hosts_costs_little_beside_the_answer() {
    let profiler = dhat::Profiler::builder().testing().build();
    let answer = std::sync::Arc::new(big_answer());
    let answer_bytes = answer.len();
    let served = answer.clone();
    let fake = Fake::start(move |call, _| match call.method.as_str() {
        "RetrieveServiceContent" => Reply::ok("service_content.xml"),
        "Login" => Reply::ok("login.xml").with_cookie("c1"),
        "CreateContainerView" => Reply::ok("create_container_view.xml"),
        "DestroyView" => Reply::ok("destroy_view.xml"),
        "RetrievePropertiesEx" => Reply {
            status: 200,
            body: served.to_string(),
            set_cookie: None,
        },
        other => panic!("unexpected {other}"),
    })
    .await;
    let client = fake.client(VsphereOptions {
        call_timeout: std::time::Duration::from_secs(120),
        ..quick()
    });
    let before = dhat::HeapStats::get().curr_bytes;
    let inventory = client.read_inventory().await.expect("inventory");
    let peak = dhat::HeapStats::get().max_bytes;
    assert_eq!((inventory.hosts.len(), inventory.vms.len()), (HOSTS, VMS));
    assert!(inventory.vms.iter().all(|v| v.host.is_some()), "joined");

    // Beside the fake's copy of the answer and the client's, what parsing and mapping need.
    let beside = peak.saturating_sub(before + 2 * answer_bytes);
    println!(
        "answer {:.1} MB; peak {:.1} MB above the start, {:.1} MB beside the two copies",
        mb(answer_bytes),
        mb(peak.saturating_sub(before)),
        mb(beside)
    );
    assert!(
        beside <= answer_bytes / 2,
        "reading the inventory needed {:.1} MB beside a {:.1} MB answer",
        mb(beside),
        mb(answer_bytes)
    );
    drop(profiler);
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}
