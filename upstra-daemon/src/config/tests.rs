use super::*;

fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("upstrad.toml");
    std::fs::write(&path, text).expect("write config");
    (dir, path)
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn the_example_file_parses_and_matches_the_defaults() {
    let example = include_str!("../../../config/upstrad.toml");
    let (_dir, path) = write(example);
    let config = load(Some(&path), &[], &Overrides::default()).expect("example parses");
    // The one key it sets: the group packaging creates, so that its members reach the socket
    // as the README says.
    assert_eq!(
        config,
        Config {
            socket_group: Some("upstra".into()),
            ..Config::default()
        }
    );
}

#[test]
fn unknown_keys_name_the_key_and_line() {
    let (_dir, path) = write("log = \"debug\"\n\n[sessions]\nidle = \"5m\"\n");
    let err = load(Some(&path), &[], &Overrides::default()).expect_err("unknown key");
    let msg = err.to_string();
    assert!(msg.contains(":4: unknown field `idle`"), "{msg}");
}

#[test]
fn bad_durations_name_the_key_and_line() {
    let (_dir, path) = write("ups_poll_interval = \"soon\"\n");
    let msg = load(Some(&path), &[], &Overrides::default())
        .expect_err("bad")
        .to_string();
    assert!(
        msg.contains(":1: ups_poll_interval: `soon` is not a duration"),
        "{msg}"
    );
}

#[test]
fn layers_apply_in_order_file_env_flags() {
    let (_dir, path) =
        write("socket = \"/from/file.sock\"\ndata_dir = \"/from/file\"\nlog = \"warn\"\n");
    let e = env(&[
        ("UPSTRA_SOCKET", "/from/env.sock"),
        ("UPSTRA_SESSIONS__IDLE_TIMEOUT", "5m"),
    ]);
    let flags = Overrides {
        socket: None,
        data_dir: Some(PathBuf::from("/from/flag")),
    };
    let config = load(Some(&path), &e, &flags).expect("loads");
    assert_eq!(config.socket, PathBuf::from("/from/env.sock"));
    assert_eq!(config.data_dir, PathBuf::from("/from/flag"));
    assert_eq!(config.log, "warn");
    assert_eq!(config.sessions.idle_timeout, Duration::from_secs(300));
    let flags = Overrides {
        socket: Some(PathBuf::from("/from/flag.sock")),
        data_dir: None,
    };
    assert_eq!(
        load(Some(&path), &e, &flags).expect("loads").socket,
        PathBuf::from("/from/flag.sock")
    );
}

#[test]
fn every_documented_env_key_is_read() {
    for key in ENV_KEYS {
        let value = match key {
            "UPSTRA_DRIVERS" => "simulated",
            "UPSTRA_LOG" => "debug",
            "UPSTRA_LIMITS__MAX_CONNECTIONS" => "100",
            "UPSTRA_METRICS__LISTEN" => "127.0.0.1:9464",
            k if k.starts_with("UPSTRA_NOTIFY__") => "7s",
            "UPSTRA_SNMP_TRAP_LISTEN" => "0.0.0.0:162",
            k if k.contains("INTERVAL") || k.contains("TIMEOUT") || k.contains("LIFETIME") => "7s",
            _ => "/x",
        };
        let config = load(None, &env(&[(key, value)]), &Overrides::default()).expect("loads");
        assert_ne!(config, Config::default(), "{key} changed nothing");
    }
    let err = load(
        None,
        &env(&[("UPSTRA_DRIVERS", "magic")]),
        &Overrides::default(),
    );
    assert!(
        err.expect_err("bad value")
            .to_string()
            .contains("UPSTRA_DRIVERS")
    );
}

#[test]
fn the_connection_cap_is_checked_and_names_its_line() {
    let (_dir, path) = write("[limits]\nmax_connections = 1024\n");
    let config = load(Some(&path), &[], &Overrides::default()).expect("loads");
    assert_eq!(config.max_connections, 1024);
    let (_dir, path) = write("[limits]\nglobal = \"1000/15m\"\nmax_connections = 3\n");
    let err = load(Some(&path), &[], &Overrides::default())
        .expect_err("too small")
        .to_string();
    assert!(
        err.contains(":3: limits.max_connections: 3 is out of range"),
        "{err}"
    );
    let err = load(
        None,
        &env(&[("UPSTRA_LIMITS__MAX_CONNECTIONS", "lots")]),
        &Overrides::default(),
    )
    .expect_err("not a number")
    .to_string();
    assert!(err.contains("UPSTRA_LIMITS__MAX_CONNECTIONS"), "{err}");
}

#[test]
fn a_missing_explicit_file_is_an_error() {
    let err = load(
        Some(Path::new("/nonexistent/upstrad.toml")),
        &[],
        &Overrides::default(),
    );
    assert!(matches!(err, Err(ConfigError::Read { .. })));
}

#[test]
fn effective_config_round_trips_through_check_config_output() {
    let config = Config {
        socket_group: Some("upstra".into()),
        ..Config::default()
    };
    let (_dir, path) = write(&config.to_toml("store.key"));
    assert_eq!(
        load(Some(&path), &[], &Overrides::default()).expect("parses"),
        config
    );
}

#[test]
fn the_bus_section_is_checked_and_its_password_never_shown() {
    let (_dir, path) = write(
        "[bus]\nredis = \"redis://:hunter2@127.0.0.1:6379\"\nsite = \"lab-a\"\nfollow = [\"lab-b\"]\n",
    );
    let config = load(Some(&path), &[], &Overrides::default()).expect("valid");
    assert_eq!(config.bus.site, "lab-a");
    assert_eq!(config.bus.follow, ["lab-b"]);
    let shown = config.to_toml("store.key");
    assert!(
        shown.contains("redis = \"redis://[redacted]@127.0.0.1:6379\""),
        "{shown}"
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(
        !format!("{config:?}").contains("hunter2"),
        "Debug redacts it too"
    );

    let (_dir, path) = write("[bus]\nredis = \"http://127.0.0.1\"\n");
    let msg = load(Some(&path), &[], &Overrides::default())
        .expect_err("bad")
        .to_string();
    assert!(
        msg.contains(":2: bus.redis must be a redis:// URL"),
        "{msg}"
    );
    let (_dir, path) = write("[bus]\nsite = \"lab a\"\n");
    let msg = load(Some(&path), &[], &Overrides::default())
        .expect_err("bad")
        .to_string();
    assert!(msg.contains(":2: bus.site `lab a` must be a name"), "{msg}");
}

#[test]
fn the_nut_users_file_is_an_absolute_path_from_file_or_env() {
    assert_eq!(
        Config::default().nut.users_file,
        PathBuf::from(DEFAULT_NUT_USERS_FILE)
    );
    let (_dir, path) = write("[nut]\nusers_file = \"/srv/nut/upsd.users\"\n");
    let config = load(Some(&path), &[], &Overrides::default()).expect("valid");
    assert_eq!(config.nut.users_file, PathBuf::from("/srv/nut/upsd.users"));
    let e = env(&[("UPSTRA_NUT__USERS_FILE", "/from/env/upsd.users")]);
    let config = load(Some(&path), &e, &Overrides::default()).expect("valid");
    assert_eq!(config.nut.users_file, PathBuf::from("/from/env/upsd.users"));

    let (_dir, path) = write("\n[nut]\nusers_file = \"upsd.users\"\n");
    let msg = load(Some(&path), &[], &Overrides::default())
        .expect_err("relative")
        .to_string();
    assert!(
        msg.contains(":3: nut.users_file `upsd.users` must be an absolute path"),
        "{msg}"
    );
    let (_dir, path) = write("[nut]\nusers = \"/x\"\n");
    assert!(
        load(Some(&path), &[], &Overrides::default()).is_err(),
        "strict keys"
    );
}

#[test]
fn a_log_filter_that_does_not_parse_names_its_line() {
    let (_dir, path) = write("# quiet\nlog = \"info,upstra_daemon=loud\"\n");
    let msg = load(Some(&path), &[], &Overrides::default())
        .expect_err("bad filter")
        .to_string();
    assert!(
        msg.contains(":2: log: `info,upstra_daemon=loud` is not a log filter"),
        "{msg}"
    );
    let e = env(&[("UPSTRA_LOG", "upstra_daemon=loud")]);
    let msg = load(None, &e, &Overrides::default())
        .expect_err("bad filter")
        .to_string();
    assert!(msg.contains("UPSTRA_LOG"), "{msg}");
}

#[test]
fn metrics_are_off_unless_an_address_is_given_and_a_bad_one_names_its_line() {
    assert_eq!(Config::default().metrics_listen, None);
    let (_dir, path) = write("[metrics]\nlisten = \"127.0.0.1:9464\"\n");
    let config = load(Some(&path), &[], &Overrides::default()).expect("valid");
    assert_eq!(
        config.metrics_listen,
        Some("127.0.0.1:9464".parse().expect("address"))
    );
    let (_dir, path) = write(&config.to_toml("store.key"));
    assert_eq!(
        load(Some(&path), &[], &Overrides::default()).expect("round trip"),
        config,
        "check-config shows it as the file writes it"
    );

    let (_dir, path) = write("# metrics\n[metrics]\nlisten = \"localhost\"\n");
    let msg = load(Some(&path), &[], &Overrides::default())
        .expect_err("no port")
        .to_string();
    assert!(
        msg.contains(":3: metrics.listen `localhost` is not an address and port"),
        "{msg}"
    );
    let e = env(&[("UPSTRA_METRICS__LISTEN", "[::1]:9464")]);
    let config = load(None, &e, &Overrides::default()).expect("valid");
    assert_eq!(config.metrics_listen.map(|a| a.port()), Some(9464));
}

#[test]
fn the_snmp_trap_listener_is_off_unless_set_and_names_its_line() {
    assert_eq!(Config::default().snmp_trap_listen, None);
    let (_dir, path) = write("snmp_trap_listen = \"0.0.0.0:162\"\n");
    let config = load(Some(&path), &[], &Overrides::default()).expect("loads");
    assert_eq!(config.snmp_trap_listen.map(|a| a.port()), Some(162));
    assert!(
        config
            .to_toml("test")
            .contains("snmp_trap_listen = \"0.0.0.0:162\"")
    );
    let (_dir, path) = write("log = \"info\"\nsnmp_trap_listen = \"ups-traps\"\n");
    let err = load(Some(&path), &[], &Overrides::default())
        .expect_err("not an address")
        .to_string();
    assert!(
        err.contains(":2: snmp_trap_listen `ups-traps` is not an address and port"),
        "{err}"
    );
}

#[test]
fn the_status_interval_is_a_duration_of_at_least_its_floor_or_off() {
    let status = |text: &str| {
        let (_dir, path) = write(&format!(
            "log = \"info\"\nups_status_interval = \"{text}\"\n"
        ));
        load(Some(&path), &[], &Overrides::default()).map(|c| c.ups_status_interval)
    };
    assert_eq!(
        Config::default().ups_status_interval,
        Some(DEFAULT_UPS_STATUS_INTERVAL)
    );
    assert_eq!(status("off").expect("off"), None);
    assert_eq!(
        status("250ms").expect("a duration"),
        Some(Duration::from_millis(250))
    );
    let err = status("5ms").expect_err("below the floor").to_string();
    assert!(
        err.contains(":2: ups_status_interval: `5ms` is shorter than 10ms"),
        "{err}"
    );
    let err = status("often").expect_err("not a duration").to_string();
    assert!(err.contains("or \"off\""), "{err}");
    let env = env(&[("UPSTRA_UPS_STATUS_INTERVAL", "off")]);
    let config = load(None, &env, &Overrides::default()).expect("loads");
    assert_eq!(config.ups_status_interval, None);
    assert!(
        config
            .to_toml("test")
            .contains("ups_status_interval = \"off\"")
    );
}
