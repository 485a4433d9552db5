//! Redis Streams event bus: publishes a daemon's events to its own stream, idempotently by
//! event seq, and follows other daemons' streams; implements
//! [`upstra_core::traits::EventBus`].
//!
//! The daemon's event log stays the source of truth. The bus is for other daemons and
//! dashboards: at-least-once delivery from the daemon's outbox, made exactly-once in the stream
//! by the entry ID (`0-<seq>`), which Redis accepts only above the stream's highest.
//!
//! # Layout
//! - [`RedisBus`] (`bus.rs`): `publish`, `publish_batch`, `last_id`, the trait impl, and the
//!   deadline around every call; `follow.rs`: [`RedisBus::follow`].
//! - `link.rs`: one lazily made connection with reconnection backoff (two per bus).
//! - No I/O: `entry.rs` (IDs, fields, the publish script, decoding), `error.rs`
//!   ([`BusError`], mapping to `AdapterError`), `target.rs` (the URL with its password masked),
//!   `options.rs` ([`BusOptions`]).
//!
//! # Use
//!
//! ```no_run
//! # async fn demo(record: upstra_core::events::EventRecord) -> Result<(), upstra_adapter_redis::BusError> {
//! use std::time::Duration;
//! use upstra_adapter_redis::{BusOptions, Published, RedisBus, stream_key};
//!
//! let bus = RedisBus::new("redis://127.0.0.1:6379", BusOptions::for_site("paris"))?; // no I/O
//! let already = bus.last_id().await?; // seq of the newest entry, if any
//! match bus.publish(&record).await? {
//!     Published::New | Published::AlreadyPresent => {} // either way it is in the stream
//! }
//! let mut cursors = vec![(stream_key("lyon"), "0".to_owned())];
//! let events = bus.follow(&mut cursors, Duration::from_secs(5), 100).await?;
//! # let _ = (already, events); Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod bus;
mod entry;
mod error;
mod follow;
mod link;
mod options;
mod target;

pub use bus::{BatchOutcome, Published, RedisBus};
pub use error::{BatchError, BusError};
pub use follow::FollowedEvent;
pub use options::{BusOptions, stream_key};
