//! `upstra import upstra-v1` from the predecessor's migration plan, through the built binary:
//! the lab file and password files it writes, that a real daemon's `apply --dry-run` accepts
//! the result, and the errors an operator meets (a malformed plan, a wrong or missing key, an
//! unreachable database, a password in the URL, an existing lab file).
#![cfg(feature = "demo")]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use upstra_tests::predecessor::encrypt;

use crate::harness::{Demo, text, upstra};

pub const KEY: &str = "the predecessor's ENCRYPTION_KEY";

/// Runs `upstra ARGS` with no daemon (the import never needs one).
pub fn import(dir: &Path, args: &[&str]) -> Output {
    upstra(&dir.join("no.sock"), &dir.join("session"), args, "")
}

pub fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("exists").permissions().mode() & 0o777
}

/// A plan as the predecessor writes it: encrypted passwords, one plain (a plan written by its
/// priority-swap path), a host whose name a lab file cannot hold as it is.
fn plan_yaml(sealed: &[String]) -> String {
    format!(
        r#"vCenter:
  ip: 10.0.0.100
  user: administrator@vsphere.local
  password: "{vc}"
  port: 443
ups:
  shutdownGrace: 45
  restartGrace: 120
servers:
  - server:
      host:
        name: "ESX \"01\"\n\u001b[31m"
        moid: host-10
        ilo: {{ ip: 10.0.1.10, user: Administrator, password: "{ilo1}" }}
      destination:
        name: esx-02
        moid: host-11
        ilo: {{ ip: 10.0.1.11, user: Administrator, password: "plain-ilo-2" }}
      vmOrder:
        - vmMoId: vm-101
        - vmMoId: vm-102
"#,
        vc = sealed[0],
        ilo1 = sealed[1]
    )
}

fn write_inputs(dir: &Path) -> (String, String) {
    let sealed = encrypt(KEY, &["vc-secret-1", "ilo-secret-10"]);
    let plan = dir.join("migration.yml");
    fs::write(&plan, plan_yaml(&sealed)).expect("plan written");
    let key = dir.join("encryption.key");
    fs::write(&key, format!("{KEY}\n")).expect("key written");
    (plan.display().to_string(), key.display().to_string())
}

#[test]
fn a_plan_becomes_a_lab_file_that_apply_accepts() {
    let dir = tempfile::tempdir().expect("dir");
    let (plan, key) = write_inputs(dir.path());
    let out_dir = dir.path().join("imported");
    let out_arg = out_dir.display().to_string();
    let args = [
        "import",
        "upstra-v1",
        "--plan",
        &plan,
        "--encryption-key-file",
        &key,
        "--out",
        &out_arg,
    ];
    let out = import(dir.path(), &args);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}{stdout}", text(&out.stderr));
    let lab = out_dir.join("lab.toml");
    assert!(
        stdout.contains(&format!("wrote {}", lab.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("upstra apply -f {} --dry-run", lab.display())),
        "{stdout}"
    );
    assert!(stdout.contains("not encrypted in the source"), "{stdout}");
    assert!(
        !stdout.contains('\u{1b}'),
        "an escape sequence reached the terminal"
    );
    assert!(stdout.contains("renamed: server"), "{stdout}");

    assert_eq!(mode(&out_dir), 0o700);
    let read = |f: &str| fs::read_to_string(out_dir.join(f)).expect("written");
    assert_eq!(read("vcenter.password"), "vc-secret-1");
    assert_eq!(read("bmc-ESX-01-31m.password"), "ilo-secret-10");
    assert_eq!(read("bmc-esx-02.password"), "plain-ilo-2");
    for f in ["vcenter.password", "bmc-ESX-01-31m.password", "lab.toml"] {
        assert_eq!(mode(&out_dir.join(f)), 0o600, "{f}");
    }
    let lab_text = read("lab.toml");
    assert!(lab_text.contains("\"vm-101\", \"vm-102\""), "{lab_text}");
    assert!(!lab_text.contains("vc-secret-1"));

    let demo = Demo::start();
    demo.login();
    let lab_arg = lab.display().to_string();
    let out = demo.upstra(&["apply", "-f", &lab_arg, "--dry-run"], "");
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}{report}", text(&out.stderr));
    for line in [
        "create room lab",
        "create ups ups",
        "create server ESX-01-31m",
        "create server esx-02",
    ] {
        assert!(report.contains(line), "{line} missing from:\n{report}");
    }
    assert!(report.contains("nothing was changed"), "{report}");

    // A second import refuses to replace the file under review; --force does.
    let again = import(dir.path(), &args);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    assert_eq!(import(dir.path(), &forced).status.code(), Some(0));
}

#[test]
fn without_the_key_passwords_are_named_placeholders() {
    let dir = tempfile::tempdir().expect("dir");
    let (plan, _) = write_inputs(dir.path());
    let out_dir = dir.path().join("imported");
    let out_arg = out_dir.display().to_string();
    let out = import(
        dir.path(),
        &["import", "upstra-v1", "--plan", &plan, "--out", &out_arg],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}{stdout}", text(&out.stderr));
    assert!(
        stdout.contains("placeholder: vcenter.password (the vCenter) not written: it is encrypted and no --encryption-key-file was given"),
        "{stdout}"
    );
    assert!(!out_dir.join("vcenter.password").exists());
    let lab = fs::read_to_string(out_dir.join("lab.toml")).expect("lab");
    assert!(lab.contains("# PLACEHOLDER"), "{lab}");
}

#[test]
fn a_wrong_or_missing_key_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().expect("dir");
    let (plan, _) = write_inputs(dir.path());
    let wrong = dir.path().join("wrong.key");
    fs::write(&wrong, "not the key\n").expect("written");
    let wrong_arg = wrong.display().to_string();
    let out_arg = dir.path().join("out").display().to_string();
    let out = import(
        dir.path(),
        &[
            "import",
            "upstra-v1",
            "--plan",
            &plan,
            "--encryption-key-file",
            &wrong_arg,
            "--out",
            &out_arg,
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&wrong_arg) && stderr.contains("ENCRYPTION_KEY"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("out").exists(),
        "nothing written on a wrong key"
    );

    let missing = dir.path().join("missing.key").display().to_string();
    let out = import(
        dir.path(),
        &[
            "import",
            "upstra-v1",
            "--plan",
            &plan,
            "--encryption-key-file",
            &missing,
            "--out",
            &out_arg,
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&missing), "{stderr}");
}

#[test]
fn a_malformed_plan_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().expect("dir");
    let plan = dir.path().join("migration.yml");
    fs::write(&plan, "servers:\n  - server: [unclosed\n").expect("written");
    let plan_arg = plan.display().to_string();
    let out_arg = dir.path().join("out").display().to_string();
    let out = import(
        dir.path(),
        &[
            "import",
            "upstra-v1",
            "--plan",
            &plan_arg,
            "--out",
            &out_arg,
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&plan_arg) && stderr.contains("not a migration plan"),
        "{stderr}"
    );
    assert!(stderr.contains("line"), "the error says where: {stderr}");
}

#[test]
fn an_unreachable_database_or_a_password_in_its_url_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let (plan, _) = write_inputs(dir.path());
    let out_arg = dir.path().join("out").display().to_string();
    // Port 1 on loopback: nothing listens there.
    let url = "postgresql://admin@127.0.0.1:1/upstra";
    let out = import(
        dir.path(),
        &[
            "import",
            "upstra-v1",
            "--plan",
            &plan,
            "--postgres",
            url,
            "--out",
            &out_arg,
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(url) && stderr.contains("cannot read the database"),
        "{stderr}"
    );
    assert!(!dir.path().join("out").exists());

    let out = import(
        dir.path(),
        &[
            "import",
            "upstra-v1",
            "--plan",
            &plan,
            "--postgres",
            "postgresql://admin:hunter2@127.0.0.1:1/upstra",
            "--out",
            &out_arg,
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("holds a password"), "{stderr}");
    assert!(
        !stderr.contains("hunter2"),
        "the password is not shown back"
    );
}
