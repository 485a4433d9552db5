//! Permission bits, built-in roles and the authorization decision.
//!
//! This daemon gives every user one global role; per-resource grants arrive with the
//! identity work and extend [`authorize`] without changing its callers.

use std::fmt;
use std::ops::BitOr;

use serde::{Deserialize, Serialize};

/// A set of permissions, as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Permissions(u32);

impl Permissions {
    pub const NONE: Self = Self(0);
    /// See inventory and state.
    pub const READ: Self = Self(1 << 0);
    /// Change the inventory.
    pub const WRITE: Self = Self(1 << 1);
    /// Remove inventory objects.
    pub const DELETE: Self = Self(1 << 2);
    /// Power servers and VMs on, off, restart.
    pub const POWER: Self = Self(1 << 3);
    /// Migrate VMs, maintenance mode.
    pub const MIGRATE: Self = Self(1 << 4);
    /// Open a shell on a server.
    pub const SSH: Self = Self(1 << 5);
    /// Run or cancel outage plans.
    pub const PLAN: Self = Self(1 << 6);
    /// Read the audit log.
    pub const AUDIT: Self = Self(1 << 7);
    /// Users, roles, settings.
    pub const ADMIN: Self = Self(1 << 8);
    pub const ALL: Self = Self((1 << 9) - 1);

    const NAMES: [(Self, &'static str); 9] = [
        (Self::READ, "read"),
        (Self::WRITE, "write"),
        (Self::DELETE, "delete"),
        (Self::POWER, "power"),
        (Self::MIGRATE, "migrate"),
        (Self::SSH, "ssh"),
        (Self::PLAN, "plan"),
        (Self::AUDIT, "audit"),
        (Self::ADMIN, "admin"),
    ];

    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Keeps only known bits.
    pub const fn from_bits_truncate(bits: u32) -> Self {
        Self(bits & Self::ALL.0)
    }

    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The names of the bits set, in a fixed order.
    pub fn names(self) -> Vec<String> {
        Self::NAMES
            .iter()
            .filter(|(p, _)| self.contains(*p))
            .map(|(_, n)| (*n).to_owned())
            .collect()
    }

    /// Parses permission names (`read`, `power`, ...); unknown names are an error naming them.
    pub fn parse_names<S: AsRef<str>>(names: &[S]) -> Result<Self, String> {
        names.iter().try_fold(Self::NONE, |acc, name| {
            let name = name.as_ref().trim();
            Self::NAMES
                .iter()
                .find(|(_, n)| *n == name)
                .map(|(p, _)| acc | *p)
                .ok_or_else(|| {
                    let known: Vec<&str> = Self::NAMES.iter().map(|(_, n)| *n).collect();
                    format!("`{name}` is not a permission; use {}", known.join(", "))
                })
        })
    }
}

impl BitOr for Permissions {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl fmt::Display for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Self::NAMES
            .iter()
            .filter(|(p, _)| self.contains(*p))
            .map(|(_, n)| *n)
            .collect();
        if names.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&names.join(","))
        }
    }
}

/// The roles every installation has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuiltinRole {
    Admin,
    Operator,
    Viewer,
}

impl BuiltinRole {
    pub const ALL: [Self; 3] = [Self::Admin, Self::Operator, Self::Viewer];

    pub fn permissions(self) -> Permissions {
        use Permissions as P;
        match self {
            Self::Admin => P::ALL,
            Self::Operator => P::READ | P::WRITE | P::POWER | P::MIGRATE | P::SSH | P::PLAN,
            Self::Viewer => P::READ,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Operator => "operator",
            Self::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The outcome of an authorization check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Denied; carries what was missing.
    Deny {
        missing: Permissions,
    },
}

/// Deny by default: allowed only when `held` contains every bit of `needed`.
pub fn authorize(held: Permissions, needed: Permissions) -> Decision {
    if held.contains(needed) {
        Decision::Allow
    } else {
        Decision::Deny {
            missing: Permissions(needed.0 & !held.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn builtin_roles_table() {
        use Permissions as P;
        let cases = [
            (BuiltinRole::Admin, P::ADMIN, true),
            (BuiltinRole::Operator, P::POWER, true),
            (BuiltinRole::Operator, P::ADMIN, false),
            (BuiltinRole::Operator, P::AUDIT, false),
            (BuiltinRole::Viewer, P::READ, true),
            (BuiltinRole::Viewer, P::POWER, false),
            (BuiltinRole::Viewer, P::SSH, false),
        ];
        for (role, needed, allowed) in cases {
            let d = authorize(role.permissions(), needed);
            assert_eq!(d == Decision::Allow, allowed, "{role:?} {needed}");
        }
    }

    #[test]
    fn permission_names_round_trip_and_unknown_ones_are_refused() {
        let p = Permissions::READ | Permissions::POWER;
        assert_eq!(Permissions::parse_names(&p.names()), Ok(p));
        assert!(
            Permissions::parse_names(&["read", "fly"])
                .expect_err("unknown")
                .contains("`fly`")
        );
    }

    #[test]
    fn names_the_missing_bits() {
        let d = authorize(Permissions::READ, Permissions::READ | Permissions::POWER);
        assert_eq!(
            d,
            Decision::Deny {
                missing: Permissions::POWER
            }
        );
        assert_eq!(Permissions::POWER.to_string(), "power");
    }

    proptest! {
        #[test]
        fn more_bits_never_deny_what_fewer_allowed(held in 0u32..512, extra in 0u32..512, needed in 0u32..512) {
            let held = Permissions::from_bits_truncate(held);
            let wider = held | Permissions::from_bits_truncate(extra);
            let needed = Permissions::from_bits_truncate(needed);
            if authorize(held, needed) == Decision::Allow {
                prop_assert_eq!(authorize(wider, needed), Decision::Allow);
            }
        }
    }
}
