//! The client against a fake upsd on loopback that replays recorded replies or misbehaves on
//! purpose: silence, dropped connections, garbage. The real upsd is in `peer.rs`; these are the
//! failures it cannot be made to produce on demand.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use upstra_adapter_nut::{
    CommandError, Confirmation, Connection, DelayHandling, NutConfig, NutError, NutMonitor,
    UpsCommander,
};
use upstra_core::state::UpsFlag;
use upstra_core::traits::{AdapterError, UpsMonitor};

const LIST_VAR_OL: &str = include_str!("fixtures/list_var_ol.txt");

/// What the fake does with one command line.
enum Act {
    Reply(String),
    /// Answer with raw bytes (not UTF-8).
    Bytes(Vec<u8>),
    /// Never answer (keep the connection open).
    Silent,
    /// Close the connection.
    Close,
}

/// A fake upsd: `act(connection number from 0, command line)` decides every answer.
struct Fake {
    port: u16,
    accepted: Arc<AtomicUsize>,
    received: Arc<Mutex<Vec<String>>>,
}

async fn fake(act: impl Fn(usize, &str) -> Act + Send + Sync + 'static) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener
        .local_addr()
        .map(|a: SocketAddr| a.port())
        .expect("port");
    let accepted = Arc::new(AtomicUsize::new(0));
    let received = Arc::new(Mutex::new(Vec::new()));
    let act = Arc::new(act);
    let (acc, rec) = (Arc::clone(&accepted), Arc::clone(&received));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let n = acc.fetch_add(1, Ordering::SeqCst);
            let (act, rec) = (Arc::clone(&act), Arc::clone(&rec));
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    rec.lock().expect("lock").push(line.clone());
                    match act(n, &line) {
                        Act::Reply(text) => {
                            if write.write_all(text.as_bytes()).await.is_err() {
                                return;
                            }
                        }
                        Act::Bytes(bytes) => {
                            if write.write_all(&bytes).await.is_err() {
                                return;
                            }
                        }
                        Act::Silent => {}
                        Act::Close => return,
                    }
                }
            });
        }
    });
    Fake {
        port,
        accepted,
        received,
    }
}

fn config(timeout_ms: u64, reconnect_min_ms: u64) -> NutConfig {
    NutConfig {
        timeout: Duration::from_millis(timeout_ms),
        reconnect_min: Duration::from_millis(reconnect_min_ms),
        reconnect_max: Duration::from_secs(30),
    }
}

/// Answers logins with OK and `LIST VAR ups1` with the recording.
fn upsd_like(line: &str) -> Act {
    if line.starts_with("USERNAME ") || line.starts_with("PASSWORD ") {
        Act::Reply("OK\n".into())
    } else if line == "LIST VAR ups1" {
        Act::Reply(LIST_VAR_OL.into())
    } else {
        Act::Reply("ERR UNKNOWN-COMMAND\n".into())
    }
}

#[tokio::test]
async fn reads_a_recording_and_logs_in_with_a_quoted_password() {
    let fake = fake(|_, line| upsd_like(line)).await;
    let monitor = NutMonitor::new(NutConfig::default());
    let ups = common::ups(
        "ups1",
        "127.0.0.1",
        fake.port,
        Some(("mon", "pass \"word\"")),
    );
    let reading = monitor.read(&ups).await.expect("reads");
    assert_eq!(reading.flags, vec![UpsFlag::Ol]);
    assert_eq!(
        (reading.charge_pct, reading.runtime_s),
        (Some(100.0), Some(3600))
    );
    // A second read reuses the connection: no new login.
    monitor.read(&ups).await.expect("reads again");
    let got = fake.received.lock().expect("lock").clone();
    assert_eq!(
        got,
        [
            "USERNAME mon",
            r#"PASSWORD "pass \"word\"""#,
            "LIST VAR ups1",
            "LIST VAR ups1"
        ]
    );
    assert_eq!(fake.accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_silent_upsd_times_out_and_its_connection_is_replaced() {
    // The first connection never answers; the second behaves.
    let fake = fake(|n, line| if n == 0 { Act::Silent } else { upsd_like(line) }).await;
    let monitor = NutMonitor::new(config(300, 1));
    let ups = common::ups("ups1", "127.0.0.1", fake.port, None);
    let err = monitor.read(&ups).await.expect_err("times out");
    assert_eq!(
        err,
        AdapterError::Unreachable {
            peer: format!("ups1@127.0.0.1:{}", fake.port),
            reason: "timed out after 300 ms".into()
        }
    );
    // The timed-out connection may still deliver a late reply: it must not be reused.
    let mut tries = 0;
    let reading = loop {
        tries += 1;
        match monitor.read(&ups).await {
            Ok(r) => break r,
            // The 1 ms backoff may not have passed yet.
            Err(e) if tries < 100 => assert!(e.to_string().contains("timed out"), "{e}"),
            Err(e) => panic!("never recovered: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert!(reading.has(&UpsFlag::Ol));
    assert_eq!(fake.accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_failed_upsd_is_not_hammered_during_the_backoff() {
    let fake = fake(|_, _| Act::Close).await;
    let monitor = NutMonitor::new(config(2000, 60_000));
    let ups = common::ups("ups1", "127.0.0.1", fake.port, None);
    let first = monitor.reading(&ups).await.expect_err("closed");
    assert_eq!(first, NutError::Closed);
    for _ in 0..5 {
        let again = monitor.reading(&ups).await.expect_err("still failing");
        assert_eq!(again, NutError::Closed, "the same reason, from memory");
    }
    assert_eq!(fake.accepted.load(Ordering::SeqCst), 1, "one attempt only");
}

#[tokio::test]
async fn a_kept_connection_that_died_is_replaced_within_the_same_read() {
    // Each connection answers one LIST VAR, then is closed by the "restarted" upsd.
    let served = Arc::new(AtomicUsize::new(0));
    let s = Arc::clone(&served);
    let fake = fake(move |n, line| {
        if s.load(Ordering::SeqCst) > n {
            Act::Close
        } else {
            s.fetch_add(1, Ordering::SeqCst);
            upsd_like(line)
        }
    })
    .await;
    let monitor = NutMonitor::new(config(2000, 60_000));
    let ups = common::ups("ups1", "127.0.0.1", fake.port, None);
    monitor.reading(&ups).await.expect("first read");
    monitor
        .reading(&ups)
        .await
        .expect("second read, on a new connection");
    assert_eq!(fake.accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_interrupted_command_poisons_its_connection() {
    let fake = fake(|_, _| Act::Silent).await;
    let mut conn = Connection::connect("127.0.0.1", fake.port)
        .await
        .expect("connects");
    let cut = tokio::time::timeout(
        Duration::from_millis(50),
        conn.get_var("ups1", "ups.status"),
    );
    assert!(cut.await.is_err(), "the silent fake never answers");
    assert!(conn.is_poisoned());
    let err = conn.ver().await.expect_err("refused");
    assert!(matches!(err, NutError::Protocol(_)), "{err:?}");
}

#[tokio::test]
async fn garbage_is_a_protocol_error_never_a_crash() {
    let cases: &[&str] = &[
        "BEGIN LIST VAR ups1\nVAR ups1 x \"open\nEND LIST VAR ups1\n",
        "BEGIN LIST VAR ups1\nVAR ups1 x\nEND LIST VAR ups1\n",
        "hello\n",
        "BEGIN LIST VAR ups1\nVAR ups1 ups.status \"OL\"\n",
    ];
    for reply in cases {
        let reply = (*reply).to_owned();
        let fake = fake(move |_, _| Act::Reply(reply.clone())).await;
        let monitor = NutMonitor::new(config(300, 1));
        let ups = common::ups("ups1", "127.0.0.1", fake.port, None);
        let err = monitor.reading(&ups).await.expect_err("refused");
        assert!(
            matches!(err, NutError::Protocol(_) | NutError::TimedOut { .. }),
            "{err:?}"
        );
    }
    // A line that never ends is cut at 64 KiB.
    let fake = fake(|_, _| Act::Reply("x".repeat(70_000))).await;
    let monitor = NutMonitor::new(config(2000, 1));
    let ups = common::ups("ups1", "127.0.0.1", fake.port, None);
    let err = monitor.reading(&ups).await.expect_err("too long");
    assert!(err.to_string().contains("longer than"), "{err}");
}

#[tokio::test]
async fn latin1_values_are_read_not_refused() {
    let reply = b"BEGIN LIST VAR ups1\nVAR ups1 ups.mfr \"M\xfcller\"\nVAR ups1 ups.status \"OL\"\nEND LIST VAR ups1\n";
    let fake = fake(|_, _| Act::Bytes(reply.to_vec())).await;
    let mut conn = Connection::connect("127.0.0.1", fake.port)
        .await
        .expect("connects");
    let vars = conn.list_var("ups1").await.expect("lossy, not refused");
    assert_eq!(vars["ups.status"], "OL");
    assert_eq!(vars["ups.mfr"], "M\u{fffd}ller");
}

/// A fake upsd serving one UPS `u` that offers `shutdown.return` and reports no delay
/// variable; `tracking` answers `SET TRACKING ON`, `result` answers `GET TRACKING`.
async fn fake_commandable(tracking: &'static str, result: &'static str) -> Fake {
    fake(move |_, line| {
        let words: Vec<&str> = line.split(' ').collect();
        Act::Reply(match words.as_slice() {
            ["LIST", "CMD", "u"] => {
                "BEGIN LIST CMD u\nCMD u shutdown.return\nEND LIST CMD u\n".into()
            }
            ["LIST", "RW", "u"] => "BEGIN LIST RW u\nEND LIST RW u\n".into(),
            ["LIST", "VAR", "u"] => {
                "BEGIN LIST VAR u\nVAR u ups.status \"OB\"\nEND LIST VAR u\n".into()
            }
            ["SET", "TRACKING", "ON"] => format!("{tracking}\n"),
            ["INSTCMD", ..] if tracking == "OK" => "OK TRACKING 1234-abcd\n".into(),
            ["GET", "TRACKING", _] => format!("{result}\n"),
            _ => "OK\n".into(),
        })
    })
    .await
}

fn commandable_ups(port: u16) -> upstra_core::model::Ups {
    common::ups("u", "127.0.0.1", port, Some(("cmd", "pass")))
}

#[tokio::test]
async fn an_upsd_without_tracking_gets_the_command_untracked_with_the_delay_as_its_value() {
    let fake = fake_commandable("ERR UNKNOWN-COMMAND", "").await;
    let sent = UpsCommander::default()
        .ups_off_then_return(&commandable_ups(fake.port), Duration::from_secs(75))
        .await
        .expect("sent");
    assert_eq!(sent.confirmation, Confirmation::Untracked);
    assert_eq!(sent.plan.delay, DelayHandling::AsValue);
    assert_eq!(sent.delay_s, None);
    let received = fake.received.lock().expect("lock").clone();
    let instcmds: Vec<&String> = received
        .iter()
        .filter(|l| l.starts_with("INSTCMD"))
        .collect();
    assert_eq!(instcmds, ["INSTCMD u shutdown.return 75"], "{received:?}");
}

#[tokio::test]
async fn a_driver_that_refuses_the_value_is_reported_as_not_offering_the_command() {
    let fake = fake_commandable("OK", "ERR INVALID-ARGUMENT").await;
    let err = UpsCommander::default()
        .ups_off_then_return(&commandable_ups(fake.port), Duration::from_secs(75))
        .await
        .expect_err("refused by the driver");
    assert!(
        matches!(&err, CommandError::NotOffered { offered, .. } if offered == &["shutdown.return"]),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_statuses_of_one_upsd_share_a_round_trip_on_the_connection_the_reads_use() {
    let fake = fake(|_, line| match line {
        "GET VAR ups1 ups.status" => Act::Reply("VAR ups1 ups.status \"OB DISCHRG\"\n".into()),
        "GET VAR ups2 ups.status" => Act::Reply("ERR DATA-STALE\n".into()),
        _ => upsd_like(line),
    })
    .await;
    let monitor = NutMonitor::new(NutConfig::default());
    let ups1 = common::ups("ups1", "127.0.0.1", fake.port, None);
    let ups2 = common::ups("ups2", "127.0.0.1", fake.port, None);
    assert!(monitor.has_cheap_status(&ups1));
    monitor.read(&ups1).await.expect("reads");
    let both = [ups1, ups2];
    let answers = UpsMonitor::read_statuses(&monitor, &both).await;
    assert_eq!(answers[0], Ok(vec![UpsFlag::Ob, UpsFlag::Dischrg]));
    // An ERR concerns its UPS alone.
    assert!(answers[1].is_err(), "{answers:?}");
    let got = fake.received.lock().expect("lock").clone();
    assert_eq!(
        got,
        [
            "LIST VAR ups1",
            "GET VAR ups1 ups.status",
            "GET VAR ups2 ups.status"
        ]
    );
    assert_eq!(fake.accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_full_reads_of_one_upsd_leave_in_one_write_and_an_err_concerns_its_ups_alone() {
    // upsd answers ups1 only once ups2's command has arrived too: a client that waited for
    // each reply before sending the next command would never see it.
    let fake = fake(|_, line| match line {
        "LIST VAR ups1" => Act::Silent,
        "LIST VAR ups2" => Act::Reply(format!("{LIST_VAR_OL}ERR UNKNOWN-UPS\n")),
        _ => upsd_like(line),
    })
    .await;
    let monitor = NutMonitor::new(NutConfig::default());
    let both = two_ups(fake.port);
    let readings = UpsMonitor::read_many(&monitor, &both).await;
    let first = readings[0].as_ref().expect("ups1 reads");
    assert_eq!(first.flags, vec![UpsFlag::Ol]);
    assert!(
        matches!(&readings[1], Err(AdapterError::NotFound { .. })),
        "{readings:?}"
    );
    let got = fake.received.lock().expect("lock").clone();
    assert_eq!(got, ["LIST VAR ups1", "LIST VAR ups2"]);
    assert_eq!(fake.accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_kept_connection_that_breaks_halfway_through_the_full_reads_is_replaced_and_all_answer() {
    // The first connection closes after answering ups1, before ups2: that kept connection died,
    // so the whole batch is asked again once on a new one.
    let fake = fake(|n, line| match line {
        "LIST VAR ups2" if n == 0 => Act::Close,
        "LIST VAR ups2" => Act::Reply(LIST_VAR_OL.replace("ups1", "ups2")),
        _ => upsd_like(line),
    })
    .await;
    let monitor = NutMonitor::new(NutConfig::default());
    let both = two_ups(fake.port);
    monitor.read(&both[0]).await.expect("ups1 reads alone");
    let readings = UpsMonitor::read_many(&monitor, &both).await;
    for reading in &readings {
        assert_eq!(reading.as_ref().expect("reads").flags, vec![UpsFlag::Ol]);
    }
    assert_eq!(fake.accepted.load(Ordering::SeqCst), 2);
    let got = fake.received.lock().expect("lock").clone();
    assert_eq!(
        got,
        [
            "LIST VAR ups1",
            "LIST VAR ups1",
            "LIST VAR ups2",
            "LIST VAR ups1",
            "LIST VAR ups2"
        ]
    );
}

/// A reply line over the client's 64 KiB limit: the conversation cannot be followed past it.
fn oversized_line() -> String {
    format!("VAR ups1 ups.status \"{}\"\n", "x".repeat(70 * 1024))
}

/// ups1's `LIST VAR` reply with a variable over that limit.
fn oversized_list() -> Act {
    Act::Reply(format!(
        "BEGIN LIST VAR ups1\n{}END LIST VAR ups1\n",
        oversized_line()
    ))
}

/// ups1 and ups2 on the fake upsd of `port`, and a monitor that waits a minute before it
/// reconnects after a failure.
fn two_ups_on(port: u16) -> (NutMonitor, [upstra_core::model::Ups; 2]) {
    (NutMonitor::new(config(2_000, 60_000)), two_ups(port))
}

/// A fake upsd whose ups1 reports a variable over the client's limit and whose ups2 is sane.
async fn upsd_with_a_broken_ups1() -> Fake {
    fake(|_, line| match line {
        "LIST VAR ups1" => oversized_list(),
        "LIST VAR ups2" => Act::Reply(LIST_VAR_OL.replace("ups1", "ups2")),
        _ => upsd_like(line),
    })
    .await
}

impl Fake {
    /// How many times `command` reached this fake.
    fn times_asked(&self, command: &str) -> usize {
        let received = self.received.lock().expect("lock");
        received.iter().filter(|l| *l == command).count()
    }
}

/// ups1 and ups2 on the fake upsd of `port`.
fn two_ups(port: u16) -> [upstra_core::model::Ups; 2] {
    [
        common::ups("ups1", "127.0.0.1", port, None),
        common::ups("ups2", "127.0.0.1", port, None),
    ]
}

#[tokio::test]
async fn a_ups_whose_reply_breaks_the_conversation_fails_alone_and_the_next_is_read_afresh() {
    // ups1's driver reports a value longer than the client accepts: upsd is fine, the UPS is
    // not. ups2, asked in the same write, is read on a new connection in the same round, and
    // nothing waits for a backoff: the next round reads it again.
    let fake = upsd_with_a_broken_ups1().await;
    let (monitor, both) = two_ups_on(fake.port);
    for round in 0..3 {
        let readings = UpsMonitor::read_many(&monitor, &both).await;
        let broken = readings[0].as_ref().expect_err("ups1's reply is refused");
        assert!(
            broken.to_string().contains("longer than"),
            "round {round}: {broken}"
        );
        let second = readings[1].as_ref().expect("ups2 reads");
        assert_eq!(second.flags, vec![UpsFlag::Ol], "round {round}");
    }
    // ups1 broke the first connection, ups2 was read on a second one, kept since. Until its
    // own backoff ends, ups1 is answered its error without being asked: upsd is not made to
    // open a connection at every round for it.
    assert_eq!(fake.accepted.load(Ordering::SeqCst), 2);
    assert_eq!(fake.times_asked("LIST VAR ups1"), 1);
}

#[tokio::test]
async fn a_ups_whose_reply_broke_the_conversation_is_asked_again_once_its_backoff_ends() {
    let sane = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let now_sane = Arc::clone(&sane);
    let fake = fake(move |_, line| match line {
        "LIST VAR ups1" if !now_sane.load(Ordering::SeqCst) => oversized_list(),
        _ => upsd_like(line),
    })
    .await;
    let monitor = NutMonitor::new(config(2_000, 50));
    let ups1 = [common::ups("ups1", "127.0.0.1", fake.port, None)];
    assert!(UpsMonitor::read_many(&monitor, &ups1).await[0].is_err());
    sane.store(true, Ordering::SeqCst);
    // Polled with a deadline: the backoff is 50 ms.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if UpsMonitor::read_many(&monitor, &ups1).await[0].is_ok() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "ups1 was never asked again"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_ups_whose_status_breaks_the_conversation_fails_alone() {
    let fake = fake(|_, line| match line {
        "GET VAR ups1 ups.status" => Act::Reply(oversized_line()),
        "GET VAR ups2 ups.status" => Act::Reply("VAR ups2 ups.status \"OL\"\n".into()),
        _ => upsd_like(line),
    })
    .await;
    let (monitor, both) = two_ups_on(fake.port);
    for round in 0..2 {
        let answers = UpsMonitor::read_statuses(&monitor, &both).await;
        assert!(answers[0].is_err(), "round {round}: {answers:?}");
        assert_eq!(answers[1], Ok(vec![UpsFlag::Ol]), "round {round}");
    }
}

#[tokio::test]
async fn a_single_read_whose_reply_breaks_the_conversation_leaves_the_upsd_readable() {
    // A read of one UPS goes the way the monitor's batches go: its broken reply is its own
    // error, and the next UPS of that upsd reads at once rather than after the upsd's backoff.
    let fake = upsd_with_a_broken_ups1().await;
    let (monitor, [ups1, ups2]) = two_ups_on(fake.port);
    let broken = monitor
        .reading(&ups1)
        .await
        .expect_err("ups1's reply is refused");
    assert!(broken.to_string().contains("longer than"), "{broken}");
    let second = monitor.reading(&ups2).await.expect("ups2 reads");
    assert_eq!(second.flags, vec![UpsFlag::Ol]);
    // Until its own backoff ends, ups1 is answered its error without being asked again.
    assert!(monitor.reading(&ups1).await.is_err());
    assert_eq!(fake.times_asked("LIST VAR ups1"), 1);
}
