//! Notifications through the outage story, against webhook receivers of the test's own (real
//! HTTP servers on loopback): what is sent, in which language, signed how, exactly once even
//! when the receiver is down or answers 500 and the daemon restarts in between, and quiet
//! when mains flaps inside the grace period.
//!
//! Two webhooks and a real SMTP server (aiosmtpd) take every message of the story; the SMTP
//! server is also down during an outage and back after a daemon restart.

use std::collections::BTreeMap;
use std::time::Duration;

use sha2::Digest;
use upstra_core::events::DomainEvent;
use upstra_tests::lab::Size;
use upstra_tests::nut::DevFile;
use upstra_tests::smtp::{OwnSmtp, SmtpOptions};
use upstra_tests::webhook::{Received, WebhookReceiver};

use crate::lab::*;
use crate::support::*;

/// The HMAC key of the English channel.
const SECRET: &str = "s3cret-hook-key";
/// Identical alerts and mains flips coalesce within this; short, so the flapping summary
/// comes soon after the flapping stops.
const WINDOW: &str = "10s";

fn small() -> Size {
    Size {
        clusters: 2,
        hosts_per_cluster: 2,
        vms_per_cluster: 2,
    }
}

/// `upstrad.toml` with two webhook channels, `en` (signed) and `fr`, and an SMTP channel
/// `mail` (English) when a server is given, all on every message.
fn config(
    dir: &std::path::Path,
    en: &WebhookReceiver,
    fr: &WebhookReceiver,
    mail: Option<&OwnSmtp>,
    extra: &str,
) {
    let secret = dir.join("hook.secret");
    std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
    std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let (mail_channel, mail_route) = match mail {
        Some(smtp) => (
            format!(
                "[[notify.channel]]\nname = \"mail\"\nkind = \"smtp\"\nurl = \"{}\"\n\
                 from = \"upstra@lab.example\"\nto = [\"ops@lab.example\", \"oncall@lab.example\"]\n",
                smtp.url()
            ),
            ", \"mail\"",
        ),
        None => (String::new(), ""),
    };
    std::fs::write(
        dir.join("upstrad.toml"),
        format!(
            "[notify]\ncoalesce_window = \"{WINDOW}\"\n{extra}\n\
             [[notify.channel]]\nname = \"hook-en\"\nkind = \"webhook\"\nurl = \"{}\"\nsecret_file = \"{}\"\n\
             [[notify.channel]]\nname = \"hook-fr\"\nkind = \"webhook\"\nurl = \"{}\"\nlanguage = \"fr\"\n\
             {mail_channel}\
             [[notify.route]]\nchannels = [\"hook-en\", \"hook-fr\"{mail_route}]\nevents = [\"*\"]\n",
            en.url(),
            secret.display(),
            fr.url()
        ),
    )
    .unwrap();
}

/// The messages the SMTP server took, by `X-Upstra-Kind` (with the plan of a finished plan,
/// from the subject), and how often each Message-ID arrived.
fn mailed(smtp: &OwnSmtp) -> (Vec<String>, BTreeMap<String, usize>) {
    let mut seen = BTreeMap::new();
    let mut kinds = Vec::new();
    for m in smtp.messages() {
        let id = m.message_id().unwrap_or_default();
        let n = seen.entry(id).or_insert(0);
        *n += 1;
        if *n == 1 {
            let kind = m.header("X-Upstra-Kind").unwrap_or_default();
            let subject = m.subject().unwrap_or_default().to_lowercase();
            let plan = if kind != "plan_finished" {
                ""
            } else if subject.contains("restore") {
                ":restore"
            } else {
                ":shed"
            };
            kinds.push(format!("{kind}{plan}"));
        }
    }
    (kinds, seen)
}

/// The SMTP server took the story's messages, in order, each Message-ID once.
fn assert_mailed_story(mail: &OwnSmtp) {
    let (kinds, times) = mailed(mail);
    assert_eq!(kinds, STORY, "mail: {}", mail.log());
    assert!(
        times.values().all(|n| *n == 1),
        "mail: taken twice: {times:?}"
    );
}

/// Waits until the SMTP server has taken `n` distinct messages.
async fn wait_mailed(smtp: &OwnSmtp, n: usize, within: Duration, what: &str) {
    until(what, within, || async {
        (mailed(smtp).0.len() >= n).then_some(())
    })
    .await;
}

/// HMAC-SHA256 written out from RFC 2104, so the test does not check the daemon's signature
/// with the daemon's own code.
fn hmac_sha256(key: &[u8], body: &[u8]) -> String {
    let mut k = [0u8; 64];
    k[..key.len()].copy_from_slice(key);
    let pad = |b: u8| k.iter().map(|x| x ^ b).collect::<Vec<u8>>();
    let inner = sha2::Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(body)
        .finalize();
    let outer = sha2::Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    hex::encode(outer)
}

fn body(r: &Received) -> serde_json::Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.text()))
}

/// The messages a receiver took (answered 2xx), each once per id, in arrival order, and how
/// often each id was taken.
fn delivered(hook: &WebhookReceiver) -> (Vec<serde_json::Value>, BTreeMap<String, usize>) {
    let mut seen = BTreeMap::new();
    let mut out = Vec::new();
    for r in hook.received().iter().filter(|r| r.answered < 300) {
        let b = body(r);
        let id = b["id"].as_str().unwrap_or_default().to_owned();
        let n = seen.entry(id).or_insert(0);
        *n += 1;
        if *n == 1 {
            out.push(b);
        }
    }
    (out, seen)
}

fn kinds(messages: &[serde_json::Value]) -> Vec<String> {
    messages
        .iter()
        .map(|m| {
            let plan = m["details"]["plan"].as_str().map(|p| format!(":{p}"));
            format!(
                "{}{}",
                m["kind"].as_str().unwrap_or("?"),
                plan.unwrap_or_default()
            )
        })
        .collect()
}

/// What the outage story sends, in order.
const STORY: [&str; 5] = [
    "ups_on_battery",
    "plan_triggered",
    "plan_finished:shed",
    "ups_on_mains",
    "plan_finished:restore",
];

/// Waits until `hook` has taken `n` distinct messages.
async fn wait_messages(hook: &WebhookReceiver, n: usize, within: Duration, what: &str) {
    until(what, within, || async {
        (delivered(hook).0.len() >= n).then_some(())
    })
    .await;
}

/// After the last expected message, a receiver gets nothing more: what arrives within the
/// coalescing window and a margin would be a duplicate or a message too many.
async fn settle() {
    tokio::time::sleep(Duration::from_secs(15)).await;
}

#[tokio::test]
async fn the_outage_story_sends_each_message_once_per_channel_in_its_language_signed() {
    let Some(peers) = upstra_tests::peers("notifications of the outage story") else {
        return;
    };
    let lab = Lab::start(peers, small());
    let dir = tempfile::tempdir().unwrap();
    let en = WebhookReceiver::start();
    let fr = WebhookReceiver::start();
    let Some(mail) = OwnSmtp::start("notifications of the outage story", SmtpOptions::plain())
    else {
        return;
    };
    config(dir.path(), &en, &fr, Some(&mail), "");
    let (_daemon, c, t) = daemon(&lab, dir.path()).await;
    let mut cursor = 0;

    let dev = DevFile::open(lab.nut_dir(), "ups1");
    dev.set(&[("ups.status", "OB DISCHRG")]);
    wait_run_end(&c, &t, &mut cursor, "shed", Duration::from_secs(180)).await;
    drop(dev);
    wait_run_end(&c, &t, &mut cursor, "restore", Duration::from_secs(240)).await;
    wait_messages(
        &en,
        STORY.len(),
        Duration::from_secs(60),
        "the story's messages (en)",
    )
    .await;
    wait_messages(
        &fr,
        STORY.len(),
        Duration::from_secs(60),
        "the story's messages (fr)",
    )
    .await;
    wait_mailed(
        &mail,
        STORY.len(),
        Duration::from_secs(60),
        "the story's messages (mail)",
    )
    .await;
    settle().await;

    assert_mailed_story(&mail);
    let first = &mail.messages()[0];
    assert!(
        first
            .subject()
            .unwrap_or_default()
            .contains("ups-one on battery"),
        "{:?}",
        first.subject()
    );
    let to = first.to().unwrap_or_default();
    assert!(
        to.contains("ops@lab.example") && to.contains("oncall@lab.example"),
        "{to}"
    );

    for (hook, lang) in [(&en, "en"), (&fr, "fr")] {
        let (messages, times) = delivered(hook);
        assert_eq!(kinds(&messages), STORY, "{lang}: {messages:#?}");
        assert!(
            times.values().all(|n| *n == 1),
            "{lang}: sent twice: {times:?}"
        );
        for r in hook.received() {
            assert_eq!(r.method, "POST");
            assert_eq!(
                r.headers.get("content-type").map(String::as_str),
                Some("application/json")
            );
        }
        let ids: Vec<&str> = messages.iter().map(|m| m["id"].as_str().unwrap()).collect();
        assert!(
            ids.iter().all(|id| id.ends_with(&format!("-hook-{lang}"))),
            "{ids:?}"
        );
        for m in &messages {
            assert_eq!(m["site"], "upstra");
            assert!(m["at"].as_str().unwrap().ends_with('Z'), "{m}");
            if m["kind"].as_str().unwrap().starts_with("ups_") {
                assert_eq!(m["details"]["ups"], "ups-one", "{m}");
            }
        }
    }
    let (en_m, _) = delivered(&en);
    let (fr_m, _) = delivered(&fr);
    assert!(
        en_m[0]["title"]
            .as_str()
            .unwrap()
            .contains("ups-one on battery"),
        "{}",
        en_m[0]
    );
    assert!(
        fr_m[0]["title"]
            .as_str()
            .unwrap()
            .contains("ups-one sur batterie"),
        "{}",
        fr_m[0]
    );
    let triggered = &en_m[1];
    assert!(
        triggered["details"]["makespan_s"].as_u64().is_some(),
        "{triggered}"
    );
    // The harness's dummy UPS reports an hour of runtime.
    assert_eq!(triggered["details"]["runtime_s"], 3600, "{triggered}");
    assert!(
        triggered["body"]
            .as_str()
            .unwrap()
            .contains("predicted to take "),
        "{triggered}"
    );
    assert!(
        triggered["body"]
            .as_str()
            .unwrap()
            .ends_with(" against runtime left 1 h 0 min."),
        "{triggered}"
    );
    assert_eq!(en_m[2]["details"]["failed"], 0, "{}", en_m[2]);
    assert_eq!(en_m[2]["details"]["state"], "finished", "{}", en_m[2]);
    assert!(
        en_m[4]["body"].as_str().unwrap().contains("Verified back"),
        "{}",
        en_m[4]
    );
    assert!(
        fr_m[4]["body"]
            .as_str()
            .unwrap()
            .contains("Vérifié de retour"),
        "{}",
        fr_m[4]
    );

    // The English channel signs; the French one has no secret and does not.
    for r in en.received() {
        let sig = r.headers.get("x-upstra-signature").expect("a signature");
        assert_eq!(
            sig,
            &hmac_sha256(SECRET.as_bytes(), &r.body),
            "{}",
            r.text()
        );
    }
    assert!(
        fr.received()
            .iter()
            .all(|r| !r.headers.contains_key("x-upstra-signature"))
    );
}

#[tokio::test]
async fn mains_flapping_every_two_seconds_for_a_minute_is_one_message() {
    let Some(peers) = upstra_tests::peers("notifications of flapping mains") else {
        return;
    };
    let mut lab = Lab::start(peers, small());
    // Each flip stays 2 s on battery: well inside the grace period, nothing is shed.
    lab.grace_s = 30;
    let dir = tempfile::tempdir().unwrap();
    let en = WebhookReceiver::start();
    let fr = WebhookReceiver::start();
    config(dir.path(), &en, &fr, None, "");
    let (_daemon, c, t) = daemon(&lab, dir.path()).await;
    let mut cursor = 0;

    let dev = DevFile::open(lab.nut_dir(), "ups1");
    let mut flips = tokio::time::interval(Duration::from_secs(2));
    let mut failures = 0;
    for i in 0..30 {
        flips.tick().await;
        if i % 2 == 0 {
            dev.set(&[("ups.status", "OB DISCHRG")]);
            failures += 1;
        } else {
            dev.set(&[("ups.status", "OL")]);
        }
    }
    flips.tick().await;
    dev.set(&[("ups.status", "OL")]);
    wait_event(
        &c,
        &t,
        &mut cursor,
        "a return of mains",
        Duration::from_secs(20),
        |e| matches!(e, DomainEvent::OutagePowerReturned { .. }),
    )
    .await;
    wait_messages(&en, 1, Duration::from_secs(60), "the flapping message (en)").await;
    wait_messages(&fr, 1, Duration::from_secs(60), "the flapping message (fr)").await;
    settle().await;
    for (hook, lang) in [(&en, "en"), (&fr, "fr")] {
        let (messages, _) = delivered(hook);
        assert_eq!(
            kinds(&messages),
            ["ups_mains_flapping"],
            "{lang}: {messages:#?}"
        );
        let told = messages[0]["details"]["failures"].as_u64().unwrap();
        assert!(
            (told as i64 - failures).abs() <= 2,
            "{lang}: {told} failures told, {failures} made"
        );
    }
    let (en_m, _) = delivered(&en);
    let body = en_m[0]["body"].as_str().unwrap();
    assert!(
        body.contains("Mains failed and returned") && body.contains("nothing done"),
        "{body}"
    );
    let status = c.plan_status(ctx(), t.clone()).await.unwrap().unwrap();
    assert!(status.recent.is_empty(), "nothing was shed: {status:#?}");
}

#[tokio::test]
async fn a_receiver_down_then_answering_500_across_a_restart_gets_every_message_once() {
    let Some(peers) = upstra_tests::peers("notifications across a receiver outage") else {
        return;
    };
    let lab = Lab::start(peers, small());
    let dir = tempfile::tempdir().unwrap();
    let mut en = WebhookReceiver::start();
    let fr = WebhookReceiver::start();
    let Some(mut mail) = OwnSmtp::start(
        "notifications across a receiver outage",
        SmtpOptions::plain(),
    ) else {
        return;
    };
    // The SMTP server is down for the whole outage and the restart.
    mail.stop();
    config(
        dir.path(),
        &en,
        &fr,
        Some(&mail),
        "backoff_min = \"1s\"\nbackoff_max = \"3s\"\nretry_for = \"1h\"\n",
    );
    let (mut daemon, mut c, t) = daemon(&lab, dir.path()).await;
    let mut cursor = 0;
    en.answer(500);

    let dev = DevFile::open(lab.nut_dir(), "ups1");
    dev.set(&[("ups.status", "OB DISCHRG")]);
    wait_run_end(&c, &t, &mut cursor, "shed", Duration::from_secs(180)).await;
    until(
        "a 500 answered to the daemon",
        Duration::from_secs(60),
        || async {
            en.received()
                .iter()
                .any(|r| r.answered == 500)
                .then_some(())
        },
    )
    .await;
    // The receiver goes away entirely, and the daemon restarts while messages wait.
    en.down();
    daemon.stop();
    let mut settings = env();
    settings.push((
        "UPSTRA_NUT__USERS_FILE",
        lab.peers.get("UPSTRA_PEER_NUT_USERS_FILE"),
    ));
    daemon = Daemon::start_with_env(dir.path(), &settings).await;
    c = connect(&daemon.socket).await.unwrap();
    drop(dev);
    wait_run_end(&c, &t, &mut cursor, "restore", Duration::from_secs(240)).await;
    en.answer(200);
    en.up();
    mail.start_again();
    wait_messages(
        &en,
        STORY.len(),
        Duration::from_secs(120),
        "every message after the receiver's return",
    )
    .await;
    wait_messages(
        &fr,
        STORY.len(),
        Duration::from_secs(60),
        "every message on the other channel",
    )
    .await;
    wait_mailed(
        &mail,
        STORY.len(),
        Duration::from_secs(120),
        "every message after the SMTP server's return",
    )
    .await;
    settle().await;
    assert_mailed_story(&mail);
    for (hook, lang) in [(&en, "en"), (&fr, "fr")] {
        let (messages, times) = delivered(hook);
        assert_eq!(kinds(&messages), STORY, "{lang}: {messages:#?}");
        assert!(
            times.values().all(|n| *n == 1),
            "{lang}: taken twice: {times:?}"
        );
    }
    assert!(
        en.received().iter().filter(|r| r.answered == 500).count() >= 1,
        "the receiver answered 500 at least once"
    );
    let _ = daemon;
}
