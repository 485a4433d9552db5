//! Every method of the service with the access it needs: one table, checked before any
//! handler runs.

use crate::rbac::Permissions;

/// The methods of [`super::Upstra`], one variant each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Health,
    Setup,
    Login,
    Logout,
    WhoAmI,
    Apply,
    ListRooms,
    ListUps,
    ListServers,
    ListVms,
    EventsSince,
}

/// What a caller needs to reach a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone who can open the socket.
    Public,
    /// A valid session whose user holds these permissions.
    Session(Permissions),
}

impl Method {
    pub const ALL: [Method; 11] = [
        Self::Health,
        Self::Setup,
        Self::Login,
        Self::Logout,
        Self::WhoAmI,
        Self::Apply,
        Self::ListRooms,
        Self::ListUps,
        Self::ListServers,
        Self::ListVms,
        Self::EventsSince,
    ];

    /// The access table. Deny by default: a method must be listed here to be reachable at all,
    /// and the compiler makes every new method appear in this match.
    pub const fn access(self) -> Access {
        use Permissions as P;
        match self {
            Self::Health | Self::Setup | Self::Login => Access::Public,
            Self::Logout | Self::WhoAmI => Access::Session(P::NONE),
            Self::Apply => Access::Session(P::WRITE),
            Self::ListRooms
            | Self::ListUps
            | Self::ListServers
            | Self::ListVms
            | Self::EventsSince => Access::Session(P::READ),
        }
    }

    pub const fn is_public(self) -> bool {
        matches!(self.access(), Access::Public)
    }

    /// The name used in logs and the audit trail.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Health => "health",
            Self::Setup => "setup",
            Self::Login => "login",
            Self::Logout => "logout",
            Self::WhoAmI => "whoami",
            Self::Apply => "apply",
            Self::ListRooms => "list_rooms",
            Self::ListUps => "list_ups",
            Self::ListServers => "list_servers",
            Self::ListVms => "list_vms",
            Self::EventsSince => "events_since",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_health_setup_and_login_are_public() {
        let public: Vec<_> = Method::ALL
            .iter()
            .filter(|m| m.is_public())
            .map(|m| m.name())
            .collect();
        assert_eq!(public, ["health", "setup", "login"]);
    }
}
