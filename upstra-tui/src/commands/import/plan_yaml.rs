//! The predecessor's migration plan (`plans/migration.yml`): read with `serde_norway`, the
//! maintained fork of `serde_yaml` (deprecated; `serde_yml` is unsound), into the importer's
//! [`Plan`]. Its passwords go through [`Passwords`] on the way.

use std::fs;
use std::io::Read;
use std::path::Path;

use serde::Deserialize;
use upstra_core::bounds;
use upstra_core::import::{Login, Plan, PlanHost, PlanServer, PlanVCenter, SourceIlo};

use super::secrets::Passwords;
use crate::error::CliError;

/// Largest plan read: the lab file's own bound, which the plan's output must fit anyway.
const PLAN_FILE_BYTES: u64 = bounds::LAB_FILE_BYTES;

#[derive(Deserialize)]
#[serde(expecting = "a mapping with vCenter, ups and servers")]
struct RawPlan {
    #[serde(rename = "vCenter", alias = "vcenter")]
    vcenter: Option<RawVCenter>,
    ups: Option<RawGrace>,
    #[serde(default)]
    servers: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(expecting = "a mapping with ip, user, password and port")]
struct RawVCenter {
    ip: String,
    user: String,
    password: Option<String>,
    port: Option<i64>,
}

#[derive(Deserialize)]
#[serde(expecting = "a mapping with shutdownGrace and restartGrace")]
struct RawGrace {
    #[serde(rename = "shutdownGrace")]
    shutdown: Option<i64>,
    #[serde(rename = "restartGrace")]
    restart: Option<i64>,
}

#[derive(Deserialize)]
#[serde(expecting = "a mapping with a `server` key")]
struct RawEntry {
    server: RawServer,
}

#[derive(Deserialize)]
#[serde(expecting = "a mapping with host, destination and vmOrder")]
struct RawServer {
    host: RawHost,
    destination: Option<RawHost>,
    #[serde(rename = "vmOrder", default)]
    vm_order: Vec<RawVmRef>,
}

#[derive(Deserialize)]
#[serde(expecting = "a mapping with name, moid and ilo")]
struct RawHost {
    name: String,
    moid: String,
    ilo: Option<RawIlo>,
}

#[derive(Deserialize)]
#[serde(expecting = "a mapping with ip, user and password")]
struct RawIlo {
    ip: String,
    user: String,
    password: Option<String>,
}

#[derive(Deserialize)]
#[serde(expecting = "a mapping with vmMoId")]
struct RawVmRef {
    #[serde(rename = "vmMoId", alias = "vmMoid")]
    moid: String,
}

/// Reads and decrypts the plan at `path`.
pub fn read(path: &Path, passwords: &mut Passwords) -> Result<Plan, CliError> {
    let file = path.display().to_string();
    // It may hold plain passwords (some plans do): wiped when dropped.
    let mut text = zeroize::Zeroizing::new(String::new());
    fs::File::open(path)
        .and_then(|f| f.take(PLAN_FILE_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| {
            CliError::Usage(format!(
                "cannot read the migration plan {file}: {e}; give the predecessor's \
                 plans/migration.yml with --plan"
            ))
        })?;
    if text.len() as u64 > PLAN_FILE_BYTES {
        return Err(CliError::Failed(format!(
            "the migration plan {file} is over {PLAN_FILE_BYTES} bytes: not a plan the \
             predecessor wrote"
        )));
    }
    let raw: RawPlan = serde_norway::from_str(&text).map_err(|e| {
        CliError::Failed(format!(
            "{file} is not a migration plan the importer can read: {e}. It should be the \
             predecessor's plans/migration.yml (keys vCenter, ups, servers): fix it, or have \
             the predecessor write it again"
        ))
    })?;
    if raw.servers.len() > bounds::LAB_OBJECTS_PER_KIND {
        return Err(CliError::Failed(format!(
            "the migration plan {file} lists {} servers, more than the {} a lab file may declare",
            raw.servers.len(),
            bounds::LAB_OBJECTS_PER_KIND
        )));
    }
    let ilo = |i: RawIlo, passwords: &mut Passwords| SourceIlo {
        address: i.ip,
        login: Login {
            user: i.user,
            password: passwords.password(i.password.as_deref()),
        },
    };
    let host = |h: RawHost, passwords: &mut Passwords| PlanHost {
        name: h.name,
        moid: h.moid,
        ilo: h.ilo.map(|i| ilo(i, passwords)),
    };
    let servers = raw
        .servers
        .into_iter()
        .map(|e| PlanServer {
            host: host(e.server.host, passwords),
            destination: e.server.destination.map(|d| host(d, passwords)),
            vm_order: e.server.vm_order.into_iter().map(|v| v.moid).collect(),
        })
        .collect();
    let vcenter = raw.vcenter.map(|v| PlanVCenter {
        address: v.ip,
        port: v.port,
        login: Login {
            user: v.user,
            password: passwords.password(v.password.as_deref()),
        },
    });
    Ok(Plan {
        label: file,
        vcenter,
        shutdown_grace_s: raw.ups.as_ref().and_then(|u| u.shutdown),
        restart_grace_s: raw.ups.as_ref().and_then(|u| u.restart),
        servers,
    })
}
