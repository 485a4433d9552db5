//! `upstra import upstra-v1 --postgres` against a real PostgreSQL server of the test's own,
//! loaded with the predecessor's schema (TypeORM's tables and camelCase columns) and data this
//! test writes, its passwords encrypted by the predecessor's scheme in another implementation
//! (`upstra_tests::predecessor`). The lab file must be accepted by a real daemon's `apply
//! --dry-run`, declare what the database held, and the password files must hold what was
//! encrypted.
#![cfg(feature = "demo")]

use std::fs;

use upstra_tests::postgres::OwnPostgres;
use upstra_tests::predecessor::encrypt;

use crate::harness::{Demo, text};
use crate::import_plan::{KEY, import, mode};

/// The predecessor's tables, as its TypeORM entities create them (the columns an import reads,
/// and a few it must leave alone).
const SCHEMA: &str = r#"
CREATE TABLE room (id uuid PRIMARY KEY, name varchar NOT NULL);
CREATE TABLE ups (id uuid PRIMARY KEY, name varchar NOT NULL, ip varchar UNIQUE NOT NULL,
  grace_period_on int NOT NULL DEFAULT 30, grace_period_off int NOT NULL DEFAULT 30,
  "roomId" uuid NOT NULL REFERENCES room(id), "createdAt" timestamp DEFAULT now());
CREATE TABLE groups (id uuid PRIMARY KEY, name varchar UNIQUE NOT NULL, description varchar,
  type varchar NOT NULL, "isActive" boolean DEFAULT true);
CREATE TABLE ilo (id uuid PRIMARY KEY, name varchar NOT NULL, ip varchar NOT NULL,
  login varchar NOT NULL, password varchar NOT NULL);
CREATE TABLE server (id uuid PRIMARY KEY, name varchar NOT NULL, state varchar,
  "adminUrl" varchar, ip varchar UNIQUE NOT NULL, login varchar, password varchar,
  type varchar NOT NULL, priority int, group_id uuid REFERENCES groups(id),
  "roomId" uuid NOT NULL REFERENCES room(id), "upsId" uuid REFERENCES ups(id),
  "iloId" uuid REFERENCES ilo(id), "vmwareHostMoid" varchar, "vmwareCluster" varchar);
CREATE TABLE vm (id uuid PRIMARY KEY, name varchar NOT NULL, moid varchar, state varchar,
  grace_period_on int DEFAULT 0, grace_period_off int DEFAULT 0, "esxiHostName" varchar,
  login varchar, password varchar, priority int, group_id uuid REFERENCES groups(id),
  "serverId" uuid NOT NULL REFERENCES server(id));
"#;

fn data(sealed: &[String]) -> String {
    format!(
        r#"
INSERT INTO room VALUES ('00000000-0000-0000-0000-00000000000a', 'Salle serveurs'),
                        ('00000000-0000-0000-0000-00000000000b', 'Salle B');
INSERT INTO ups (id, name, ip, grace_period_on, grace_period_off, "roomId") VALUES
  ('00000000-0000-0000-0000-0000000000a1', 'Onduleur 1', '10.0.2.1', 120, 45, '00000000-0000-0000-0000-00000000000a'),
  ('00000000-0000-0000-0000-0000000000b1', 'ups-b', '10.0.2.2', 30, 30, '00000000-0000-0000-0000-00000000000b');
INSERT INTO groups (id, name, type) VALUES ('00000000-0000-0000-0000-0000000000f1', 'Production', 'SERVER');
INSERT INTO ilo VALUES
  ('00000000-0000-0000-0000-0000000001c1', 'ilo-1', '10.0.1.1', 'Administrator', '{ilo1}'),
  ('00000000-0000-0000-0000-0000000001c2', 'ilo-2', '10.0.1.2', 'Administrator', '{ilo2}');
INSERT INTO server (id, name, state, ip, login, password, type, priority, group_id, "roomId", "upsId", "iloId", "vmwareHostMoid") VALUES
  ('00000000-0000-0000-0000-000000000011', 'vcenter', 'UP', '10.0.0.100', 'administrator@vsphere.local', '{vc}', 'vcenter', NULL, NULL, '00000000-0000-0000-0000-00000000000a', NULL, NULL, NULL),
  ('00000000-0000-0000-0000-000000000012', 'ESX 01', 'UP', '10.0.0.1', 'root', '{root}', 'esxi', 20, '00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000001c1', 'host-1'),
  ('00000000-0000-0000-0000-000000000013', 'esx-02', 'UP', '10.0.0.2', 'root', '{root}', 'esxi', 10, '00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000001c2', 'host-2');
INSERT INTO vm (id, name, moid, state, "esxiHostName", login, password, priority, "serverId") VALUES
  ('00000000-0000-0000-0000-000000000101', 'db-01', 'vm-101', 'poweredOn', 'esx01.lab', NULL, NULL, 1, '00000000-0000-0000-0000-000000000012'),
  ('00000000-0000-0000-0000-000000000102', 'web-01', 'vm-102', 'poweredOn', 'esx01.lab', 'admin', 'guest-plain-pw', 2, '00000000-0000-0000-0000-000000000012'),
  ('00000000-0000-0000-0000-000000000201', 'mail', 'vm-201', 'poweredOn', 'esx02.lab', NULL, NULL, 1, '00000000-0000-0000-0000-000000000013');
"#,
        vc = sealed[0],
        ilo1 = sealed[1],
        ilo2 = sealed[2],
        root = sealed[3],
    )
}

const PLAN: &str = r#"vCenter: { ip: 10.0.0.100, user: administrator@vsphere.local, password: x, port: 443 }
ups: { shutdownGrace: 45, restartGrace: 120 }
servers:
  - server:
      host: { name: esx-02, moid: host-2 }
      destination: { name: ESX 01, moid: host-1 }
      vmOrder: [ { vmMoId: vm-201 } ]
  - server:
      host: { name: ESX 01, moid: host-1 }
      vmOrder: [ { vmMoId: vm-101 }, { vmMoId: vm-102 } ]
"#;

#[test]
fn a_database_becomes_a_lab_file_that_apply_accepts_with_its_passwords() {
    let Some(pg) = OwnPostgres::start("import_postgres") else {
        return;
    };
    let sealed = encrypt(
        KEY,
        &["vc-secret", "ilo-secret-1", "ilo-secret-2", "esxi-root"],
    );
    pg.psql("upstra", SCHEMA);
    pg.psql("upstra", &data(&sealed));

    let dir = tempfile::tempdir().expect("dir");
    let plan = dir.path().join("migration.yml");
    fs::write(&plan, PLAN).expect("plan");
    let key = dir.path().join("key");
    fs::write(&key, format!("ENCRYPTION_KEY=\"{KEY}\"\n")).expect("key");
    let out_dir = dir.path().join("imported");
    let url = pg.url("upstra");
    let (plan, key, pw, out_arg) = (
        plan.display().to_string(),
        key.display().to_string(),
        pg.password_file.display().to_string(),
        out_dir.display().to_string(),
    );
    let out = import(
        dir.path(),
        &[
            "import",
            "upstra-v1",
            "--plan",
            &plan,
            "--postgres",
            &url,
            "--postgres-password-file",
            &pw,
            "--encryption-key-file",
            &key,
            "--out",
            &out_arg,
        ],
    );
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{stdout}\n{}",
        text(&out.stderr),
        pg.log()
    );
    assert!(
        stdout.contains("2 rooms, 2 UPS, 2 servers, the vCenter, 3 VM priorities"),
        "{stdout}"
    );

    // The decrypted passwords are what the test encrypted; the ESXi root and guest logins are
    // written nowhere.
    let read = |f: &str| fs::read_to_string(out_dir.join(f)).expect("written");
    assert_eq!(read("vcenter.password"), "vc-secret");
    assert_eq!(read("bmc-ESX-01.password"), "ilo-secret-1");
    assert_eq!(read("bmc-esx-02.password"), "ilo-secret-2");
    assert_eq!(mode(&out_dir.join("bmc-esx-02.password")), 0o600);
    let written: Vec<String> = fs::read_dir(&out_dir)
        .expect("dir")
        .map(|e| fs::read_to_string(e.expect("entry").path()).unwrap_or_default())
        .collect();
    assert!(
        !written
            .iter()
            .any(|t| t.contains("esxi-root") || t.contains("guest-plain-pw"))
    );

    // What the source held, declared.
    let lab = read("lab.toml");
    for expected in [
        "name = \"Salle-serveurs\"",
        "name = \"Onduleur-1\"",
        "policy = { grace = 45, restore_after = 120 }",
        "vsphere_host = \"esx01.lab\"",
        "url = \"https://10.0.0.100/sdk\"",
        "name = \"db-01\"\npriority = 999",
        "group \"Production\"",
        // The plan's destination, a preferred migration target on the other UPS.
        "vsphere_host = \"esx02.lab\"\nmigrate_to = [\"ESX-01\"]\n",
    ] {
        assert!(lab.contains(expected), "{expected} missing from:\n{lab}");
    }
    // Priority 10 goes down before priority 20.
    let tier_of = |server: &str| {
        let block = lab
            .split("[[server]]")
            .find(|b| b.contains(&format!("name = \"{server}\"")))
            .expect("declared");
        block
            .lines()
            .find_map(|l| l.strip_prefix("tier = "))
            .expect("a tier")
            .to_owned()
    };
    assert_eq!(
        (tier_of("esx-02"), tier_of("ESX-01")),
        ("1".into(), "2".into())
    );

    // The same over the Unix socket, where this server trusts local users: a key/value
    // connection string and no password.
    let socket_out = dir.path().join("over-socket").display().to_string();
    let socket = format!(
        "host={} port={} user=admin dbname=upstra",
        pg.dir().display(),
        pg.port
    );
    let out = import(
        dir.path(),
        &[
            "import",
            "upstra-v1",
            "--plan",
            &plan,
            "--postgres",
            &socket,
            "--encryption-key-file",
            &key,
            "--out",
            &socket_out,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let over_socket = fs::read_to_string(dir.path().join("over-socket/bmc-esx-02.password"));
    assert_eq!(over_socket.expect("written"), "ilo-secret-2");

    // A database that is not the predecessor's is named, with what to check.
    let other = pg.url("postgres");
    let out = import(
        dir.path(),
        &[
            "import",
            "upstra-v1",
            "--plan",
            &plan,
            "--postgres",
            &other,
            "--postgres-password-file",
            &pw,
            "--out",
            &dir.path().join("other").display().to_string(),
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&other) && stderr.contains("has no table `room`"),
        "{stderr}"
    );

    let demo = Demo::start();
    demo.login();
    let lab_arg = out_dir.join("lab.toml").display().to_string();
    let out = demo.upstra(&["apply", "-f", &lab_arg, "--dry-run"], "");
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}{report}", text(&out.stderr));
    for line in [
        "create room Salle-serveurs",
        "create room Salle-B",
        "create ups Onduleur-1",
        "create ups ups-b",
        "create server ESX-01",
        "create server esx-02",
    ] {
        assert!(report.contains(line), "{line} missing from:\n{report}");
    }
}
