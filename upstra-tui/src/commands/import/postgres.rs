//! The predecessor's PostgreSQL database, read with `tokio-postgres`: rooms, UPS, servers with
//! their iLO, VMs and groups. Every column is read as text, cut to a bound in the query, and
//! parsed here; column names are looked up first, because TypeORM's naming allows both
//! `roomId` and `room_id` and the predecessor's notes use both.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config, NoTls};
use upstra_core::bounds;
use upstra_core::import::{
    Database, Login, ServerType, SourceGroup, SourceIlo, SourceRoom, SourceServer, SourceUps,
    SourceVm,
};
use zeroize::Zeroizing;

use super::pgpass;
use super::secrets::{PASSWORD_BYTES, Passwords};
use crate::error::CliError;

/// How long connecting may take before the database counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the whole read may take: a few small tables, even on a slow link.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest value read from any column: names and addresses are short, and a hostile row of a
/// gigabyte must not be carried across.
const VALUE_CHARS: usize = PASSWORD_BYTES;
/// Rows read per table: past what a lab file may declare, the import refuses.
const ROWS: usize = bounds::LAB_OBJECTS_PER_KIND;

/// Reads the database at `url`; its password from `password_file`, else a libpq password file.
pub async fn read(
    url: &str,
    password_file: Option<&Path>,
    passwords: &mut Passwords,
) -> Result<Database, CliError> {
    let mut config: Config = url.parse().map_err(|e| {
        CliError::Usage(format!(
            "--postgres {url} is not a PostgreSQL URL ({e}); write it like \
             postgresql://user@host:5432/database"
        ))
    })?;
    if config.get_password().is_some() {
        return Err(CliError::Usage(
            "the --postgres URL holds a password, which every user of this machine can read in \
             the process list: give the URL without it, and the password in \
             --postgres-password-file or a PGPASSFILE"
                .into(),
        ));
    }
    if let Some(password) = password(&config, password_file)? {
        config.password(password.as_bytes());
    }
    config.connect_timeout(CONNECT_TIMEOUT);
    let unreachable = |e: &dyn std::fmt::Display| {
        CliError::Failed(format!(
            "cannot read the database at {url}: {e}; check the URL, that PostgreSQL runs there \
             and is reachable from here, and the user's password (--postgres-password-file or \
             PGPASSFILE); nothing was written"
        ))
    };
    let work = async {
        let (client, connection) = config.connect(NoTls).await.map_err(|e| unreachable(&e))?;
        let driver = tokio::spawn(connection);
        let db = read_tables(&client, url, passwords).await;
        drop(client);
        let _ = driver.await;
        db
    };
    match tokio::time::timeout(READ_TIMEOUT, work).await {
        Ok(db) => db,
        Err(_) => Err(unreachable(&format!(
            "no answer within {} s",
            READ_TIMEOUT.as_secs()
        ))),
    }
}

/// The password for `config`: the named file's first line, or a PGPASSFILE match.
fn password(
    config: &Config,
    password_file: Option<&Path>,
) -> Result<Option<Zeroizing<String>>, CliError> {
    if let Some(file) = password_file {
        let mut text = Zeroizing::new(String::new());
        std::fs::File::open(file)
            .and_then(|f| f.take(PASSWORD_BYTES as u64).read_to_string(&mut text))
            .map_err(|e| {
                CliError::Usage(format!(
                    "cannot read the database password file {}: {e}",
                    file.display()
                ))
            })?;
        let line = text.lines().next().unwrap_or_default();
        return Ok(Some(Zeroizing::new(line.to_owned())));
    }
    let Some(path) = pgpass::locate() else {
        return Ok(None);
    };
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        // libpq matches a socket directory's entry as `localhost`.
        _ => "localhost".into(),
    };
    let user = config.get_user().unwrap_or_default();
    let wanted = pgpass::Wanted {
        host: &host,
        port: config.get_ports().first().copied().unwrap_or(5432),
        database: config.get_dbname().unwrap_or(user),
        user,
    };
    pgpass::lookup(&path, &wanted).map_err(CliError::Usage)
}

/// The columns of each table in the search path.
async fn columns(client: &Client) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let rows = client
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = ANY (current_schemas(false))",
            &[],
        )
        .await
        .map_err(|e| e.to_string())?;
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in rows {
        let (Ok(t), Ok(c)) = (row.try_get::<_, String>(0), row.try_get::<_, String>(1)) else {
            continue;
        };
        out.entry(t).or_default().insert(c);
    }
    Ok(out)
}

/// One table's rows, each a map from the importer's field name to the value (if any).
struct Table {
    rows: Vec<BTreeMap<&'static str, String>>,
}

impl Table {
    fn get<'r>(row: &'r BTreeMap<&'static str, String>, field: &str) -> Option<&'r str> {
        row.get(field).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// Reads `table`, each field from the first of its candidate columns that exists.
async fn table(
    client: &Client,
    columns: &BTreeMap<String, BTreeSet<String>>,
    table: &str,
    fields: &[(&'static str, &[&str])],
    readings: &mut Vec<String>,
) -> Result<Option<Table>, String> {
    let Some(cols) = columns.get(table) else {
        return Ok(None);
    };
    let mut select = Vec::new();
    let mut names = Vec::new();
    for (field, candidates) in fields {
        let Some(col) = candidates.iter().find(|c| cols.contains(**c)) else {
            continue;
        };
        if candidates.len() > 1 && col != &candidates[0] {
            readings.push(format!("{table}.{field} was read from its column {col}"));
        }
        select.push(format!(
            "left(\"{}\"::text, {VALUE_CHARS})",
            col.replace('"', "\"\"")
        ));
        names.push(*field);
    }
    if select.is_empty() {
        return Ok(Some(Table { rows: Vec::new() }));
    }
    let sql = format!(
        "SELECT {} FROM \"{}\" LIMIT {}",
        select.join(", "),
        table.replace('"', "\"\""),
        ROWS + 1
    );
    let rows = client.query(&sql, &[]).await.map_err(|e| e.to_string())?;
    if rows.len() > ROWS {
        return Err(format!(
            "table {table} holds more than {ROWS} rows, more than a lab file may declare"
        ));
    }
    let rows = rows
        .iter()
        .map(|row| {
            names
                .iter()
                .enumerate()
                .filter_map(|(i, name)| {
                    row.try_get::<_, Option<String>>(i)
                        .ok()
                        .flatten()
                        .map(|v| (*name, v))
                })
                .collect()
        })
        .collect();
    Ok(Some(Table { rows }))
}

const ROOM: &[(&str, &[&str])] = &[("id", &["id"]), ("name", &["name"])];
const UPS: &[(&str, &[&str])] = &[
    ("id", &["id"]),
    ("name", &["name"]),
    ("ip", &["ip"]),
    ("grace_off", &["grace_period_off", "gracePeriodOff"]),
    ("grace_on", &["grace_period_on", "gracePeriodOn"]),
    ("room", &["roomId", "room_id"]),
];
const SERVER: &[(&str, &[&str])] = &[
    ("id", &["id"]),
    ("name", &["name"]),
    ("type", &["type"]),
    ("ip", &["ip"]),
    ("login", &["login"]),
    ("password", &["password"]),
    ("priority", &["priority"]),
    ("room", &["roomId", "room_id"]),
    ("ups", &["upsId", "ups_id"]),
    ("group", &["groupId", "group_id"]),
    ("ilo", &["iloId", "ilo_id"]),
    ("moid", &["vmwareHostMoid", "vmware_host_moid"]),
];
const ILO: &[(&str, &[&str])] = &[
    ("id", &["id"]),
    ("ip", &["ip"]),
    ("login", &["login"]),
    ("password", &["password"]),
];
const VM: &[(&str, &[&str])] = &[
    ("id", &["id"]),
    ("name", &["name"]),
    ("moid", &["moid"]),
    ("priority", &["priority"]),
    ("server", &["serverId", "server_id"]),
    ("group", &["groupId", "group_id"]),
    ("host", &["esxiHostName", "esxi_host_name"]),
    // Only whether a guest login exists: its password (plain text there) is never read.
    ("login", &["login"]),
];
const GROUP: &[(&str, &[&str])] = &[("id", &["id"]), ("name", &["name"]), ("type", &["type"])];

async fn read_tables(
    client: &Client,
    url: &str,
    passwords: &mut Passwords,
) -> Result<Database, CliError> {
    let failed = |e: String| {
        CliError::Failed(format!(
            "cannot read the predecessor's tables in the database at {url}: {e}; nothing was \
             written"
        ))
    };
    let columns = columns(client).await.map_err(failed)?;
    let mut readings = Vec::new();
    let required = |t: Option<Table>, name: &str| {
        t.ok_or_else(|| {
            CliError::Failed(format!(
                "the database at {url} has no table `{name}`: is it the predecessor's database? \
                 Check the database name in the URL; nothing was written"
            ))
        })
    };
    let rooms = required(
        table(client, &columns, "room", ROOM, &mut readings)
            .await
            .map_err(failed)?,
        "room",
    )?;
    let ups = required(
        table(client, &columns, "ups", UPS, &mut readings)
            .await
            .map_err(failed)?,
        "ups",
    )?;
    let servers = required(
        table(client, &columns, "server", SERVER, &mut readings)
            .await
            .map_err(failed)?,
        "server",
    )?;
    let vms = required(
        table(client, &columns, "vm", VM, &mut readings)
            .await
            .map_err(failed)?,
        "vm",
    )?;
    let ilos = table(client, &columns, "ilo", ILO, &mut readings)
        .await
        .map_err(failed)?
        .unwrap_or(Table { rows: Vec::new() });
    let groups = table(client, &columns, "groups", GROUP, &mut readings)
        .await
        .map_err(failed)?
        .unwrap_or(Table { rows: Vec::new() });
    readings.sort();
    readings.dedup();

    let text = |row: &BTreeMap<&'static str, String>, f: &str| {
        Table::get(row, f).unwrap_or_default().to_owned()
    };
    let opt = |row: &BTreeMap<&'static str, String>, f: &str| Table::get(row, f).map(str::to_owned);
    let int = |row: &BTreeMap<&'static str, String>, f: &str| {
        Table::get(row, f).and_then(|v| v.trim().parse::<i64>().ok())
    };
    let ilo_by_id: BTreeMap<String, &BTreeMap<&'static str, String>> =
        ilos.rows.iter().map(|r| (text(r, "id"), r)).collect();
    let mut db = Database {
        label: url.to_owned(),
        readings,
        ..Database::default()
    };
    db.rooms = rooms
        .rows
        .iter()
        .map(|r| SourceRoom {
            id: text(r, "id"),
            name: text(r, "name"),
        })
        .collect();
    db.ups = ups
        .rows
        .iter()
        .map(|r| SourceUps {
            id: text(r, "id"),
            name: text(r, "name"),
            address: text(r, "ip"),
            grace_off_s: int(r, "grace_off"),
            grace_on_s: int(r, "grace_on"),
            room_id: opt(r, "room"),
        })
        .collect();
    for r in &servers.rows {
        let kind = match text(r, "type").to_ascii_lowercase().as_str() {
            "vcenter" => ServerType::VCenter,
            "esxi" => ServerType::Esxi,
            _ => ServerType::Other(text(r, "type")),
        };
        let ilo = opt(r, "ilo")
            .and_then(|id| ilo_by_id.get(&id).copied())
            .map(|i| SourceIlo {
                address: text(i, "ip"),
                login: Login {
                    user: text(i, "login"),
                    password: passwords.password(Table::get(i, "password")),
                },
            });
        // Only the vCenter row's password is carried: an ESXi root password is not (the lab
        // reaches hosts through vCenter), so it is never decrypted.
        let login = opt(r, "login").map(|user| Login {
            user,
            password: if kind == ServerType::VCenter {
                passwords.password(Table::get(r, "password"))
            } else {
                None
            },
        });
        db.servers.push(SourceServer {
            id: text(r, "id"),
            name: text(r, "name"),
            kind,
            address: text(r, "ip"),
            login,
            priority: int(r, "priority"),
            room_id: opt(r, "room"),
            ups_id: opt(r, "ups"),
            group_id: opt(r, "group"),
            host_moid: opt(r, "moid"),
            ilo,
        });
    }
    db.vms = vms
        .rows
        .iter()
        .map(|r| SourceVm {
            id: text(r, "id"),
            name: text(r, "name"),
            moid: opt(r, "moid"),
            priority: int(r, "priority"),
            server_id: opt(r, "server"),
            group_id: opt(r, "group"),
            host_name: opt(r, "host"),
            has_login: Table::get(r, "login").is_some(),
        })
        .collect();
    db.groups = groups
        .rows
        .iter()
        .map(|r| SourceGroup {
            id: text(r, "id"),
            name: text(r, "name"),
            kind: text(r, "type"),
        })
        .collect();
    Ok(db)
}
