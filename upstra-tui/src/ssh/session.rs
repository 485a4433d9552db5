//! One shell, from connecting to its end: [`run`]. See the module above for the credit scheme
//! that bounds the output in flight.

use std::sync::{Arc, PoisonError};
use std::time::Duration;

use russh::client::{self, Handle, Msg};
use russh::{Channel, ChannelMsg, Disconnect};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;
use upstra_core::secret::Secret;

use super::host_key::{self, Checker, Witness};
use super::{
    CONNECT_TIMEOUT, End, Event, FRAME, Input, MAX_PENDING, Prompt, Request, SshError, auth,
};

/// Where the task's events go.
pub type Emit = Box<dyn FnMut(Event) + Send>;

/// The task's side of the channels, with what it learnt from them along the way.
pub struct Link {
    input: UnboundedReceiver<Input>,
    emit: Emit,
    /// Outputs that may be sent before the next [`Input::Ack`].
    credits: u32,
    cols: u16,
    rows: u16,
    /// The operator closed the shell while it was still being opened.
    closed: bool,
}

impl Link {
    /// Asks for a secret and waits for it, keeping track of what else arrives meanwhile.
    pub(super) async fn ask(&mut self, prompt: Prompt) -> Option<Secret> {
        (self.emit)(Event::NeedSecret(prompt));
        loop {
            match self.input.recv().await {
                Some(Input::Secret(secret)) => return secret,
                Some(Input::Resize { cols, rows }) => (self.cols, self.rows) = (cols, rows),
                Some(Input::Ack) => self.credits += 1,
                // Typed before there is a shell to take it.
                Some(Input::Data(_) | Input::Eof) => {}
                Some(Input::Close) | None => {
                    self.closed = true;
                    return None;
                }
            }
        }
    }
}

/// Opens the shell `req` describes and streams it until it ends; the last event is always
/// [`Event::Ended`], with how long the task ran.
pub async fn run(req: Request, input: UnboundedReceiver<Input>, emit: Emit) {
    let started = Instant::now();
    let mut link = Link {
        input,
        emit,
        credits: 1,
        cols: req.cols,
        rows: req.rows,
        closed: false,
    };
    let end = match open(&req, &mut link).await {
        Ok((handle, channel, witness)) => {
            (link.emit)(Event::Opened);
            stream(handle, channel, &witness, &mut link).await
        }
        Err(_) if link.closed => End::ClosedHere,
        Err(e) => End::Failed(e),
    };
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    tracing::info!(server = %req.server, reason = %end.audit_reason(), duration_ms, "ssh shell ended");
    (link.emit)(Event::Ended { end, duration_ms });
}

type Opened = (
    Handle<Checker>,
    Channel<Msg>,
    Arc<std::sync::Mutex<Witness>>,
);

/// Connects, checks the host key, logs in, and starts a shell on a PTY.
async fn open(req: &Request, link: &mut Link) -> Result<Opened, SshError> {
    let pinned = req
        .host_key
        .as_deref()
        .map(|line| host_key::parse_pinned(&req.server, line))
        .transpose()?;
    let (checker, witness) = Checker::new(pinned.clone());
    let config = Arc::new(client::Config {
        // A link that drops silently is noticed within about 45 s.
        keepalive_interval: Some(Duration::from_secs(15)),
        keepalive_max: 3,
        // Unread messages per channel before russh stops reading the socket: this is what
        // turns a slow screen into SSH flow control (32 packets of at most 32 KiB).
        channel_buffer_size: 32,
        nodelay: true,
        ..client::Config::default()
    });
    let connecting = client::connect(config, req.address.as_str(), checker);
    let mut handle = match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Err(_) => {
            return Err(SshError::Timeout {
                server: req.server.clone(),
                address: req.address.clone(),
                seconds: CONNECT_TIMEOUT.as_secs(),
            });
        }
        Ok(Err(e)) => {
            let shown = witness
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .shown
                .clone();
            return Err(
                host_key::refusal(&req.server, pinned.as_ref(), shown.as_ref()).unwrap_or_else(
                    || SshError::Connect {
                        server: req.server.clone(),
                        address: req.address.clone(),
                        detail: connect_detail(&e),
                    },
                ),
            );
        }
        Ok(Ok(handle)) => handle,
    };
    if link.closed {
        return Err(SshError::Cancelled {
            server: req.server.clone(),
        });
    }
    auth::authenticate(&mut handle, req, link).await?;
    let failed = |e: russh::Error| SshError::Session {
        server: req.server.clone(),
        detail: e.to_string(),
    };
    let channel = handle.channel_open_session().await.map_err(failed)?;
    channel
        .request_pty(
            false,
            &req.term,
            u32::from(link.cols),
            u32::from(link.rows),
            0,
            0,
            &[],
        )
        .await
        .map_err(failed)?;
    channel.request_shell(false).await.map_err(failed)?;
    Ok((handle, channel, witness))
}

/// A connection failure in the words the system uses (`Connection refused`).
fn connect_detail(e: &russh::Error) -> String {
    match e {
        russh::Error::IO(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// Streams the shell until it ends.
async fn stream(
    handle: Handle<Checker>,
    mut channel: Channel<Msg>,
    witness: &std::sync::Mutex<Witness>,
    link: &mut Link,
) -> End {
    let mut pending: Vec<u8> = Vec::new();
    let mut next_delivery = Instant::now();
    let mut status = None;
    let mut signal = None;
    let mut closed_here = false;
    loop {
        let can_read = pending.len() < MAX_PENDING;
        let can_deliver = link.credits > 0 && !pending.is_empty();
        tokio::select! {
            msg = channel.wait(), if can_read => match msg {
                Some(ChannelMsg::Data { data } | ChannelMsg::ExtendedData { data, .. }) => {
                    pending.extend_from_slice(&data);
                }
                Some(ChannelMsg::ExitStatus { exit_status }) => status = Some(exit_status),
                Some(ChannelMsg::ExitSignal { signal_name, .. }) => {
                    signal = Some(format!("{signal_name:?}"));
                }
                Some(ChannelMsg::Close) | None => break,
                Some(_) => {}
            },
            input = link.input.recv() => match input {
                Some(Input::Data(bytes)) => {
                    if channel.data_bytes(bytes).await.is_err() {
                        break;
                    }
                }
                Some(Input::Resize { cols, rows }) => {
                    let _ = channel.window_change(u32::from(cols), u32::from(rows), 0, 0).await;
                }
                Some(Input::Ack) => link.credits += 1,
                Some(Input::Eof) => {
                    let _ = channel.eof().await;
                }
                Some(Input::Secret(_)) => {}
                Some(Input::Close) | None => {
                    closed_here = true;
                    break;
                }
            },
            () = tokio::time::sleep_until(next_delivery), if can_deliver => {
                link.credits -= 1;
                (link.emit)(Event::Output(std::mem::take(&mut pending)));
                next_delivery = Instant::now() + FRAME;
            }
        }
    }
    // What is left is at most MAX_PENDING: delivered whatever the credits, so the last screen
    // of the shell is seen.
    if !pending.is_empty() {
        (link.emit)(Event::Output(pending));
    }
    let _ = handle.disconnect(Disconnect::ByApplication, "", "en").await;
    if closed_here {
        return End::ClosedHere;
    }
    match (signal, status) {
        (Some(signal), _) => End::Killed(signal),
        (None, Some(status)) => End::Exited(Some(status)),
        (None, None) => {
            let gone = witness
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .gone
                .clone();
            match gone {
                Some(why) => End::Lost(why),
                None => End::Exited(None),
            }
        }
    }
}
