//! The Upstra console and scripting CLI (binary `upstra`).
//!
//! Layout:
//! - [`cli`]: the command line (clap derive), including the documented exit codes.
//! - [`commands`]: one module per group of subcommands; each talks to the daemon through
//!   [`client`] and prints for humans or, with `--json`, the API's wire types.
//! - [`client`]: connecting to `upstrad` over its Unix socket, deadlines, and turning transport
//!   failures into one clear sentence.
//! - [`session`]: where the login token is kept (per Unix user and per socket), written
//!   atomically with mode 0600.
//! - [`console`]: the full-screen console, in the Elm style: `State`, `Action`, a pure
//!   `update` returning `Effect`s, `render(&State)`, and a driver that runs the effects.
//! - [`table`], [`format`](mod@format): aligned text tables and unit formatting shared by the CLI and the
//!   console.
//! - [`error`]: the CLI's error type and its exit codes.
//! - [`logging`]: tracing to a file, never to the terminal the console draws on.
//! - [`qr`]: QR codes drawn with text, for two-factor enrollment in the CLI and the console.
//! - [`ssh`]: the SSH client of the console's pane and of `upstra ssh`: host key checked
//!   against the inventory, the operator's agent, key or password, a PTY, bounded output.
//! - `demo` (feature `demo`): an in-process daemon on a simulated lab, then the console.
//!
//! Deliberately absent: any access to the store or the peers. This crate knows the daemon only
//! through `upstra_core::api::v1`.
#![forbid(unsafe_code)]

pub mod audit_words;
pub mod cli;
pub mod client;
pub mod commands;
pub mod console;
#[cfg(feature = "demo")]
pub mod demo;
pub mod error;
pub mod event_filter;
pub mod format;
pub mod logging;
pub mod qr;
pub mod session;
pub mod ssh;
pub mod table;
