//! `/metrics` of the real `upstrad`: the endpoint answers only `GET /metrics`, within its
//! bounds; on the real peers it shows the UPS, the servers and the calls, in an exposition
//! `promtool check metrics` finds nothing to say about; a real Prometheus server scraping it
//! through an outage has the charge series and the step-duration histogram; and the example
//! alert rules pass `promtool check rules` and their own `promtool test rules`.
//!
//! The outage test flips the harness's ups1, so this binary runs in nextest's `real-peers`
//! group (`.config/nextest.toml`).
#![allow(clippy::unwrap_used)]

#[path = "metrics/prom.rs"]
pub(crate) mod prom;
use crate::support;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use support::*;
use upstra_core::api::v1::*;
use upstra_core::events::DomainEvent;
use upstra_core::lab::{KnownNames, SecretSlot, parse};
use upstra_core::secret::Secret;
use upstra_tests::lab::{LabFile, OwnLab, Size, server_name};
use upstra_tests::nut::DevFile;

fn packaging() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../packaging/prometheus")
}

#[test]
fn the_alert_rules_pass_promtool_and_each_fires_on_the_daemon_series() {
    let Some(promtool) = prom::tool("promtool", "the alert rules") else {
        return;
    };
    for args in [
        ["check", "rules", "upstra-alerts.yml"],
        ["test", "rules", "upstra-alerts.test.yml"],
    ] {
        let out = std::process::Command::new(&promtool)
            .args(args)
            .current_dir(packaging())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "promtool {}: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test]
async fn the_endpoint_serves_get_metrics_and_refuses_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let port = prom::free_port();
    let listen = format!("127.0.0.1:{port}");
    let daemon = Daemon::start_with_env(
        dir.path(),
        &[
            ("UPSTRA_DRIVERS", "simulated"),
            ("UPSTRA_METRICS__LISTEN", &listen),
        ],
    )
    .await;
    let c = connect(&daemon.socket).await.unwrap();
    let t = setup_and_login(&c).await;
    // A wrong password, for the failed-login counter.
    let refused = c
        .login(
            ctx(),
            LoginRequest {
                user: ADMIN.into(),
                password: Secret::new("not the password"),
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(refused, Err(ApiError::BadCredentials)),
        "{refused:?}"
    );
    c.list_servers(ctx(), t.clone()).await.unwrap().unwrap();

    let scrape = prom::get(port, "/metrics").unwrap();
    assert_eq!(scrape.status, 200, "{}", scrape.head);
    assert!(
        scrape.head.contains("text/plain; version=0.0.4"),
        "{}",
        scrape.head
    );
    let body = &scrape.body;
    for line in [
        "upstra_build_info{version=\"0.1.0\"} 1",
        "upstra_rpc_calls_total{method=\"list_servers\",outcome=\"ok\"} 1",
        "upstra_rpc_calls_total{method=\"login\",outcome=\"bad_credentials\"} 1",
        "upstra_failed_logins_total 1",
    ] {
        assert!(body.contains(line), "no `{line}` in:\n{body}");
    }
    if let Some(promtool) = prom::tool("promtool", "promtool check metrics") {
        assert_eq!(prom::check_metrics(&promtool, body), "", "{body}");
    }

    assert_eq!(prom::get(port, "/").unwrap().status, 404);
    assert_eq!(prom::get(port, "/metrics/../admin").unwrap().status, 404);
    let post = prom::exchange(port, b"POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(post.status, 405);
    assert!(post.head.contains("Allow: GET"), "{}", post.head);
    assert_eq!(prom::exchange(port, b"HELLO\r\n\r\n").unwrap().status, 400);
    // A head past the bound is refused, not read on and on.
    let mut huge = b"GET /metrics HTTP/1.1\r\nX-Pad: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 64 * 1024));
    huge.extend_from_slice(b"\r\n\r\n");
    assert_eq!(
        prom::exchange(port, &huge).map(|a| a.status).unwrap_or(400),
        400
    );
    // A silent client holds one place at most (until the head timeout): others are served.
    let silent = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    assert_eq!(prom::get(port, "/metrics").unwrap().status, 200);
    drop(silent);
}

#[test]
fn a_taken_address_stops_the_daemon_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = taken.local_addr().unwrap().to_string();
    let out = upstrad()
        .env("UPSTRA_METRICS__LISTEN", &listen)
        .env("UPSTRA_DRIVERS", "simulated")
        .arg("--socket")
        .arg(dir.path().join("upstra.sock"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(empty_config(dir.path()))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot serve metrics on {listen}"))
            && stderr.contains("change [metrics] listen"),
        "{stderr}"
    );
}

/// The test's own vcsim and Redfish emulator over the harness's upsd, with a short grace.
fn lab_spec(peers: &upstra_tests::Peers, own: &OwnLab) -> LabSpec {
    let nut = format!(
        "{}:{}",
        peers.get("UPSTRA_PEER_NUT_HOST"),
        peers.get("UPSTRA_PEER_NUT_PORT")
    );
    let text = own.lab_file(&LabFile {
        nut: &nut,
        grace_s: 2,
        restore_after_s: 3,
        pinned: None,
        tiered: false,
        plan: "",
    });
    let mut doc = parse(&text, &KnownNames::default()).unwrap();
    let rf = Secret::new(own.redfish_password.clone());
    let servers: Vec<_> = doc.inventory.servers.keys().cloned().collect();
    for s in servers {
        doc.fill_secret(&SecretSlot::Bmc(s), rf.clone());
    }
    doc.fill_secret(
        &SecretSlot::VCenter,
        Secret::new(own.vcsim_password.clone()),
    );
    LabSpec::from(&doc.inventory)
}

#[tokio::test]
async fn a_real_prometheus_scrapes_the_lab_through_an_outage() {
    let Some(peers) = upstra_tests::peers("metrics on the peers") else {
        return;
    };
    let (Some(promtool), Some(prometheus)) = (
        prom::tool("promtool", "metrics on the peers"),
        prom::tool("prometheus", "metrics on the peers"),
    ) else {
        return;
    };
    let own = OwnLab::start(
        &peers,
        Size {
            clusters: 2,
            hosts_per_cluster: 1,
            vms_per_cluster: 1,
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let port = prom::free_port();
    let listen = format!("127.0.0.1:{port}");
    let server = prom::Prometheus::start(&prometheus, dir.path(), port);
    let daemon = Daemon::start_with_env(
        dir.path(),
        &[
            ("UPSTRA_METRICS__LISTEN", &listen),
            ("UPSTRA_UPS_POLL_INTERVAL", "250ms"),
            ("UPSTRA_SYNC_INTERVAL", "2s"),
        ],
    )
    .await;
    let c = connect(&daemon.socket).await.unwrap();
    let t = setup_and_login(&c).await;
    c.apply(ctx(), t.clone(), lab_spec(&peers, &own), false)
        .await
        .unwrap()
        .unwrap();
    let esx = server_name(&own.hosts[0][0]);

    // What the peers say, as the scrape shows it.
    let on = format!("upstra_server_power_state{{server=\"{esx}\",state=\"on\"}} 1");
    let body = until(
        "the UPS and the server in the scrape",
        Duration::from_secs(60),
        || {
            let on = on.clone();
            async move {
                let body = prom::get(port, "/metrics").ok()?.body;
                (body.contains("upstra_ups_charge_percent{ups=\"ups-one\"}")
                    && body.contains("upstra_ups_status{ups=\"ups-one\",flag=\"OL\"} 1")
                    && body.contains("upstra_ups_comms_up{ups=\"ups-one\"} 1")
                    && body.contains(&on)
                    && body.contains("upstra_peer_up{kind=\"vcenter\",peer=\"vcenter\"} 1")
                    && body.contains("upstra_vms{host="))
                .then_some(body)
            }
        },
    )
    .await;
    assert!(
        body.contains("upstra_rpc_calls_total{method=\"apply\",outcome=\"ok\"} 1"),
        "{body}"
    );
    assert!(
        body.contains("upstra_peer_read_duration_seconds_count{kind=\"ups\",peer=\"ups-one\"}"),
        "{body}"
    );
    assert_eq!(prom::check_metrics(&promtool, &body), "", "{body}");

    // Mains fails on ups-one: after the grace period, the shed runs its steps.
    let mut cursor = 0;
    let dev = DevFile::open(peers.get("UPSTRA_PEER_NUT_DIR").as_ref(), "ups1");
    dev.set(&[("ups.status", "OB DISCHRG")]);
    wait_event(
        &c,
        &t,
        &mut cursor,
        "a step's end",
        Duration::from_secs(120),
        |e| matches!(e, DomainEvent::StepEnded { .. }),
    )
    .await;

    // Prometheus has it all, through its own scrapes.
    until(
        "the charge series in Prometheus",
        Duration::from_secs(60),
        || async {
            let found = server.query("upstra_ups_charge_percent{ups=\"ups-one\"}");
            (!found.is_empty()).then_some(())
        },
    )
    .await;
    until(
        "the step-duration histogram in Prometheus",
        Duration::from_secs(60),
        || async {
            let found = server.query("sum by (kind) (upstra_step_duration_seconds_count) > 0");
            (!found.is_empty()).then_some(())
        },
    )
    .await;
    until(
        "on battery in Prometheus",
        Duration::from_secs(60),
        || async {
            let found = server.query("upstra_ups_status{ups=\"ups-one\",flag=\"OB\"} == 1");
            (!found.is_empty()).then_some(())
        },
    )
    .await;
    let scraped = prom::get(port, "/metrics").unwrap().body;
    assert_eq!(prom::check_metrics(&promtool, &scraped), "", "{scraped}");
    assert!(
        scraped.contains("upstra_plan_phase{ups=\"ups-one\",phase=\"triggered\"} 1")
            && scraped.contains("upstra_plan_makespan_seconds{ups=\"ups-one\"}"),
        "{scraped}"
    );
    // Mains back for the other tests before anything else is torn down.
    drop(dev);
    drop(daemon);
}
