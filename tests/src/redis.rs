//! A redis-server of a test's own (from the harness's install), which the test may stop, start
//! again on the same port (its append-only file, synced on every write, keeps the data), or
//! protect with a password. Stopped when dropped.
#![allow(clippy::expect_used)]

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct PrivateRedis {
    dir: PathBuf,
    pub port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    /// Configured, not started. `password` goes in the config file, not on the command line.
    pub fn new(password: Option<&str>) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = std::env::temp_dir().join(format!("upstra-redis-{}-{port}", std::process::id()));
        fs::create_dir_all(&dir).expect("redis dir");
        let mut conf = format!(
            "bind 127.0.0.1\nport {port}\nsave \"\"\nappendonly yes\nappendfsync always\n\
             dir {}\nlogfile {}\n",
            dir.display(),
            dir.join("redis.log").display()
        );
        if let Some(pw) = password {
            conf.push_str(&format!("requirepass {pw}\n"));
        }
        fs::write(dir.join("redis.conf"), conf).expect("redis.conf");
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
    pub fn start(&mut self) {
        let child = Command::new("redis-server")
            .arg(self.dir.join("redis.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts (installed by tests/peers/install.sh)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.ping() {
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
            std::thread::park_timeout(Duration::from_millis(20));
        }
    }

    fn ping(&self) -> Option<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
        s.write_all(b"PING\r\n").ok()?;
        let mut buf = [0u8; 128];
        let n = s.read(&mut buf).ok()?;
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
        fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default()
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}
