//! Control characters from users, lab files and peers reach every screen and log escaped.
//!
//! A name built to attack whoever reads it: it clears the screen, rings the bell, sets the
//! window title, starts a new line that looks like one of the daemon's own, and turns the
//! rest of the line right to left. The daemon must keep it as data where it is data (the
//! audit record of a failed login), refuse it where it would become a declared name, and never
//! let it out raw in its log.

use std::time::Duration;

use std::io::Write;
use std::process::{Command, Stdio};

use upstra_core::api::v1::{ApiError, AuditQuery, LabSpec, LoginRequest, SetupRequest};
use upstra_core::lab::{KnownNames, SecretSlot, parse};
use upstra_core::secret::Secret;
use upstra_core::text::is_hostile;
use upstra_tests::lab::{LabFile, OwnLab, Size};

use crate::support::{Daemon, connect, ctx, setup_and_login, until};

/// The forged line a newline in a field would start, as the daemon's formatter writes one.
// Short enough to pass the user-name bound (64 bytes with the controls around it), so the
// attempt is checked, refused and audited rather than stopped at the bound.
const FORGED: &str = "INFO upstra_daemon: admin=mallory";

fn hostile_name() -> String {
    format!("eve\u{1b}[2J\u{1b}]0;owned\u{7}\r\n{FORGED}\u{202e}gpj.exe")
}

fn problems(e: ApiError) -> Vec<String> {
    match e {
        ApiError::Invalid { problems } => problems,
        other => panic!("expected a refusal naming the problems, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_login_name_is_audited_as_data_and_logged_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let daemon = Daemon::start(dir.path()).await;
    let client = connect(&daemon.socket).await.unwrap();

    // Setup refuses it as a user name, and the refusal does not echo it raw.
    let refused = client
        .setup(
            ctx(),
            SetupRequest {
                user: hostile_name(),
                password: Secret::new("correct horse battery staple"),
            },
        )
        .await
        .unwrap()
        .expect_err("a user name with control characters is refused");
    let refused = problems(refused);
    assert!(
        refused.iter().all(|p| !p.contains(is_hostile)),
        "{refused:?}"
    );

    let token = setup_and_login(&client).await;
    let failed = client
        .login(
            ctx(),
            LoginRequest {
                user: hostile_name(),
                password: Secret::new("not the password"),
            },
        )
        .await
        .unwrap();
    assert!(failed.is_err(), "an unknown user cannot log in");

    // The audit trail keeps what was typed, byte for byte: it is evidence.
    let records = client
        .audit_list(
            ctx(),
            token,
            AuditQuery {
                since: None,
                user: None,
                action: None,
                before: None,
                limit: None,
            },
        )
        .await
        .unwrap()
        .unwrap()
        .records;
    assert!(
        records
            .iter()
            .any(|r| r.actor.as_deref() == Some(hostile_name().as_str())),
        "the failed login is audited under the name as typed: {records:?}"
    );

    // The log says it happened, on one line, with nothing a terminal would obey.
    let log = until(
        "the refused login in the log",
        Duration::from_secs(30),
        || {
            let log = daemon.log();
            async move { log.contains("login refused").then_some(log) }
        },
    )
    .await;
    assert!(
        !log.contains(is_hostile_but_newline),
        "raw control in the log:\n{log:?}"
    );
    let refused_line = log
        .lines()
        .find(|l| l.contains("login refused"))
        .expect("the refused login's line");
    assert!(refused_line.contains("eve\\e[2J"), "{refused_line}");
    assert!(
        refused_line.contains(FORGED),
        "the forged text stays inside the line that quotes it: {refused_line}"
    );
    assert!(
        !log.lines()
            .any(|l| l.trim_start().starts_with("2026-01-01T00:00:00Z")),
        "a field started a line of its own:\n{log}"
    );
}

fn is_hostile_but_newline(c: char) -> bool {
    c != '\n' && is_hostile(c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbound_lab_with_hostile_names_is_refused_and_quoted_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let daemon = Daemon::start(dir.path()).await;
    let client = connect(&daemon.socket).await.unwrap();
    let token = setup_and_login(&client).await;

    let lab = "[[room]]\nname = \"r\"\n[[ups]]\nname = \"u\"\nroom = \"r\"\nnut = \"u@127.0.0.1:3493\"\n\
               [[server]]\nname = \"s\"\nroom = \"r\"\nkind = \"hypervisor\"\nfeeds = [\"u\"]\n\
               vsphere_host = \"esx-01\"\n";
    let inventory = parse(lab, &KnownNames::default())
        .expect("valid lab")
        .inventory;
    let mut spec = LabSpec::from(&inventory);
    // A client that skips the lab parser's checks, or was written by someone else.
    spec.servers[0].vsphere_host = Some(hostile_name());
    spec.vms.insert(hostile_name(), Default::default());
    for dry_run in [true, false] {
        let refused = client
            .apply(ctx(), token.clone(), spec.clone(), dry_run)
            .await
            .unwrap()
            .expect_err("hostile names are refused");
        let refused = problems(refused);
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert!(
            refused.iter().all(|p| !p.contains(is_hostile)),
            "{refused:?}"
        );
        assert!(
            refused
                .iter()
                .any(|p| p.contains("vsphere_host") && p.contains("`\\e`")),
            "the refusal names the field and the character: {refused:?}"
        );
    }
    let servers = client.list_servers(ctx(), token).await.unwrap().unwrap();
    assert!(servers.is_empty(), "nothing was applied: {servers:?}");
}

/// What vCenter can be made to hold: XML 1.0 (and so SOAP) refuses ESC and BEL even as
/// character references, but carries CR, LF, the C1 CSI (which some terminals obey like
/// `ESC [`) and the right-to-left override.
const VCENTER_HOSTILE: &str = "web\r\nFORGED  INFO upstra_daemon: admin\u{9b}31m\u{202e}gpj";
const VCENTER_HOSTILE_XML: &str =
    "web&#13;&#10;FORGED  INFO upstra_daemon: admin&#x9b;31m&#x202e;gpj";

/// One vim25 call to `lab`'s vcsim, the session kept in `cookies`; returns the answer.
fn soap(lab: &OwnLab, ca: &str, cookies: &std::path::Path, body: &str) -> String {
    let envelope = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope \
         xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>{body}\
         </soapenv:Body></soapenv:Envelope>"
    );
    let jar = cookies.to_str().unwrap();
    let mut curl = Command::new("curl")
        .args(["-sS", "--cacert", ca, "-c", jar, "-b", jar])
        .args(["-H", "Content-Type: text/xml; charset=utf-8"])
        .args(["-H", "SOAPAction: urn:vim25/7.0"])
        .args(["--data-binary", "@-", &lab.vcsim_url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("curl runs");
    curl.stdin
        .take()
        .unwrap()
        .write_all(envelope.as_bytes())
        .unwrap();
    let out = curl.wait_with_output().unwrap();
    let answer = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && !answer.contains("Fault>"),
        "{answer}"
    );
    answer
}

/// Renames `vm` in `lab`'s vcsim as someone with access to vCenter could.
fn rename_in_vcenter(lab: &OwnLab, ca: &str, vm: &str, xml_name: &str) {
    let cookies = lab.dir.join("soap-cookies");
    soap(
        lab,
        ca,
        &cookies,
        &format!(
            "<Login xmlns=\"urn:vim25\"><_this type=\"SessionManager\">SessionManager</_this>\
         <userName>{}</userName><password>{}</password></Login>",
            lab.vcsim_user, lab.vcsim_password
        ),
    );
    let found = soap(
        lab,
        ca,
        &cookies,
        &format!(
            "<FindByInventoryPath xmlns=\"urn:vim25\"><_this type=\"SearchIndex\">SearchIndex</_this>\
         <inventoryPath>DC0/vm/{vm}</inventoryPath></FindByInventoryPath>"
        ),
    );
    let moref = found
        .split("<returnval type=\"VirtualMachine\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("{vm} not found: {found}"));
    soap(
        lab,
        ca,
        &cookies,
        &format!(
            "<Rename_Task xmlns=\"urn:vim25\"><_this type=\"VirtualMachine\">{moref}</_this>\
         <newName>{xml_name}</newName></Rename_Task>"
        ),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vm_renamed_in_vcenter_is_listed_as_data_and_logged_escaped() {
    let Some(peers) = upstra_tests::peers("hostile VM name from vCenter") else {
        return;
    };
    let lab = OwnLab::start(
        &peers,
        Size {
            clusters: 1,
            hosts_per_cluster: 1,
            vms_per_cluster: 1,
        },
    );
    let vm = lab.vms.first().cloned().expect("vcsim made a VM");
    rename_in_vcenter(
        &lab,
        peers.get("UPSTRA_PEER_VCSIM_CA"),
        &vm,
        VCENTER_HOSTILE_XML,
    );

    let dir = tempfile::tempdir().unwrap();
    let daemon = Daemon::start_with_log(dir.path(), "debug").await;
    let client = connect(&daemon.socket).await.unwrap();
    let token = setup_and_login(&client).await;
    let nut = format!(
        "{}:{}",
        peers.get("UPSTRA_PEER_NUT_HOST"),
        peers.get("UPSTRA_PEER_NUT_PORT")
    );
    let text = lab.lab_file(&LabFile {
        nut: &nut,
        grace_s: 60,
        restore_after_s: 60,
        pinned: None,
        tiered: false,
        plan: "",
    });
    let mut doc = parse(&text, &KnownNames::default()).expect("the lab file parses");
    doc.fill_secret(
        &SecretSlot::VCenter,
        Secret::new(lab.vcsim_password.clone()),
    );
    let spec = LabSpec::from(&doc.inventory);
    client
        .apply(ctx(), token.clone(), spec, false)
        .await
        .unwrap()
        .expect("the lab applies");

    // The name is data: the API hands it over exactly as vCenter has it.
    let listed = until(
        "the renamed VM in the list",
        Duration::from_secs(60),
        || {
            let (client, token) = (client.clone(), token.clone());
            async move {
                client.sync(ctx(), token.clone()).await.ok()?.ok()?;
                let vms = client.list_vms(ctx(), token).await.ok()?.ok()?;
                vms.into_iter().find(|v| v.name.contains("FORGED"))
            }
        },
    )
    .await;
    assert_eq!(listed.name, VCENTER_HOSTILE);
    let plan = client
        .plan_show(ctx(), token, Some("ups-one".into()))
        .await
        .unwrap()
        .expect("a plan for the UPS feeding the lab");
    // `plan show` names the VM as vCenter does; the CLI and the console escape it there.
    assert!(
        plan.steps
            .iter()
            .any(|s| s.target.contains(VCENTER_HOSTILE)),
        "{plan:?}"
    );

    let log = daemon.log();
    assert!(
        !log.contains(is_hostile_but_newline),
        "raw control in the log:\n{log:?}"
    );
    assert!(
        !log.lines().any(|l| l.trim_start().starts_with("FORGED")),
        "a VM name started a line of its own:\n{log}"
    );
}
