//! Control characters from users, lab files and peers reach every screen and log escaped.
//!
//! A name built to attack whoever reads it: it clears the screen, rings the bell, sets the
//! window title, starts a new line that looks like one of the daemon's own, and turns the
//! rest of the line right to left. The daemon must keep it as data where it is data (the
//! audit record of a failed login), refuse it where it would become a declared name, and never
//! let it out raw in its log.

use std::time::Duration;

use upstra_core::api::v1::{ApiError, AuditQuery, LabSpec, LoginRequest, SetupRequest};
use upstra_core::lab::{KnownNames, parse};
use upstra_core::secret::Secret;
use upstra_core::text::is_hostile;

use crate::support::{Daemon, connect, ctx, setup_and_login, until};

/// The forged line a newline in a field would start, as the daemon's formatter writes one.
const FORGED: &str = "INFO upstra_daemon: first admin created user=mallory";

fn hostile_name() -> String {
    format!("eve\u{1b}[2J\u{1b}]0;owned\u{7}\r\n2026-01-01T00:00:00Z  {FORGED}\u{202e}gpj.exe")
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
                limit: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
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
