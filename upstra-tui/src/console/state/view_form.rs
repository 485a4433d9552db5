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
    /// A UPS read over NUT (the form's Source is `nut`)...
    Ups,
    /// ...or over SNMP: the same form, showing the SNMP fields instead.
    UpsSnmp,
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
    /// How a UPS is read: `nut` or `snmp`.
    Source,
    /// An SNMP agent's `host[:port]`.
    Address,
    /// The SNMP version: v1, v2c or v3.
    Version,
    /// A v1/v2c community, typed...
    Community,
    /// ...or read from this file.
    CommunityFile,
    /// The SNMPv3 (USM) user.
    SnmpUser,
    AuthProtocol,
    AuthPassword,
    /// `none` (authNoPriv) or an AES size.
    PrivProtocol,
    PrivPassword,
    Mib,
}

/// The `PrivProtocol` choice for authNoPriv: a lab file says it by leaving `priv_protocol` out.
pub const NO_PRIVACY: &str = "none";

impl FieldName {
    /// Typed but never shown.
    pub fn is_secret(self) -> bool {
        matches!(
            self,
            Self::Password
                | Self::Repeat
                | Self::Community
                | Self::AuthPassword
                | Self::PrivPassword
        )
    }

    /// The values a field takes, in the order ←/→ goes through them; empty for free text.
    /// The SNMP ones are the lab file's words, from `upstra-core`.
    pub fn choices(self) -> Vec<&'static str> {
        use upstra_core::snmp::{SnmpAuthProtocol, SnmpMib, SnmpPrivProtocol, SnmpVersion};
        match self {
            Self::Source => vec!["nut", "snmp"],
            Self::Version => SnmpVersion::ALL.iter().map(|v| v.as_str()).collect(),
            Self::AuthProtocol => SnmpAuthProtocol::ALL.iter().map(|p| p.as_str()).collect(),
            Self::PrivProtocol => std::iter::once(NO_PRIVACY)
                .chain(SnmpPrivProtocol::ALL.iter().map(|p| p.as_str()))
                .collect(),
            Self::Mib => SnmpMib::ALL.iter().map(|m| m.as_str()).collect(),
            _ => Vec::new(),
        }
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
    /// Fields typed but not shown now (the SNMP ones while the UPS is read over NUT, the v3
    /// ones while the version is v2c...): kept, so that switching back finds them, and wiped
    /// with the form.
    pub stash: Vec<Field>,
}

impl Form {
    pub fn new(purpose: FormPurpose, fields: Vec<Field>) -> Self {
        Self {
            purpose,
            fields,
            focus: 0,
            error: None,
            pending: false,
            stash: Vec::new(),
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
