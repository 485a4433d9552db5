//! One TCP conversation with upsd: a command, then its whole reply, in lock step.
//!
//! Methods have no deadline of their own: wrap them in `tokio::time::timeout` (the monitor
//! does). Cutting a command short is safe: the connection remembers that a reply was left
//! half-read and refuses further commands ([`Connection::is_poisoned`]), so it is never reused
//! out of step.

use std::collections::BTreeMap;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use upstra_core::secret::Secret;
use zeroize::Zeroizing;

use crate::error::NutError;
use crate::reply::{self, UpsEntry};
use crate::wire::{sendable, word};

/// Longest reply line accepted; upsd's own limit is far below.
const MAX_LINE: usize = 64 * 1024;
/// Most lines accepted in one list: a UPS has about a hundred variables.
const MAX_LIST_LINES: usize = 10_000;
/// Most commands sent in one write by [`Connection::statuses`]: upsd reads them from its
/// socket buffer in turn, and a batch this size stays a few KiB each way.
const MAX_PIPELINED: usize = 64;
/// Most `LIST VAR` sent in one write by [`Connection::list_vars`]: each reply is a few KiB,
/// so a batch stays within the socket buffers of both ends.
const MAX_PIPELINED_LISTS: usize = 16;

/// A connection to one upsd.
#[derive(Debug)]
pub struct Connection {
    stream: BufReader<TcpStream>,
    /// True from sending a command until its reply has been read in full. Still true after an
    /// I/O error or a dropped future: the rest of that reply may be in the socket.
    in_flight: bool,
}

impl Connection {
    /// Opens a TCP connection to upsd (no command is sent).
    pub async fn connect(host: &str, port: u16) -> Result<Self, NutError> {
        let stream = TcpStream::connect((host, port))
            .await
            .map_err(|e| NutError::io("connecting", &e))?;
        // Commands are one short line each: send them now, not after Nagle's delay.
        stream
            .set_nodelay(true)
            .map_err(|e| NutError::io("setting TCP_NODELAY", &e))?;
        Ok(Self {
            stream: BufReader::new(stream),
            in_flight: false,
        })
    }

    /// True when a command was interrupted: the connection must be dropped.
    pub fn is_poisoned(&self) -> bool {
        self.in_flight
    }

    /// Sends `USERNAME` and, when given, `PASSWORD`. upsd accepts any name and password here;
    /// it checks them only when a command needs them (`SET`, `INSTCMD`, `LOGIN`, `FSD`).
    pub async fn login(&mut self, user: &str, password: Option<&Secret>) -> Result<(), NutError> {
        if !sendable(user) {
            return Err(NutError::Unsendable("user name"));
        }
        let line = self.round_trip(&format!("USERNAME {}", word(user))).await?;
        reply::expect_ok(&line)?;
        if let Some(password) = password {
            if !sendable(password.expose()) {
                return Err(NutError::Unsendable("password"));
            }
            // Wiped when dropped, like the `Secret` it comes from.
            let command = Zeroizing::new(format!("PASSWORD {}", word(password.expose())));
            let line = self.round_trip(&command).await?;
            reply::expect_ok(&line)?;
        }
        Ok(())
    }

    /// upsd's version banner (`VER`), e.g. `Network UPS Tools upsd 2.8.0 - ...`.
    pub async fn ver(&mut self) -> Result<String, NutError> {
        let line = self.round_trip("VER").await?;
        reply::words_or_err(&line)?;
        Ok(line)
    }

    /// The protocol version (`NETVER`), `1.3` for NUT 2.8.
    pub async fn netver(&mut self) -> Result<String, NutError> {
        let line = self.round_trip("NETVER").await?;
        reply::words_or_err(&line)?;
        Ok(line)
    }

    /// The UPS this upsd serves (`LIST UPS`).
    pub async fn list_ups(&mut self) -> Result<Vec<UpsEntry>, NutError> {
        let lines = self.list("LIST UPS", &["UPS"]).await?;
        reply::parse_list_ups(&lines)
    }

    /// Every variable of `ups` (`LIST VAR`), in one round trip.
    pub async fn list_var(&mut self, ups: &str) -> Result<BTreeMap<String, String>, NutError> {
        check_name(ups)?;
        let lines = self
            .list(&format!("LIST VAR {}", word(ups)), &["VAR", ups])
            .await?;
        reply::parse_list_var(ups, &lines)
    }

    /// Every variable of each of `ups` (`LIST VAR`), in order: the commands of a batch leave
    /// in one write and upsd answers them in turn, so the UPS of one upsd cost one round trip,
    /// not one each. An `ERR` concerns its UPS alone. A reply that breaks the protocol (a
    /// line or a list too long) is its UPS's error and ends the answers there, fewer than
    /// `ups`: the conversation cannot be followed past it, and the connection is poisoned. A
    /// failure of the connection itself fails them all.
    pub async fn list_vars(
        &mut self,
        ups: &[String],
    ) -> Result<Vec<Result<BTreeMap<String, String>, NutError>>, NutError> {
        let mut answers = Vec::with_capacity(ups.len());
        for batch in ups.chunks(MAX_PIPELINED_LISTS) {
            self.send(&pipelined(batch, |ups| format!("LIST VAR {ups}"))?)
                .await?;
            for name in batch {
                match self.read_list(&["VAR", name]).await {
                    Ok(lines) => answers.push(reply::parse_list_var(name, &lines)),
                    Err(e) => return ends_at_a_broken_reply(answers, e),
                }
            }
            self.in_flight = false;
        }
        Ok(answers)
    }

    /// One variable of `ups` (`GET VAR`).
    pub async fn get_var(&mut self, ups: &str, var: &str) -> Result<String, NutError> {
        check_name(ups)?;
        check_name(var)?;
        let line = self
            .round_trip(&format!("GET VAR {} {}", word(ups), word(var)))
            .await?;
        reply::parse_get_var(ups, var, &line)
    }

    /// `ups.status` of each of `ups`, in order: the commands of a batch leave in one write
    /// and upsd answers them in turn, so the UPS of one upsd cost one round trip, not one
    /// each. An `ERR` concerns its UPS alone; a reply that breaks the protocol ends the
    /// answers there, as in [`Connection::list_vars`].
    pub async fn statuses(
        &mut self,
        ups: &[String],
    ) -> Result<Vec<Result<String, NutError>>, NutError> {
        let mut answers = Vec::with_capacity(ups.len());
        for batch in ups.chunks(MAX_PIPELINED) {
            self.send(&pipelined(batch, |ups| {
                format!("GET VAR {ups} ups.status")
            })?)
            .await?;
            for name in batch {
                match self.read_line().await {
                    Ok(line) => answers.push(reply::parse_get_var(name, "ups.status", &line)),
                    Err(e) => return ends_at_a_broken_reply(answers, e),
                }
            }
            self.in_flight = false;
        }
        Ok(answers)
    }

    /// Sets a writable variable (`SET VAR`); needs a login with `actions = SET`.
    pub async fn set_var(&mut self, ups: &str, var: &str, value: &str) -> Result<(), NutError> {
        check_name(ups)?;
        check_name(var)?;
        if !sendable(value) {
            return Err(NutError::Unsendable("value"));
        }
        let command = format!("SET VAR {} {} {}", word(ups), word(var), word(value));
        let line = self.round_trip(&command).await?;
        reply::expect_ok(&line)
    }

    /// Says goodbye (`LOGOUT`) and closes the connection.
    pub async fn logout(mut self) -> Result<(), NutError> {
        let line = self.round_trip("LOGOUT").await?;
        reply::expect_ok(&line)
    }

    /// Sends one command and reads its one-line reply.
    pub(crate) async fn round_trip(&mut self, command: &str) -> Result<String, NutError> {
        self.send(command).await?;
        let line = self.read_line().await?;
        self.in_flight = false;
        Ok(line)
    }

    /// Sends a `LIST` command and reads up to its `END LIST` (or a single `ERR` line).
    pub(crate) async fn list(
        &mut self,
        command: &str,
        header: &[&str],
    ) -> Result<Vec<String>, NutError> {
        self.send(command).await?;
        let lines = self.read_list(header).await?;
        self.in_flight = false;
        Ok(lines)
    }

    /// Reads one `LIST` reply up to its `END LIST` (or a single `ERR` line); the command was
    /// sent by the caller, who ends the exchange.
    async fn read_list(&mut self, header: &[&str]) -> Result<Vec<String>, NutError> {
        let first = self.read_line().await?;
        // Anything but a list header (an `ERR`, or garbage) is the whole reply.
        let listing = first.starts_with("BEGIN LIST ");
        let mut lines = vec![first];
        if listing {
            loop {
                if lines.len() > MAX_LIST_LINES {
                    return Err(NutError::Protocol(format!(
                        "a list of more than {MAX_LIST_LINES} lines"
                    )));
                }
                let line = self.read_line().await?;
                let end = reply::is_list_end(&line, header);
                lines.push(line);
                if end {
                    break;
                }
            }
        }
        Ok(lines)
    }

    async fn send(&mut self, command: &str) -> Result<(), NutError> {
        if self.in_flight {
            return Err(NutError::Protocol(
                "an earlier command was interrupted; the connection must be replaced".into(),
            ));
        }
        self.in_flight = true;
        // One write, so the command leaves in one segment; wiped since it may hold a password.
        let mut line = Zeroizing::new(Vec::with_capacity(command.len() + 1));
        line.extend_from_slice(command.as_bytes());
        line.push(b'\n');
        self.stream
            .get_mut()
            .write_all(&line)
            .await
            .map_err(|e| NutError::io("sending a command", &e))?;
        ack_at_once(self.stream.get_ref());
        Ok(())
    }

    async fn read_line(&mut self) -> Result<String, NutError> {
        let mut buf = Vec::new();
        let n = (&mut self.stream)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut buf)
            .await
            .map_err(|e| NutError::io("reading the reply", &e))?;
        if buf.pop() != Some(b'\n') {
            return Err(if n >= MAX_LINE {
                NutError::Protocol(format!("a reply line longer than {MAX_LINE} bytes"))
            } else {
                NutError::Closed
            });
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        // Some drivers report Latin-1 text (vendor names): keep it readable, never fail on it.
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }
}

/// Leaves delayed-ACK mode for the reply to the command just sent. upsd writes a reply line
/// by line with Nagle's algorithm on, so each line after the first waits for the ACK of the
/// one before; a delayed ACK held every `LIST VAR` (and every batch of status asks) about
/// 40 ms, and the reads of one upsd, which share this connection, one after the other. The
/// kernel goes back to delayed ACKs when it sees a request and reply pattern, so this is
/// set again after every command. Best effort: without it a reply is only slower.
fn ack_at_once(stream: &TcpStream) {
    #[cfg(target_os = "linux")]
    if let Err(e) = socket2::SockRef::from(stream).set_tcp_quickack(true) {
        tracing::debug!(error = %e, "TCP_QUICKACK refused; replies may arrive in delayed-ACK steps");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = stream;
}

/// The answers of a batch whose next reply failed with `e`. A reply that breaks the protocol
/// is that UPS's own error, and the answers end with it (the UPS after it were asked but
/// cannot be told apart in what follows); a failure of the connection fails the batch.
fn ends_at_a_broken_reply<T>(
    mut answers: Vec<Result<T, NutError>>,
    e: NutError,
) -> Result<Vec<Result<T, NutError>>, NutError> {
    match e {
        NutError::Protocol(_) => {
            answers.push(Err(e));
            Ok(answers)
        }
        _ => Err(e),
    }
}

/// One command per UPS of `batch`, for one write: `command` is given each name as it goes out.
fn pipelined(batch: &[String], command: impl Fn(&str) -> String) -> Result<String, NutError> {
    let mut lines = Vec::with_capacity(batch.len());
    for name in batch {
        check_name(name)?;
        lines.push(command(&word(name)));
    }
    Ok(lines.join("\n"))
}

/// UPS and variable names go out as one word; refuse the ones that would break the line.
pub(crate) fn check_name(name: &str) -> Result<(), NutError> {
    if sendable(name) && !name.is_empty() {
        Ok(())
    } else {
        Err(NutError::Unsendable("name"))
    }
}

#[cfg(test)]
#[path = "connection_ack_tests.rs"]
mod ack_tests;
