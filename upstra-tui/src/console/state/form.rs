//! A small form over a view: the history's filter, a new user, a new grant. Its values are
//! kept in memory that is wiped when replaced or dropped, and the secret ones are never
//! drawn (render shows one `*` per character) nor printed by `Debug`.

use std::fmt;

use zeroize::Zeroizing;

use crate::console::message::Message;

/// What a form is for: it decides its fields and what Enter does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormPurpose {
    AuditFilter,
    AddUser,
    AddGrant,
    /// The setup wizard's first admin.
    SetupAdmin,
    /// The setup wizard's lab file, by path.
    LabFile,
    /// The setup wizard's objects, one at a time.
    Room,
    Ups,
    Vcenter,
    Server,
}

/// A field, by meaning: the catalog words its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldName {
    User,
    Action,
    Target,
    Since,
    Name,
    Role,
    Password,
    Repeat,
    Resource,
    Path,
    Room,
    /// `upsname@host:port`.
    Nut,
    Url,
    /// A pinned TLS certificate's SHA-256.
    Fingerprint,
    Kind,
    /// UPS names, separated by commas.
    Feeds,
    Tier,
    VsphereHost,
    BmcUrl,
}

impl FieldName {
    /// Typed but never shown.
    pub fn is_secret(self) -> bool {
        matches!(self, Self::Password | Self::Repeat)
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Field {
    pub name: FieldName,
    pub value: Zeroizing<String>,
}

impl Field {
    pub fn new(name: FieldName, value: &str) -> Self {
        Self {
            name,
            value: Zeroizing::new(value.to_owned()),
        }
    }
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value: &dyn fmt::Debug = if self.name.is_secret() {
            &"[redacted]"
        } else {
            &self.value.as_str()
        };
        f.debug_struct("Field")
            .field("name", &self.name)
            .field("value", value)
            .finish()
    }
}

/// The form itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub purpose: FormPurpose,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub error: Option<Message>,
    /// Sent; waiting for the daemon.
    pub pending: bool,
}

impl Form {
    pub fn new(purpose: FormPurpose, fields: Vec<Field>) -> Self {
        Self {
            purpose,
            fields,
            focus: 0,
            error: None,
            pending: false,
        }
    }

    /// The value of `name`, trimmed (secrets as typed).
    pub fn value(&self, name: FieldName) -> &str {
        self.fields.iter().find(|f| f.name == name).map_or("", |f| {
            if name.is_secret() {
                f.value.as_str()
            } else {
                f.value.trim()
            }
        })
    }

    /// Puts the focus on `name`.
    pub fn focus_on(&mut self, name: FieldName) {
        if let Some(at) = self.fields.iter().position(|f| f.name == name) {
            self.focus = at;
        }
    }

    /// Empties `name` (a password typed twice that did not match).
    pub fn clear(&mut self, name: FieldName) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.name == name) {
            f.value = Zeroizing::new(String::new());
        }
    }
}
