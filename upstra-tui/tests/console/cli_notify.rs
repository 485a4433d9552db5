//! `upstra notify test` and `upstra notify list` end to end: the built `upstra` against a
//! demo daemon in this process with one webhook channel, whose receiver is a real HTTP server
//! of the test's own.
#![cfg(feature = "demo")]

use crate::harness::{ok, text, upstra};

use upstra_core::api::v1::NotifyDelivery;
use upstra_tests::webhook::WebhookReceiver;

#[test]
fn an_admin_tests_a_channel_and_lists_deliveries_and_failures() {
    let hook = WebhookReceiver::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("upstrad.toml");
    std::fs::write(
        &config,
        format!(
            "[[notify.channel]]\nname = \"ops-hook\"\nkind = \"webhook\"\nurl = \"{}\"\n",
            hook.url()
        ),
    )
    .expect("config written");
    let loaded =
        upstra_daemon::config::load(Some(&config), &[], &Default::default()).expect("config loads");
    let daemon = runtime
        .block_on(upstra_daemon::demo::start_with(dir.path(), |c| {
            c.notify = loaded.notify
        }))
        .expect("demo daemon starts");
    let session = dir.path().join("session");
    let run = |args: &[&str], stdin: &str| upstra(&daemon.socket, &session, args, stdin);
    ok(run(
        &["login", "--user", &daemon.user, "--password-stdin"],
        &format!("{}\n", daemon.password),
    ));

    let said = ok(run(&["notify", "test", "ops-hook"], ""));
    assert_eq!(
        said,
        "test message delivered to ops-hook: HTTP 200 OK: ok\n"
    );
    assert_eq!(hook.received().len(), 1);

    hook.answer(503);
    let out = run(&["notify", "test", "ops-hook"], "");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(
        err.contains("the test message to ops-hook was not delivered: HTTP 503"),
        "{err}"
    );

    let out = run(&["notify", "test", "nope"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("configured: ops-hook"),
        "{}",
        text(&out.stderr)
    );

    let table = ok(run(&["notify", "list"], ""));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    for word in ["WHEN", "CHANNEL", "EVENT", "STATE", "ATTEMPTS", "ANSWER"] {
        assert!(lines[0].contains(word), "{table}");
    }
    assert!(
        lines[1].contains("notify_test")
            && lines[1].contains("failed")
            && lines[1].contains("HTTP 503"),
        "{table}"
    );
    assert!(
        lines[2].contains("delivered") && lines[2].contains("HTTP 200 OK"),
        "{table}"
    );

    let json = ok(run(&["notify", "list", "--json", "--limit", "1"], ""));
    let rows: Vec<NotifyDelivery> = serde_json::from_str(&json).expect("the API's JSON");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].channel.as_str(), rows[0].state.as_str()),
        ("ops-hook", "failed")
    );

    runtime.block_on(daemon.shutdown());
}
