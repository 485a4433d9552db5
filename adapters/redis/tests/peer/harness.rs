//! The Redis side of the peer tests: the harness's redis-server from `peers.env`, unique stream
//! keys, a raw connection to look at what the bus wrote, and private redis-servers that a test
//! may stop, start again or protect with a password.

use std::collections::HashMap;
use std::fs;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::MultiplexedConnection;
use redis::streams::StreamRangeReply;
use redis::{AsyncCommands, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use upstra_core::events::{DomainEvent, EventRecord};
use upstra_core::state::Timestamp;

/// The harness's redis-server.
pub struct Redis {
    pub url: String,
}

impl Redis {
    /// The harness's Redis, or `None` (skip) without a harness run; see `upstra_tests::peers`.
    pub fn get(test: &str) -> Option<Self> {
        let p = upstra_tests::peers(test)?;
        Some(Self {
            url: p.get("UPSTRA_PEER_REDIS_URL").to_owned(),
        })
    }
}

/// A stream key no other test (or run) uses.
pub fn unique_key(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos();
    format!("upstra-test:{test}:{}:{nanos}", std::process::id())
}

/// An event with seq `seq`; the kind varies with the seq so records differ in shape.
pub fn record(seq: u64) -> EventRecord {
    let event = match seq % 3 {
        0 => DomainEvent::DaemonStarted {
            version: format!("0.1.{seq}"),
        },
        1 => DomainEvent::PeerUnreachable {
            peer: format!("bmc-{seq}"),
            reason: "connection refused".into(),
        },
        _ => DomainEvent::PeerRecovered {
            peer: format!("bmc-{seq}"),
        },
    };
    EventRecord {
        seq,
        at: Timestamp(1_700_000_000_000 + i64::try_from(seq).expect("small")),
        event,
    }
}

pub fn records(seqs: impl IntoIterator<Item = u64>) -> Vec<EventRecord> {
    seqs.into_iter().map(record).collect()
}

/// A plain connection, not the bus's, to look at and tamper with streams.
pub async fn raw(url: &str) -> MultiplexedConnection {
    redis::Client::open(url)
        .expect("url")
        .get_multiplexed_async_connection()
        .await
        .expect("raw connection")
}

/// Every entry of `key`, oldest first: its ID and its fields as strings.
pub async fn entries(url: &str, key: &str) -> Vec<(String, HashMap<String, String>)> {
    let reply: StreamRangeReply = raw(url).await.xrange_all(key).await.expect("XRANGE");
    reply
        .ids
        .into_iter()
        .map(|e| {
            let fields = e
                .map
                .iter()
                .map(|(k, v)| match v {
                    Value::BulkString(b) => (k.clone(), String::from_utf8_lossy(b).into_owned()),
                    other => (k.clone(), format!("{other:?}")),
                })
                .collect();
            (e.id, fields)
        })
        .collect()
}

/// The IDs of `key`'s entries, oldest first.
pub async fn ids(url: &str, key: &str) -> Vec<String> {
    entries(url, key)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// `0-<seq>` for each seq.
pub fn ids_of(seqs: impl IntoIterator<Item = u64>) -> Vec<String> {
    seqs.into_iter().map(|s| format!("0-{s}")).collect()
}

/// A redis-server of the test's own on a free port, with its data in a temporary directory
/// and an append-only file synced on every write, so that a restart keeps the stream (as a
/// production Redis with persistence would). Killed when dropped.
pub struct PrivateRedis {
    dir: tempfile::TempDir,
    pub port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    /// Configured, not started. `password` goes in the config file, not on the command line.
    pub fn new(password: Option<&str>) -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut conf = format!(
            "bind 127.0.0.1\nport {port}\nsave \"\"\nappendonly yes\nappendfsync always\n\
             dir {}\nlogfile {}\n",
            dir.path().display(),
            dir.path().join("redis.log").display()
        );
        if let Some(pw) = password {
            conf.push_str(&format!("requirepass {pw}\n"));
        }
        fs::write(dir.path().join("redis.conf"), conf).expect("redis.conf");
        Self {
            dir,
            port,
            child: None,
        }
    }

    /// `redis://[:password@]127.0.0.1:<port>`.
    pub fn url(&self, password: Option<&str>) -> String {
        match password {
            Some(pw) => format!("redis://:{pw}@127.0.0.1:{}", self.port),
            None => format!("redis://127.0.0.1:{}", self.port),
        }
    }

    /// Starts it and waits until it answers `PING` (with `PONG` or "authentication required").
    pub async fn start(&mut self) {
        let child = Command::new("redis-server")
            .arg(self.dir.path().join("redis.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts (installed by tests/peers/install.sh)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.ping().await {
                Some(reply) if reply.starts_with("+PONG") || reply.starts_with("-NOAUTH") => {
                    return;
                }
                last => assert!(
                    Instant::now() < deadline,
                    "private redis-server on {} not ready within 10 s (last: {last:?}); log:\n{}",
                    self.port,
                    self.log()
                ),
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn ping(&self) -> Option<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).await.ok()?;
        s.write_all(b"PING\r\n").await.ok()?;
        let mut buf = [0u8; 128];
        let n = s.read(&mut buf).await.ok()?;
        Some(String::from_utf8_lossy(&buf[..n]).into_owned())
    }

    /// SIGTERM (a clean shutdown that flushes the append-only file), then reap it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
        }
    }

    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
