//! The one way an audit record is written: a builder, appended by `Db::audit` (or inside a
//! store transaction), or by a handler through `Connection::audit`, which adds the caller's
//! uid.
//!
//! The detail is any serde value (a struct, or a `json!` object), turned into a JSON value
//! here and into text by serde_json when the record is appended: a quote or a brace in a name
//! the caller put in it stays inside its string and cannot forge a field. Going through a JSON
//! value keeps the stored text what it always was (object keys in sorted order), so the hash
//! chain of existing stores is unchanged.

use serde::Serialize;

use crate::clock;

/// One audit record to append. Never holds a secret.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub(super) at: i64,
    pub(super) actor: Option<String>,
    pub(super) peer_uid: Option<u32>,
    pub(super) action: String,
    pub(super) target: Option<String>,
    pub(super) result: String,
    pub(super) detail: Option<serde_json::Value>,
    pub(super) correlation: Option<String>,
}

impl AuditEntry {
    /// A record of `action` with its `result` (`ok`, `refused`, `failed`...), stamped now.
    pub fn new(action: impl Into<String>, result: impl Into<String>) -> Self {
        Self {
            at: clock::now().millis(),
            actor: None,
            peer_uid: None,
            action: action.into(),
            target: None,
            result: result.into(),
            detail: None,
            correlation: None,
        }
    }

    /// Stamps the record with another moment (milliseconds since the epoch).
    pub fn at(mut self, millis: i64) -> Self {
        self.at = millis;
        self
    }

    /// The user who did it.
    pub fn actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }

    /// The user who did it, when one is known.
    pub fn maybe_actor(mut self, actor: Option<impl Into<String>>) -> Self {
        self.actor = actor.map(Into::into);
        self
    }

    /// The Unix uid of the process that asked.
    pub fn peer_uid(mut self, uid: u32) -> Self {
        self.peer_uid = Some(uid);
        self
    }

    /// The Unix uid of the process that asked, when a process asked.
    pub fn maybe_peer_uid(mut self, uid: Option<u32>) -> Self {
        self.peer_uid = uid;
        self
    }

    /// What it was done to.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// What it was done to, when it names something.
    pub fn maybe_target(mut self, target: Option<impl Into<String>>) -> Self {
        self.target = target.map(Into::into);
        self
    }

    /// Ties the records of one operation together (an ssh session, a run).
    pub fn correlation(mut self, correlation: impl Into<String>) -> Self {
        self.correlation = Some(correlation.into());
        self
    }

    /// The details, typed. A value serde cannot turn into JSON (a map with non-string keys)
    /// is a bug in the caller: it is logged, and the record keeps the error instead, so the
    /// action itself is never left unaudited.
    pub fn detail(mut self, detail: &impl Serialize) -> Self {
        self.detail = Some(serde_json::to_value(detail).unwrap_or_else(|e| {
            tracing::error!(error = %e, action = %self.action, "cannot serialize an audit detail");
            serde_json::json!({ "unserializable_detail": e.to_string() })
        }));
        self
    }

    /// The details, when there are some.
    pub fn maybe_detail(self, detail: Option<&impl Serialize>) -> Self {
        match detail {
            Some(detail) => self.detail(detail),
            None => self,
        }
    }

    /// The action's name, for logs.
    pub fn action(&self) -> &str {
        &self.action
    }
}
