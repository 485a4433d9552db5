//! How a server's power is declared beyond its feeds: how many feeds it needs
//! (`feeds_required` on a `[[server]]`) and how far apart a room's servers power on
//! (`power_on_stagger` on a `[[room]]`), and which server the daemon itself runs on
//! (`this_host`).

use toml::Spanned;

use super::outage::RawDuration;
use super::{Checker, KnownNames};
use crate::ids::{RoomId, ServerId, UpsId};
use crate::model::{
    DEFAULT_FEEDS_REQUIRED, DEFAULT_POWER_ON_STAGGER_S, Inventory, MAX_POWER_ON_STAGGER_S,
    ServerKind,
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

impl Checker<'_> {
    /// The UPS a `feeds` list names: declared, each once, and at least one (a server on no
    /// managed UPS leaves `feeds` out, so that an empty list is never a slip).
    pub(super) fn feeds(
        &mut self,
        listed: Spanned<Vec<Spanned<String>>>,
        server: &ServerId,
        inventory: &Inventory,
        known: &KnownNames,
    ) -> Vec<UpsId> {
        let span = listed.span();
        let mut feeds = Vec::new();
        for feed in listed.into_inner() {
            let fspan = feed.span();
            let Some(ups) = self.ok(fspan.clone(), UpsId::new(feed.into_inner())) else {
                continue;
            };
            if !(inventory.ups.contains_key(&ups) || known.ups.contains(&ups)) {
                self.error(
                    fspan,
                    format!("server `{server}`: feed `{ups}` is not a declared UPS"),
                );
            } else if feeds.contains(&ups) {
                self.error(
                    fspan,
                    format!("server `{server}`: feed `{ups}` is listed twice"),
                );
            } else {
                feeds.push(ups);
            }
        }
        if feeds.is_empty() {
            self.error(
                span,
                format!(
                    "server `{server}`: feeds must name at least one UPS; leave feeds out for a server on no UPS that Upstra manages"
                ),
            );
        }
        feeds
    }
}
