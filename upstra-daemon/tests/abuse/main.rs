//! The daemon under attack from its own socket: what a local process in the `upstra` group
//! (or any process that can open the socket) might try, driven against the real `upstrad`
//! binary. Each module reproduces one family of findings and proves its fix.
#![allow(clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;

mod connections;
mod hostile_text;
mod limits;
mod scope;
