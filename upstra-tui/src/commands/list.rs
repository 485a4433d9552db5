//! `room list`, `ups list`, `server list`, `vm list`. With `--json` the output is exactly the
//! API's array of views (`RoomView`, `UpsView`, `ServerView`, `VmView`), a stable shape for
//! scripts; without it, an aligned table with the live state.

use std::path::Path;

use upstra_core::api::v1::{RoomView, ServerView, UpsView, VmView};

use super::{out, out_json, signed_in};
use crate::client::timeouts;
use crate::error::CliError;
use crate::format;
use crate::table::{Align, Table};

/// `upstra room list`.
pub async fn rooms(socket: &Path, json: bool) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let rooms = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.list_rooms(ctx, token).await
        })
        .await?;
    if json {
        return out_json(&rooms);
    }
    out(&rooms_table(&rooms))
}

/// `upstra ups list`.
pub async fn ups(socket: &Path, json: bool) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let ups = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.list_ups(ctx, token).await
        })
        .await?;
    if json {
        return out_json(&ups);
    }
    out(&ups_table(&ups))
}

/// `upstra server list`.
pub async fn servers(socket: &Path, json: bool) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let servers = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.list_servers(ctx, token).await
        })
        .await?;
    if json {
        return out_json(&servers);
    }
    out(&servers_table(&servers))
}

/// `upstra vm list`.
pub async fn vms(socket: &Path, json: bool) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let vms = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.list_vms(ctx, token).await
        })
        .await?;
    if json {
        return out_json(&vms);
    }
    out(&vms_table(&vms))
}

fn or_none(value: Option<&str>) -> String {
    value.unwrap_or(format::NONE).to_owned()
}

fn rooms_table(rooms: &[RoomView]) -> String {
    let mut t = Table::new(&[
        ("NAME", Align::Left),
        ("UPS", Align::Right),
        ("SERVERS", Align::Right),
    ]);
    for r in rooms {
        t.row(vec![
            r.name.clone(),
            r.ups.len().to_string(),
            r.servers.len().to_string(),
        ]);
    }
    t.render()
}

fn ups_table(ups: &[UpsView]) -> String {
    let mut t = Table::new(&[
        ("NAME", Align::Left),
        ("ROOM", Align::Left),
        ("STATUS", Align::Left),
        ("CHARGE", Align::Right),
        ("RUNTIME", Align::Right),
        ("LOAD", Align::Right),
        ("REACHABILITY", Align::Left),
    ]);
    for u in ups {
        t.row(vec![
            u.name.clone(),
            u.room.clone(),
            or_none(u.status.as_deref().filter(|s| !s.is_empty())),
            format::percent(u.charge_pct),
            format::runtime(u.runtime_s),
            format::percent(u.load_pct),
            u.reachability.to_string(),
        ]);
    }
    t.render()
}

fn servers_table(servers: &[ServerView]) -> String {
    let mut t = Table::new(&[
        ("NAME", Align::Left),
        ("ROOM", Align::Left),
        ("KIND", Align::Left),
        ("POWER", Align::Left),
        ("HEALTH", Align::Left),
        ("FEEDS", Align::Left),
        ("TIER", Align::Right),
    ]);
    for s in servers {
        t.row(vec![
            s.name.clone(),
            s.room.clone(),
            s.kind.to_string(),
            s.power.to_string(),
            format::health(s.health).to_owned(),
            feeds_cell(s),
            s.tier.to_string(),
        ]);
    }
    t.render()
}

/// The feeds, and how many must carry power when one is not enough; a server declared
/// without feeds is on no UPS that Upstra manages.
fn feeds_cell(s: &ServerView) -> String {
    if s.feeds.is_empty() {
        return "no UPS".to_owned();
    }
    let feeds = s.feeds.join(",");
    if s.feeds_required > 1 {
        format!("{feeds} (needs {})", s.feeds_required)
    } else {
        feeds
    }
}

fn vms_table(vms: &[VmView]) -> String {
    let mut t = Table::new(&[
        ("NAME", Align::Left),
        ("HOST", Align::Left),
        ("SERVER", Align::Left),
        ("POWER", Align::Left),
        ("CPUS", Align::Right),
        ("MEMORY", Align::Right),
    ]);
    for v in vms {
        t.row(vec![
            v.name.clone(),
            or_none(v.host.as_deref()),
            or_none(v.server.as_deref()),
            v.power.to_string(),
            v.cpus.to_string(),
            format::mebibytes(v.memory_mib),
        ]);
    }
    t.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ups_table_shows_live_state() {
        let ups = UpsView {
            name: "ups-a1".into(),
            room: "lab-a".into(),
            nut: "ups1@127.0.0.1:3493".into(),
            snmp: None,
            has_login: false,
            reachability: "ok".into(),
            status: Some("OB DISCHRG".into()),
            charge_pct: Some(84.0),
            runtime_s: Some(1260),
            load_pct: Some(31.0),
            input_voltage: None,
            comms_lost_reason: None,
            updated_at: None,
        };
        assert_eq!(
            ups_table(&[ups]),
            "NAME    ROOM   STATUS      CHARGE  RUNTIME  LOAD  REACHABILITY\n\
             ups-a1  lab-a  OB DISCHRG     84%  21m 00s   31%  ok\n"
        );
    }

    #[test]
    fn a_vm_without_a_host_says_so() {
        let vm = VmView {
            id: "vm-1".into(),
            name: "web".into(),
            host: None,
            server: None,
            power: "off".into(),
            cpus: 2,
            memory_mib: 2048,
        };
        assert_eq!(
            vms_table(&[vm]),
            "NAME  HOST  SERVER  POWER  CPUS  MEMORY\n\
             web   -     -       off       2   2 GiB\n"
        );
    }
}
