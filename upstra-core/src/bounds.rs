//! How long a string and how many items a request may carry. The daemon checks every request
//! against these before its handler runs, so nothing over a bound is hashed, stored, logged or
//! audited; the console checks the lab file's size before it reads it.
//!
//! Lengths are in bytes (what the store and the frame pay for), not characters. A refusal
//! names the field, its length and the bound, never the value itself.

mod request;

pub use request::check_request;

use crate::ids::MAX_NAME_LEN;

/// User names: the names rules of `ids` (short enough for a table column and a rate-limit key).
pub const USER_NAME: usize = MAX_NAME_LEN;
/// Passwords and reset secrets. Long passphrases fit; argon2 hashes any length, but hashing
/// megabytes on every guess would make the login limit a CPU lever.
pub const PASSWORD: usize = 1024;
/// A TOTP or recovery code as typed: six digits or `XXXX-XXXX`, with room for spaces.
pub const CODE: usize = 64;
/// Role names (built-in and custom) and permission names.
pub const ROLE_NAME: usize = MAX_NAME_LEN;
/// Names and ids of inventory objects (rooms, UPS, servers, VMs, actions). vSphere allows 80
/// characters for a VM name; a resource adds a `kind:` prefix.
pub const OBJECT_NAME: usize = 256;
/// Session tokens and challenges: 64 hex characters; twice that leaves room for a format change.
pub const TOKEN: usize = 128;
/// Free text: reasons, URLs, addresses, NUT targets, file paths, fingerprints.
pub const FREE_TEXT: usize = 4096;
/// An SSH host key line: an 8192-bit RSA key is about 1.4 KB of base64.
pub const HOST_KEY: usize = 16 * 1024;
/// Permissions in one custom role: there are fewer than 32 permission names.
pub const PERMISSIONS: usize = 64;
/// Roles named by the two-factor setting.
pub const ROLES: usize = 256;
/// Objects of one kind (rooms, UPS, servers, VMs, feeds or dependencies of one server) in one
/// `apply`: a large installation has hundreds; ten times that still fits the frame.
pub const LAB_OBJECTS_PER_KIND: usize = 4096;
/// A lab file, read by the console: the largest lab above is well under a megabyte of TOML.
pub const LAB_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// What a message or an audit record keeps of a value that is shown back: enough to recognise
/// it, not enough to flood a log or a reply.
pub const SHOWN: usize = 64;

/// A value over its bound.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoundError {
    #[error("{field} is {len} bytes; at most {max}")]
    TooLong {
        field: String,
        len: usize,
        max: usize,
    },
    #[error("{field} has {count} entries; at most {max}")]
    TooMany {
        field: String,
        count: usize,
        max: usize,
    },
}

/// Refuses `value` when it is longer than `max` bytes.
pub fn check_len(field: &str, value: &str, max: usize) -> Result<(), BoundError> {
    if value.len() > max {
        return Err(BoundError::TooLong {
            field: field.to_owned(),
            len: value.len(),
            max,
        });
    }
    Ok(())
}

/// Refuses a list of more than `max` items.
pub fn check_count(field: &str, count: usize, max: usize) -> Result<(), BoundError> {
    if count > max {
        return Err(BoundError::TooMany {
            field: field.to_owned(),
            count,
            max,
        });
    }
    Ok(())
}

/// `text` cut to at most `max` bytes at a character boundary, with `…` when cut: for showing a
/// value back in a message or an audit record without carrying all of it.
pub fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let end = (0..=max)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests;
