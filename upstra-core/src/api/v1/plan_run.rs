//! `plan_run`'s request: which UPS to shed for, whether the shed may be undone by itself, and
//! whether a shed on mains may power off this host and cut the UPS's output.
//!
//! On the wire it is a plain string (the UPS) when every flag is off, exactly what clients
//! written before the flags send, so old clients and new daemons, and new clients asking for
//! the default and old daemons, understand each other. With a flag it is an object, which a
//! daemon older than `auto_restore` refuses rather than silently ignoring the request.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A shed an operator starts by hand.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanRunRequest {
    /// The UPS whose load is shed.
    pub ups: String,
    /// Undo the shed by itself once mains has been stable for the UPS's `restore_after`, as
    /// after a real outage. Off by default: a shed started by hand waits for `plan restore`.
    pub auto_restore: bool,
    /// Keep the shed's last steps (this host's shutdown, the UPS cutting its output) in a
    /// shed started while the UPS is on mains. Off by default: planned work never powers off
    /// the daemon's own machine by surprise. On battery they are always kept.
    pub include_this_host: bool,
}

impl PlanRunRequest {
    /// A shed that waits for an operator's `plan restore`.
    pub fn new(ups: impl Into<String>) -> Self {
        Self {
            ups: ups.into(),
            auto_restore: false,
            include_this_host: false,
        }
    }
}

impl From<String> for PlanRunRequest {
    fn from(ups: String) -> Self {
        Self::new(ups)
    }
}

impl From<&str> for PlanRunRequest {
    fn from(ups: &str) -> Self {
        Self::new(ups)
    }
}

#[derive(Serialize, Deserialize)]
struct Full {
    ups: String,
    #[serde(default)]
    auto_restore: bool,
    #[serde(default)]
    include_this_host: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Either {
    Name(String),
    Full(Full),
}

impl Serialize for PlanRunRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.auto_restore || self.include_this_host {
            Full {
                ups: self.ups.clone(),
                auto_restore: self.auto_restore,
                include_this_host: self.include_this_host,
            }
            .serialize(s)
        } else {
            s.serialize_str(&self.ups)
        }
    }
}

impl<'de> Deserialize<'de> for PlanRunRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Either::deserialize(d)? {
            Either::Name(ups) => Self::new(ups),
            Either::Full(Full {
                ups,
                auto_restore,
                include_this_host,
            }) => Self {
                ups,
                auto_restore,
                include_this_host,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_plain_name_older_peers_know() {
        let req = PlanRunRequest::new("ups-a");
        assert_eq!(serde_json::to_string(&req).unwrap(), "\"ups-a\"");
        let old: PlanRunRequest = serde_json::from_str("\"ups-a\"").unwrap();
        assert_eq!(old, req);
    }

    #[test]
    fn auto_restore_travels_as_an_object() {
        let req = PlanRunRequest {
            ups: "ups-a".into(),
            auto_restore: true,
            include_this_host: false,
        };
        let text = serde_json::to_string(&req).unwrap();
        assert_eq!(
            text,
            r#"{"ups":"ups-a","auto_restore":true,"include_this_host":false}"#
        );
        assert_eq!(serde_json::from_str::<PlanRunRequest>(&text).unwrap(), req);
        // What a client before `include_this_host` sent still reads, without it.
        let old: PlanRunRequest =
            serde_json::from_str(r#"{"ups":"ups-a","auto_restore":true}"#).unwrap();
        assert_eq!(old, req);
    }

    #[test]
    fn include_this_host_travels_as_an_object() {
        let req = PlanRunRequest {
            include_this_host: true,
            ..PlanRunRequest::new("ups-a")
        };
        let text = serde_json::to_string(&req).unwrap();
        assert_eq!(
            text,
            r#"{"ups":"ups-a","auto_restore":false,"include_this_host":true}"#
        );
        assert_eq!(serde_json::from_str::<PlanRunRequest>(&text).unwrap(), req);
    }
}
