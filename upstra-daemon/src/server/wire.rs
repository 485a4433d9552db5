//! How requests come off the socket: length-delimited frames of at most [`MAX_FRAME`] bytes,
//! each the JSON of one tarpc message. Kept apart from the accept loop so that the fuzz target
//! (`fuzz/`, `request_frame`) decodes with exactly what a connection uses.
//!
//! The JSON is tarpc's own, but read here rather than by tarpc's `Deserialize` impls: those add
//! the client's relative deadline to `Instant::now()` unchecked, which panics when the sum
//! overflows, and any member of the socket's group can send such a deadline.

use std::io;
use std::pin::Pin;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tarpc::tokio_serde::formats::Json;
use tarpc::tokio_serde::{Deserializer, Serializer};
use tarpc::{ClientMessage, Request, Response, context, trace};
use tokio_util::bytes::{Bytes, BytesMut};
use tokio_util::codec::LengthDelimitedCodec;
use upstra_core::api::v1::{UpstraRequest, UpstraResponse};

use super::MAX_FRAME;

/// The framing of a connection.
pub(crate) fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(MAX_FRAME)
        .new_codec()
}

/// The message format of a connection.
pub(crate) fn format() -> Format {
    Format::default()
}

/// tarpc's JSON format for requests in and responses out, with requests decoded by
/// [`WireMessage`].
#[derive(Default)]
pub(crate) struct Format(Json<ClientMessage<UpstraRequest>, Response<UpstraResponse>>);

/// `tarpc::ClientMessage` as its JSON reads, field for field and with tarpc's defaults, but
/// with the deadline still relative.
#[derive(Deserialize)]
#[expect(
    clippy::large_enum_variant,
    reason = "lives only until it becomes tarpc's ClientMessage, which has the same shape"
)]
enum WireMessage {
    Request(WireRequest),
    Cancel {
        #[serde(default)]
        trace_context: trace::Context,
        request_id: u64,
    },
}

#[derive(Deserialize)]
struct WireRequest {
    context: WireContext,
    id: u64,
    message: UpstraRequest,
}

#[derive(Deserialize)]
struct WireContext {
    /// How long from now the client will wait for the answer.
    #[serde(default = "tarpc_default_deadline")]
    deadline: Duration,
    trace_context: trace::Context,
}

/// tarpc's own default when a request carries no deadline.
fn tarpc_default_deadline() -> Duration {
    Duration::from_secs(10)
}

impl Deserializer<ClientMessage<UpstraRequest>> for Format {
    type Error = io::Error;

    fn deserialize(
        self: Pin<&mut Self>,
        src: &BytesMut,
    ) -> Result<ClientMessage<UpstraRequest>, io::Error> {
        let wire: WireMessage = serde_json::from_slice(src)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        Ok(match wire {
            WireMessage::Request(r) => {
                let deadline = Instant::now().checked_add(r.context.deadline).ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "request {}: a deadline {} s from now is past what the clock can hold",
                            r.id,
                            r.context.deadline.as_secs()
                        ),
                    )
                })?;
                let mut context = context::current();
                context.deadline = deadline;
                context.trace_context = r.context.trace_context;
                ClientMessage::Request(Request {
                    context,
                    id: r.id,
                    message: r.message,
                })
            }
            WireMessage::Cancel {
                trace_context,
                request_id,
            } => ClientMessage::Cancel {
                trace_context,
                request_id,
            },
        })
    }
}

impl Serializer<Response<UpstraResponse>> for Format {
    type Error = io::Error;

    fn serialize(
        self: Pin<&mut Self>,
        item: &Response<UpstraResponse>,
    ) -> Result<Bytes, io::Error> {
        Pin::new(&mut self.get_mut().0)
            .serialize(item)
            .map_err(io::Error::other)
    }
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;

    use tarpc::tokio_serde::Deserializer;
    use tarpc::{ClientMessage, Request, context};
    use tokio_util::bytes::BytesMut;
    use upstra_core::api::v1::UpstraRequest;

    use super::format;

    /// A real request, as a client's serializer writes it, with its deadline replaced.
    fn health_frame(deadline_secs: u64) -> BytesMut {
        let request = ClientMessage::Request(Request {
            context: context::current(),
            id: 7,
            message: UpstraRequest::Health {},
        });
        let mut json = serde_json::to_value(&request).expect("serializes");
        json["Request"]["context"]["deadline"] =
            serde_json::json!({ "secs": deadline_secs, "nanos": 0 });
        BytesMut::from(serde_json::to_vec(&json).expect("serializes").as_slice())
    }

    #[test]
    fn a_request_decodes_with_its_deadline() {
        let decoded = Pin::new(&mut format()).deserialize(&health_frame(30));
        match decoded {
            Ok(ClientMessage::Request(r)) => {
                assert_eq!(r.id, 7);
                let left = r.context.deadline - std::time::Instant::now();
                assert!(left > std::time::Duration::from_secs(20), "{left:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_deadline_past_the_end_of_time_is_refused_not_a_panic() {
        // Any member of the socket's group can send this; tarpc adds it to `Instant::now()`.
        let decoded = std::panic::catch_unwind(|| {
            Pin::new(&mut format())
                .deserialize(&health_frame(u64::MAX))
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
        match decoded {
            Ok(Err(reason)) => assert!(reason.contains("deadline"), "{reason}"),
            Ok(Ok(())) => panic!("an impossible deadline was accepted"),
            Err(_) => panic!("decoding an impossible deadline panicked"),
        }
    }
}
