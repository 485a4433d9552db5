//! Name newtypes. Inventory objects are identified by the names operators give them in the lab
//! file, so an id is a validated name: short, printable, safe in a shell and in a table.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::escape;

/// Longest accepted name, in bytes.
pub const MAX_NAME_LEN: usize = 64;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("a name cannot be empty")]
    Empty,
    // The refused name is shown escaped: it is exactly the text that may hold an escape sequence.
    #[error("`{}` is longer than {MAX_NAME_LEN} characters", escape(.0))]
    TooLong(String),
    #[error(
        "`{}` contains {ch:?}; use letters, digits, `.`, `_` or `-`",
        escape(name)
    )]
    BadChar { name: String, ch: char },
    #[error("`{}` must start with a letter or a digit", escape(.0))]
    BadStart(String),
}

/// Checks the rules every name follows: 1 to 64 ASCII letters, digits, `.`, `_`, `-`, starting
/// with a letter or digit.
pub fn validate_name(name: &str) -> Result<(), NameError> {
    let first = name.chars().next().ok_or(NameError::Empty)?;
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong(name.to_owned()));
    }
    if let Some(ch) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(NameError::BadChar {
            name: name.to_owned(),
            ch,
        });
    }
    if !first.is_ascii_alphanumeric() {
        return Err(NameError::BadStart(name.to_owned()));
    }
    Ok(())
}

macro_rules! name_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates `name` (see [`validate_name`]).
            pub fn new(name: impl Into<String>) -> Result<Self, NameError> {
                let name = name.into();
                validate_name(&name)?;
                Ok(Self(name))
            }

            /// The name as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = NameError;
            fn try_from(name: String) -> Result<Self, NameError> {
                Self::new(name)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = NameError;
            fn from_str(s: &str) -> Result<Self, NameError> {
                Self::new(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

name_id!(
    /// A room (a lab, a data room): the top of the tree.
    RoomId
);
name_id!(
    /// A UPS unit, as named in the lab file.
    UpsId
);
name_id!(
    /// A physical server (hypervisor, storage, network gear), as named in the lab file.
    ServerId
);
name_id!(
    /// A VM, by the hypervisor's stable reference (a vSphere managed object id such as `vm-42`).
    VmId
);
name_id!(
    /// A user's login name.
    UserName
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for ok in ["lab-a", "ups1", "esx-01.lab", "DC0_C0_H0", "a"] {
            assert!(RoomId::new(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_bad_names_with_the_reason() {
        assert_eq!(UpsId::new(""), Err(NameError::Empty));
        assert_eq!(
            UpsId::new("ups 1"),
            Err(NameError::BadChar {
                name: "ups 1".into(),
                ch: ' '
            })
        );
        assert_eq!(UpsId::new("-x"), Err(NameError::BadStart("-x".into())));
        assert!(matches!(
            UpsId::new("x".repeat(65)),
            Err(NameError::TooLong(_))
        ));
    }

    #[test]
    fn deserializing_validates() {
        let bad: Result<RoomId, _> = serde_json::from_str("\"a b\"");
        assert!(bad.is_err());
        let good: RoomId = serde_json::from_str("\"lab-a\"").expect("valid name");
        assert_eq!(good.as_str(), "lab-a");
    }
}
