//! The client's side of the wire: the same JSON as tarpc's `Json` format, read from the whole
//! frame at once.
//!
//! tarpc's format (from `tokio-serde`) reads each reply through `serde_json::from_reader` over
//! the frame's buffer, which copies it a few bytes at a time; a list of a few servers spent as
//! long in that copy as the daemon spent answering. The frame is already whole in memory when
//! it is decoded (the length-delimited framing waits for all of it), so it is parsed as a slice.
//! The bytes on the socket are exactly tarpc's: the daemon and older clients see no change.

use std::io;
use std::pin::Pin;

use tarpc::tokio_serde::{Deserializer, Serializer};
use tarpc::tokio_util::bytes::{Bytes, BytesMut};
use tarpc::{ClientMessage, Response};

use super::{UpstraRequest, UpstraResponse};

/// Requests out, replies in, as JSON: pass `ClientFormat::default` where tarpc's
/// `serde_transport` asks for a codec.
#[derive(Debug, Default, Clone, Copy)]
pub struct ClientFormat;

impl Serializer<ClientMessage<UpstraRequest>> for ClientFormat {
    type Error = io::Error;

    fn serialize(
        self: Pin<&mut Self>,
        item: &ClientMessage<UpstraRequest>,
    ) -> Result<Bytes, io::Error> {
        serde_json::to_vec(item)
            .map(Bytes::from)
            .map_err(io::Error::other)
    }
}

impl Deserializer<Response<UpstraResponse>> for ClientFormat {
    type Error = io::Error;

    fn deserialize(
        self: Pin<&mut Self>,
        src: &BytesMut,
    ) -> Result<Response<UpstraResponse>, io::Error> {
        serde_json::from_slice(src).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use tarpc::tokio_serde::formats::Json;

    /// What tarpc's own format writes and reads, this one writes and reads alike.
    #[test]
    fn the_bytes_are_tarpcs() {
        let request = ClientMessage::Request(tarpc::Request {
            context: tarpc::context::current(),
            id: 3,
            message: UpstraRequest::Health {},
        });
        let ours = Pin::new(&mut ClientFormat)
            .serialize(&request)
            .expect("ours");
        let mut json: Json<Response<UpstraResponse>, ClientMessage<UpstraRequest>> =
            Json::default();
        let theirs = Pin::new(&mut json).serialize(&request).expect("tarpc's");
        // The deadline is relative to when each was written: compare the rest.
        let strip = |b: &[u8]| {
            let mut v: serde_json::Value = serde_json::from_slice(b).expect("json");
            v["Request"]["context"]["deadline"] = serde_json::Value::Null;
            v
        };
        assert_eq!(strip(&ours), strip(&theirs));

        let reply = Response {
            request_id: 3,
            message: Ok(UpstraResponse::ListServers(Ok(Vec::new()))),
        };
        let bytes = serde_json::to_vec(&reply).expect("reply");
        let read = Pin::new(&mut ClientFormat)
            .deserialize(&BytesMut::from(bytes.as_slice()))
            .expect("ours reads it");
        assert_eq!(read.request_id, 3);
        assert!(matches!(read.message, Ok(UpstraResponse::ListServers(Ok(v))) if v.is_empty()));
    }
}
