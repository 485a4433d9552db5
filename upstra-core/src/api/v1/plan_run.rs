//! `plan_run`'s request: which UPS to shed for, and whether the shed may be undone by itself.
//!
//! On the wire it is a plain string (the UPS) when `auto_restore` is off, exactly what clients
//! written before the flag send, so old clients and new daemons, and new clients asking for
//! the default and old daemons, understand each other. With `auto_restore` it is an object,
//! which an older daemon refuses rather than silently ignoring the request.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A shed an operator starts by hand.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanRunRequest {
    /// The UPS whose load is shed.
    pub ups: String,
    /// Undo the shed by itself once mains has been stable for the UPS's `restore_after`, as
    /// after a real outage. Off by default: a shed started by hand waits for `plan restore`.
    pub auto_restore: bool,
}

impl PlanRunRequest {
    /// A shed that waits for an operator's `plan restore`.
    pub fn new(ups: impl Into<String>) -> Self {
        Self {
            ups: ups.into(),
            auto_restore: false,
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
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Either {
    Name(String),
    Full(Full),
}

impl Serialize for PlanRunRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.auto_restore {
            Full {
                ups: self.ups.clone(),
                auto_restore: true,
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
            Either::Full(Full { ups, auto_restore }) => Self { ups, auto_restore },
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
        };
        let text = serde_json::to_string(&req).unwrap();
        assert_eq!(text, r#"{"ups":"ups-a","auto_restore":true}"#);
        assert_eq!(serde_json::from_str::<PlanRunRequest>(&text).unwrap(), req);
    }
}
