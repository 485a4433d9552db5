//! The entry point of the `request_frame` fuzz target (`fuzz/`), compiled only under
//! `--cfg fuzzing`, which the fuzzer sets: bytes as a client writes them to the socket, through
//! the connection's framing and message decoding and the pure part of the access check that
//! runs before any handler, with no socket, store or runtime.

use std::pin::Pin;

use tarpc::tokio_serde::{Deserializer, Serializer};
use tarpc::{ClientMessage, Request, Response};
use tokio_util::bytes::BytesMut;
use tokio_util::codec::Decoder;
use upstra_core::api::v1::{ApiError, UpstraRequest};
use upstra_core::ids::{ServerId, VmId};

use super::{method_of, refusal, wire};

/// Decodes `bytes` twice: as one frame's JSON (so the fuzzer need not learn the length prefix
/// to reach the decoder), and as a stream of length-delimited frames.
pub fn frames(bytes: &[u8]) {
    let mut format = wire::format();
    handle(&mut format, &BytesMut::from(bytes));
    let mut codec = wire::codec();
    let mut stream = BytesMut::from(bytes);
    // A decode error (a frame over the limit) ends the connection, as it ends it here.
    while let Ok(Some(frame)) = codec.decode(&mut stream) {
        handle(&mut format, &frame);
    }
}

fn handle(format: &mut wire::Format, frame: &BytesMut) {
    let decoded: Result<ClientMessage<UpstraRequest>, _> =
        Pin::new(&mut *format).deserialize(frame);
    if let Ok(ClientMessage::Request(request)) = decoded {
        admit(format, &request);
    }
}

/// What the guard computes from a request before it needs the store, and the refusal it would
/// write back.
fn admit(format: &mut wire::Format, request: &Request<UpstraRequest>) {
    let _ = upstra_core::bounds::check_request(&request.message);
    let _ = request.message.target_names();
    let (method, credential) = method_of(&request.message);
    let _ = (method.name(), method.access(), method.rate_tier());
    let _ = method.counts_globally();
    if let Some(token) = credential {
        let _ = crate::auth::token_hash(token);
    }
    match &request.message {
        UpstraRequest::ServerPower { server, .. } | UpstraRequest::SshOpen { server, .. } => {
            let _ = ServerId::new(server.clone());
        }
        UpstraRequest::VmPower { vm, .. } => {
            let _ = VmId::new(vm.as_str());
        }
        UpstraRequest::VmMigrate { vm, to, .. } => {
            let _ = (VmId::new(vm.as_str()), ServerId::new(to.clone()));
        }
        _ => {}
    }
    if let Some(reply) = refusal(method, ApiError::Unauthenticated) {
        let response = Response {
            request_id: request.id,
            message: Ok(reply),
        };
        if let Err(e) = Pin::new(&mut *format).serialize(&response) {
            panic!("a refusal did not serialize: {e}");
        }
    }
}
