//! `upstrad check-config` shows the effective configuration; it must never show a password,
//! however the URL that holds it is written.

use std::ffi::OsStr;

use crate::support::run_upstrad;

#[test]
fn check_config_never_prints_a_password_however_the_url_is_written() {
    let dir = tempfile::tempdir().unwrap();
    for (url, secrets) in [
        ("redis://:p@ss@host:6379", &["p@ss", "ss@host"][..]),
        (
            "redis://u:p%40ss@h/?password=x&a=b",
            &["p%40ss", "u:", "=x&"],
        ),
        (
            "redis://admin:s3cr:et@10.0.0.1:6379/0",
            &["s3cr", "et@", "admin"],
        ),
        ("redis://h:6379/?auth_token=t0k3n", &["t0k3n"]),
    ] {
        let config = dir.path().join("upstrad.toml");
        std::fs::write(&config, format!("[bus]\nredis = \"{url}\"\n")).unwrap();
        let out = run_upstrad(&[
            OsStr::new("--config"),
            config.as_os_str(),
            OsStr::new("--data-dir"),
            dir.path().join("data").as_os_str(),
            OsStr::new("check-config"),
        ]);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(out.status.success(), "{url}: {stderr}");
        assert!(stdout.contains("[redacted]"), "{url}: {stdout}");
        for secret in secrets {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "{url}: `{secret}` is shown:\n{stdout}{stderr}"
            );
        }
    }
}
