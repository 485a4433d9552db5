//! An SMTP server of a test's own: a real `aiosmtpd` (installed into the peers' venv by
//! `tests/peers/install.sh`) on a free 127.0.0.1 port, in a temp dir, keeping every message it
//! accepts so the test reads exactly what a mail server received.
//!
//! ```no_run
//! use upstra_tests::smtp::{OwnSmtp, SmtpOptions};
//! let Some(mut smtp) = OwnSmtp::start("my_test", SmtpOptions::starttls()) else { return };
//! // point a channel at smtp.url() ("smtp://127.0.0.1:PORT"), trusting smtp.ca_file()
//! smtp.stop(); // the server is down: deliveries fail with a connection refused
//! smtp.start_again(); // back on the same port
//! let received = smtp.wait_for_messages(1);
//! assert_eq!(received[0].header("Subject").as_deref(), Some("..."));
//! ```
//!
//! - [`SmtpOptions`]: clear text, STARTTLS offered, or implicit TLS (`smtps://`), with a
//!   self-signed certificate made by `openssl` for the test ([`OwnSmtp::ca_file`] is what a
//!   channel trusts), and AUTH PLAIN/LOGIN required with a user and password.
//! - Recipients whose local part is `refuse-permanent` or `refuse-temporary` are answered
//!   `550` or `451`, so a test sees how a refusal is classified.
//! - [`OwnSmtp::stop`] and [`OwnSmtp::start_again`] take the server down and bring it back on
//!   the SAME port with the same mailbox: "the SMTP server is down for ten minutes".
//!
//! Without aiosmtpd, [`OwnSmtp::start`] returns `None` after printing why (the test skips),
//! except under `CI=true`, where it panics: CI must never pass by skipping. The server exits
//! when the test drops it or dies: it watches a pipe the test holds.
#![allow(clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the server may take to listen: a Python start on a loaded 2-core machine.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// How long [`OwnSmtp::wait_for_messages`] waits for the expected count.
const MESSAGES_WITHIN: Duration = Duration::from_secs(60);

/// The server script, written into the test's dir.
const SERVER_SCRIPT: &str = include_str!("smtp_server.py");

/// Where the server runs from TLS's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpMode {
    /// No TLS offered at all (a `tls = "required"` channel must refuse it).
    Plain,
    /// STARTTLS offered after EHLO.
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Implicit,
}

/// How a test's server behaves.
#[derive(Debug, Clone)]
pub struct SmtpOptions {
    pub mode: SmtpMode,
    /// AUTH PLAIN/LOGIN required with this user and password.
    pub auth: Option<(String, String)>,
}

impl SmtpOptions {
    pub fn plain() -> Self {
        Self {
            mode: SmtpMode::Plain,
            auth: None,
        }
    }
    pub fn starttls() -> Self {
        Self {
            mode: SmtpMode::StartTls,
            auth: None,
        }
    }
    pub fn implicit_tls() -> Self {
        Self {
            mode: SmtpMode::Implicit,
            auth: None,
        }
    }
    /// Requires AUTH with `user` and `password`.
    pub fn with_auth(mut self, user: &str, password: &str) -> Self {
        self.auth = Some((user.to_owned(), password.to_owned()));
        self
    }
}

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMessage {
    /// The envelope sender (`MAIL FROM`).
    pub mail_from: String,
    /// The envelope recipients (`RCPT TO`) the server accepted.
    pub rcpt_to: Vec<String>,
    /// Whether the connection was encrypted when the message was sent (STARTTLS or implicit).
    pub encrypted: bool,
    /// The user the client authenticated as, when it did.
    pub login: Option<String>,
    /// The bytes after `DATA`, headers and body, as sent.
    pub raw: Vec<u8>,
}

impl ReceivedMessage {
    /// The raw header block (up to the first empty line), unfolded: one line per header.
    pub fn headers(&self) -> Vec<(String, String)> {
        let text = String::from_utf8_lossy(&self.raw);
        let mut out: Vec<(String, String)> = Vec::new();
        for line in text.split("\r\n").flat_map(|l| l.split('\n')) {
            if line.is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = out.last_mut() {
                    value.push(' ');
                    value.push_str(line.trim_start());
                }
                continue;
            }
            if let Some((name, value)) = line.split_once(':') {
                out.push((name.to_owned(), value.trim().to_owned()));
            }
        }
        out
    }

    /// The first header called `name` (case-insensitive), unfolded, still encoded as sent
    /// (an RFC 2047 `=?utf-8?...?=` subject stays so; see [`Self::subject`]).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers()
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Every header called `name`.
    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.headers()
            .into_iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .collect()
    }

    pub fn message_id(&self) -> Option<String> {
        self.header("Message-ID")
    }

    pub fn to(&self) -> Option<String> {
        self.header("To")
    }

    /// The subject, with RFC 2047 encoded words decoded by Python's `email` package (the
    /// venv's interpreter), so a test compares it with the text it sent.
    pub fn subject(&self) -> Option<String> {
        self.header("Subject").map(|s| {
            run_python(
                "import sys, email.header as h\n\
                 v = sys.stdin.read()\n\
                 sys.stdout.write(str(h.make_header(h.decode_header(v))))",
                s.as_bytes(),
            )
        })
    }

    /// The text body, its transfer encoding (quoted-printable, base64) and charset undone
    /// by Python's `email` package, as a mail reader shows it.
    pub fn text_body(&self) -> String {
        run_python(
            "import sys, email, email.policy\n\
             m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)\n\
             sys.stdout.write(m.get_content())",
            &self.raw,
        )
    }
}

/// The test's server.
pub struct OwnSmtp {
    dir: PathBuf,
    port: u16,
    python: PathBuf,
    options: SmtpOptions,
    process: Option<Child>,
}

impl OwnSmtp {
    /// Starts a server as `options` say, or `None` (skip, reason printed) when aiosmtpd is not
    /// installed and `CI` is not `true`.
    pub fn start(test: &str, options: SmtpOptions) -> Option<Self> {
        let python = match find_aiosmtpd() {
            Ok(python) => python,
            Err(why) => {
                if std::env::var("CI").as_deref() == Ok("true") {
                    panic!("{test}: {why} but CI=true: run tests/peers/install.sh");
                }
                eprintln!("skipping {test}: {why} (run tests/peers/install.sh)");
                return None;
            }
        };
        let dir = tempdir();
        std::fs::create_dir_all(dir.join("mail")).expect("the mailbox dir");
        let port = free_port();
        let mut config = format!(
            "port={port}\nmaildir={}\nmode={}\n",
            dir.join("mail").display(),
            match options.mode {
                SmtpMode::Plain => "plain",
                SmtpMode::StartTls => "starttls",
                SmtpMode::Implicit => "implicit",
            }
        );
        if options.mode != SmtpMode::Plain {
            make_certificate(&dir);
            config.push_str(&format!(
                "cert={}\nkey={}\n",
                dir.join("cert.pem").display(),
                dir.join("key.pem").display()
            ));
        }
        if let Some((user, password)) = &options.auth {
            let file = dir.join("password");
            std::fs::write(&file, password).expect("the server's password file");
            config.push_str(&format!("user={user}\npassword_file={}\n", file.display()));
        }
        std::fs::write(dir.join("server.conf"), config).expect("the server's config");
        std::fs::write(dir.join("smtp_server.py"), SERVER_SCRIPT).expect("the server script");
        let mut smtp = Self {
            dir,
            port,
            python,
            options,
            process: None,
        };
        smtp.start_again();
        Some(smtp)
    }

    /// `smtp://127.0.0.1:PORT`, or `smtps://...` for implicit TLS.
    pub fn url(&self) -> String {
        let scheme = match self.options.mode {
            SmtpMode::Implicit => "smtps",
            _ => "smtp",
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The PEM file a channel trusts (the server's self-signed certificate, valid for
    /// 127.0.0.1 and localhost); `None` without TLS.
    pub fn ca_file(&self) -> Option<PathBuf> {
        (self.options.mode != SmtpMode::Plain).then(|| self.dir.join("cert.pem"))
    }

    /// Stops the server; its port is closed until [`Self::start_again`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.process.take() {
            // Closing its stdin is the signal (see smtp_server.py).
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }

    /// Starts the server (again) on the same port with the same mailbox; returns once it
    /// accepts connections. Panics with its log when it does not come up.
    pub fn start_again(&mut self) {
        self.stop();
        let log_path = self.dir.join("server.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("the server log");
        let mut child = Command::new(&self.python)
            .arg(self.dir.join("smtp_server.py"))
            .arg(self.dir.join("server.conf"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start aiosmtpd");
        let stdout: ChildStdout = child.stdout.take().expect("the server's stdout");
        self.process = Some(child);
        let deadline = Instant::now() + READY_WITHIN;
        // The script prints one line once it listens; EOF means it died.
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let log_text = || std::fs::read_to_string(&log_path).unwrap_or_default();
        assert!(
            matches!(read, Ok(n) if n > 0) && line.trim() == "listening",
            "the test's SMTP server did not start: {}",
            log_text()
        );
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the test's SMTP server does not accept connections within {READY_WITHIN:?}: {}",
                log_text()
            );
            std::thread::park_timeout(Duration::from_millis(50));
        }
    }

    /// Every message received so far, in the order received.
    pub fn messages(&self) -> Vec<ReceivedMessage> {
        let mail = self.dir.join("mail");
        let mut names: Vec<String> = std::fs::read_dir(&mail)
            .expect("the mailbox dir")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|n| n.strip_suffix(".eml").map(str::to_owned))
            .collect();
        // `<ns>-<n>`: nanoseconds first, so a numeric sort is the order of arrival.
        names.sort_by_key(|n| {
            let (ns, count) = n.split_once('-').unwrap_or((n, "0"));
            (
                ns.parse::<u128>().unwrap_or(0),
                count.parse::<u64>().unwrap_or(0),
            )
        });
        names
            .iter()
            .map(|name| {
                let envelope = std::fs::read_to_string(mail.join(format!("{name}.envelope")))
                    .expect("a message's envelope");
                let mut received = ReceivedMessage {
                    mail_from: String::new(),
                    rcpt_to: Vec::new(),
                    encrypted: false,
                    login: None,
                    raw: std::fs::read(mail.join(format!("{name}.eml"))).expect("a message"),
                };
                for line in envelope.lines() {
                    match line.split_once(' ') {
                        Some(("from", a)) => received.mail_from = a.to_owned(),
                        Some(("to", a)) => received.rcpt_to.push(a.to_owned()),
                        Some(("tls", yes)) => received.encrypted = yes == "yes",
                        Some(("login", user)) => received.login = Some(user.to_owned()),
                        _ => {}
                    }
                }
                received
            })
            .collect()
    }

    /// Polls until at least `count` messages arrived; panics after [`MESSAGES_WITHIN`].
    pub fn wait_for_messages(&self, count: usize) -> Vec<ReceivedMessage> {
        let deadline = Instant::now() + MESSAGES_WITHIN;
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "the test's SMTP server received {} message(s), not {count}, within \
                 {MESSAGES_WITHIN:?}",
                messages.len()
            );
            std::thread::park_timeout(Duration::from_millis(50));
        }
    }

    /// The server's log (aiosmtpd's own lines), for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }
}

impl Drop for OwnSmtp {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The venv's Python when it imports aiosmtpd; why not otherwise.
fn find_aiosmtpd() -> Result<PathBuf, String> {
    let cache =
        std::env::var("UPSTRA_PEERS_CACHE").unwrap_or_else(|_| "/var/cache/upstra-peers".into());
    let python = Path::new(&cache).join("venv/bin/python");
    if !python.exists() {
        return Err(format!("no peers' venv at {}", python.display()));
    }
    let imported = Command::new(&python)
        .args(["-c", "import aiosmtpd.smtp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if imported {
        Ok(python)
    } else {
        Err(format!("aiosmtpd is not installed in {}", python.display()))
    }
}

/// A self-signed leaf certificate (CA:FALSE, so rustls accepts it as its own trust anchor)
/// for 127.0.0.1 and localhost, as `cert.pem` and `key.pem` in `dir`; also for a test's own
/// HTTPS server.
pub fn make_certificate(dir: &Path) {
    let config = "[req]\ndistinguished_name = dn\nx509_extensions = v3\nprompt = no\n\
                  [dn]\nCN = 127.0.0.1\n\
                  [v3]\nbasicConstraints = critical, CA:FALSE\n\
                  keyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\n\
                  subjectAltName = IP:127.0.0.1, DNS:localhost\nsubjectKeyIdentifier = hash\n";
    std::fs::write(dir.join("openssl.cnf"), config).expect("openssl.cnf");
    let output = Command::new("openssl")
        .args(["req", "-x509", "-config"])
        .arg(dir.join("openssl.cnf"))
        .args([
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-keyout",
        ])
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .output()
        .expect("run openssl");
    assert!(
        output.status.success(),
        "openssl could not make the test's certificate: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// What the venv's Python prints running `script` with `input` on its stdin.
fn run_python(script: &str, input: &[u8]) -> String {
    let python = find_aiosmtpd().expect("the venv's Python");
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run python");
    child
        .stdin
        .take()
        .expect("python's stdin")
        .write_all(input)
        .expect("write to python");
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("python's stdout")
        .read_to_string(&mut out)
        .expect("read python's output");
    let _ = child.wait();
    out
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A server's dir is `<prefix><test pid>-<n>`.
const DIR_PREFIX: &str = "upstra-own-smtp-";

/// A fresh private dir under the system temp dir, named after this process and a counter.
fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let base = std::env::temp_dir();
    remove_stale(&base);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = base.join(format!("{DIR_PREFIX}{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the test's SMTP dir");
    dir
}

/// Removes the dirs of servers whose test process is gone: a test killed by the runner stops
/// its server (the pipe closes) but cannot remove its files.
fn remove_stale(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix(DIR_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
