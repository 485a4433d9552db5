//! `[notify]`: what an operator writes, and what the daemon says when it is wrong.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use super::*;

fn secret(dir: &Path, name: &str, mode: u32) -> String {
    let path = dir.join(name);
    std::fs::write(&path, "k3y\n").expect("write secret");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    path.display().to_string()
}

fn load_text(dir: &Path, text: &str) -> Result<Config, ConfigError> {
    let path = dir.join("upstrad.toml");
    std::fs::write(&path, text).expect("write config");
    load(Some(&path), &[], &Overrides::default())
}

fn error(dir: &Path, text: &str) -> String {
    load_text(dir, text).expect_err("refused").to_string()
}

#[test]
fn channels_and_routes_load_with_their_secrets_and_defaults() {
    let dir = tempfile::tempdir().expect("dir");
    let key = secret(dir.path(), "hook.secret", 0o600);
    let config = load_text(
        dir.path(),
        &format!(
            "[notify]\nretry_for = \"2h\"\n\
             [[notify.channel]]\nname = \"ops-hook\"\nkind = \"webhook\"\n\
             url = \"http://127.0.0.1:9/hook\"\nsecret_file = \"{key}\"\nlanguage = \"fr\"\n\
             [[notify.route]]\nchannels = [\"ops-hook\"]\nevents = [\"ups_on_battery\"]\n\
             min_severity = \"warning\"\n"
        ),
    )
    .expect("loads");
    let n = &config.notify;
    assert_eq!(n.retry_for, Duration::from_secs(7200));
    assert_eq!(n.coalesce_window, notify::DEFAULT_COALESCE_WINDOW);
    assert_eq!(n.channels[0].language, notify::Language::Fr);
    assert_eq!(
        n.channels[0].secret.as_ref().map(|s| s.text().to_string()),
        Some("k3y".into())
    );
    assert!(
        !format!("{config:?}").contains("k3y"),
        "a secret never shows in Debug"
    );
    assert!(
        !config.to_toml("key").contains("k3y"),
        "nor in check-config"
    );
    let r = &n.routes[0];
    assert!(r.takes("ups_on_battery", upstra_adapter_notify::Severity::Critical));
    assert!(!r.takes("ups_on_battery", upstra_adapter_notify::Severity::Info));
    assert!(!r.takes("plan_finished", upstra_adapter_notify::Severity::Critical));
}

#[test]
fn every_mistake_is_named_with_its_line() {
    let dir = tempfile::tempdir().expect("dir");
    let hook = "[[notify.channel]]\nname = \"a\"\nkind = \"webhook\"\nurl = \"http://h/x\"\n";
    let e = error(
        dir.path(),
        &format!("{hook}[[notify.route]]\nchannels = [\"b\"]\n"),
    );
    assert!(
        e.contains(":5:") && e.contains("no channel is named `b`"),
        "{e}"
    );
    let e = error(dir.path(), &format!("{hook}{hook}"));
    assert!(e.contains(":5:") && e.contains("declared twice"), "{e}");
    let e = error(
        dir.path(),
        "[[notify.channel]]\nname = \"a\"\nkind = \"webhook\"\nurl = \"ftp://h\"\n",
    );
    assert!(e.contains("must start with http:// or https://"), "{e}");
    let e = error(
        dir.path(),
        "[[notify.channel]]\nname = \"a\"\nkind = \"ntfy\"\nurl = \"http:///topic\"\n",
    );
    assert!(e.contains("name a host"), "{e}");
    let e = error(
        dir.path(),
        "[[notify.channel]]\nname = \"a\"\nkind = \"webhook\"\nurl = \"https://h/x\"\n",
    );
    assert!(e.contains("needs `tls_fingerprint` or `ca_file`"), "{e}");
    let e = error(
        dir.path(),
        &format!("{hook}secret_file = \"/nonexistent/hook.secret\"\n"),
    );
    assert!(
        e.contains("secret_file: cannot read /nonexistent/hook.secret"),
        "{e}"
    );
    let open = secret(dir.path(), "open.secret", 0o644);
    let e = error(dir.path(), &format!("{hook}secret_file = \"{open}\"\n"));
    assert!(e.contains("open to other users (mode 644)"), "{e}");
    let e = error(
        dir.path(),
        &format!("{hook}[[notify.route]]\nchannels = [\"a\"]\nevents = [\"ups_on_fire\"]\n"),
    );
    assert!(e.contains("`ups_on_fire` is not a message kind"), "{e}");
    let e = error(
        dir.path(),
        "[[notify.channel]]\nname = \"m\"\nkind = \"smtp\"\nurl = \"smtp://h:25\"\n",
    );
    assert!(e.contains("needs `from` and at least one `to`"), "{e}");
    let e = error(
        dir.path(),
        "[notify]\nbackoff_min = \"1h\"\nbackoff_max = \"1m\"\n",
    );
    assert!(e.contains("backoff_min"), "{e}");
    let e = error(dir.path(), &format!("{hook}lang = \"fr\"\n"));
    assert!(e.contains("unknown field `lang`"), "{e}");
}
