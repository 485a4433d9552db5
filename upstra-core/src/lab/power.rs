//! How a server's power is declared beyond its feeds: how many feeds it needs
//! (`feeds_required` on a `[[server]]`) and how far apart a room's servers power on
//! (`power_on_stagger` on a `[[room]]`), and which server the daemon itself runs on
//! (`this_host`).

use toml::Spanned;

use super::Checker;
use super::outage::RawDuration;
use crate::ids::{RoomId, ServerId};
use crate::model::{
    DEFAULT_FEEDS_REQUIRED, DEFAULT_POWER_ON_STAGGER_S, MAX_POWER_ON_STAGGER_S, ServerKind,
};

impl Checker<'_> {
    /// `feeds_required`: from 1 to the number of feeds; a server cannot need more power
    /// supplies fed than it has.
    pub(super) fn feeds_required(
        &mut self,
        value: Option<Spanned<i64>>,
        server: &ServerId,
        feeds: usize,
    ) -> u8 {
        let Some(value) = value else {
            return DEFAULT_FEEDS_REQUIRED;
        };
        let n = *value.get_ref();
        let most = i64::try_from(feeds).unwrap_or(i64::MAX).max(1);
        match u8::try_from(n) {
            Ok(ok) if (1..=most).contains(&n) => ok,
            _ => {
                self.error(
                value.span(),
                format!(
                    "server `{server}`: feeds_required must be from 1 to its number of feeds ({feeds}), not {n}"
                ),
            );
                DEFAULT_FEEDS_REQUIRED
            }
        }
    }

    /// `power_on_stagger`: a duration up to [`MAX_POWER_ON_STAGGER_S`]; 0 powers the room
    /// on all at once.
    pub(super) fn power_on_stagger(
        &mut self,
        value: Option<Spanned<RawDuration>>,
        room: &RoomId,
    ) -> u64 {
        let span = value.as_ref().map(Spanned::span);
        let key = format!("room `{room}`: power_on_stagger");
        let secs = self.secs(value, &key, DEFAULT_POWER_ON_STAGGER_S);
        match span {
            Some(span) if secs > MAX_POWER_ON_STAGGER_S => {
                self.error(
                    span,
                    format!("{key} must be at most {MAX_POWER_ON_STAGGER_S} s, not {secs} s"),
                );
                DEFAULT_POWER_ON_STAGGER_S
            }
            _ => secs,
        }
    }

    /// `this_host = true`: at most one server, and not a hypervisor (this host is shut down
    /// by the daemon through systemd, never through vSphere).
    pub(super) fn this_host(
        &mut self,
        value: Option<Spanned<bool>>,
        server: &ServerId,
        kind: Option<ServerKind>,
        seen: &mut Option<ServerId>,
    ) -> bool {
        let Some(value) = value else {
            return false;
        };
        if !*value.get_ref() {
            return false;
        }
        if let Some(first) = seen {
            self.error(
                value.span(),
                format!(
                    "server `{server}`: this_host is already set on `{first}`; the daemon runs on one machine only"
                ),
            );
            return false;
        }
        if kind == Some(ServerKind::Hypervisor) {
            self.error(
                value.span(),
                format!(
                    "server `{server}`: this_host cannot be a hypervisor; the daemon's own machine is shut down through systemd, not vSphere"
                ),
            );
            return false;
        }
        *seen = Some(server.clone());
        true
    }
}
