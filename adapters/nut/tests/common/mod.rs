//! Helpers shared by the integration tests.

use upstra_core::ids::{RoomId, UpsId};
use upstra_core::model::{Credentials, NutEndpoint, Ups};
use upstra_core::secret::Secret;

/// A UPS `name` on the upsd at `host:port`, with an optional login.
pub fn ups(name: &str, host: &str, port: u16, login: Option<(&str, &str)>) -> Ups {
    Ups {
        id: UpsId::new(format!("{name}-{port}")).expect("valid id"),
        room: RoomId::new("lab").expect("valid id"),
        source: upstra_core::model::UpsSource::Nut(NutEndpoint {
            ups: name.into(),
            host: host.into(),
            port,
        }),
        login: login.map(|(user, password)| Credentials {
            user: user.into(),
            password: Some(Secret::new(password)),
        }),
        policy: Default::default(),
    }
}
