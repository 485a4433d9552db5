use super::*;

const HARNESS_LIKE: &str = r#"
# upsd.users of a lab
[admin]
  password = "s3cret # not a comment"
  actions = SET FSD
  instcmds = ALL
[cmduser]
  password = cmdpass
  instcmds = shutdown.return
  instcmds = shutdown.stayoff load.off.delay
[nocmduser]
  password=nocmdpass
[monuser]
  password = "pw"
  upsmon primary
  upsmon = primary
"#;

#[test]
fn reads_users_commands_and_actions() {
    let file = UsersFile::parse(HARNESS_LIKE).expect("parses");
    let cmd = file.user("cmduser").expect("cmduser");
    assert_eq!(
        cmd.instcmds,
        ["shutdown.return", "shutdown.stayoff", "load.off.delay"]
    );
    assert!(cmd.password.is_some());
    let admin = file.user("admin").expect("admin");
    assert_eq!(admin.actions, ["SET", "FSD"]);
    assert_eq!(
        file.user("monuser")
            .and_then(|u| u.upsmon.clone())
            .as_deref(),
        Some("primary")
    );
    assert!(
        file.user("nocmduser")
            .expect("nocmduser")
            .password
            .is_some()
    );
}

#[test]
fn the_password_is_compared_never_shown() {
    let file = UsersFile::parse(HARNESS_LIKE).expect("parses");
    let shown = format!("{file:?}");
    for secret in ["s3cret", "cmdpass", "nocmdpass"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let pw = |s: &str| Secret::new(s);
    assert_eq!(file.password_matches("cmduser", &pw("cmdpass")), Some(true));
    assert_eq!(file.password_matches("cmduser", &pw("cmdpas")), Some(false));
    assert_eq!(
        file.password_matches("cmduser", &pw("cmdpass2")),
        Some(false)
    );
    assert_eq!(
        file.password_matches("admin", &pw("s3cret # not a comment")),
        Some(true)
    );
    assert_eq!(file.password_matches("ghost", &pw("x")), None);
}

#[test]
fn says_who_may_send_what_and_the_fix() {
    let file = UsersFile::parse(HARNESS_LIKE).expect("parses");
    let table = [
        ("cmduser", "shutdown.return", true),
        ("cmduser", "SHUTDOWN.RETURN", true),
        ("cmduser", "load.off", false),
        ("admin", "shutdown.return", true), // ALL
        ("nocmduser", "shutdown.return", false),
    ];
    for (user, command, allowed) in table {
        let got = file.may_instcmd(user, command);
        assert_eq!(
            got == Permission::Allowed,
            allowed,
            "{user} {command}: {got:?}"
        );
    }
    let Permission::Denied { fix } = file.may_instcmd("nocmduser", "shutdown.return") else {
        panic!("denied");
    };
    assert_eq!(
        fix,
        "user nocmduser may not send shutdown.return: add `instcmds = shutdown.return` to the \
         `[nocmduser]` section of upsd.users and reload upsd (`upsd -c reload`)"
    );
    let Permission::UnknownUser { fix } = file.may_instcmd("ghost", "shutdown.return") else {
        panic!("unknown");
    };
    assert!(
        fix.contains("no user ghost: add a `[ghost]` section"),
        "{fix}"
    );
    assert_eq!(file.may_set("admin"), Permission::Allowed);
    assert!(
        matches!(file.may_set("cmduser"), Permission::Denied { fix } if fix.contains("`actions = SET`"))
    );
}

#[test]
fn a_repeated_section_adds_to_the_first_as_upsd_does() {
    let text = "[u]\npassword = a\n[v]\n[u]\npassword = b\ninstcmds = all\n";
    let file = UsersFile::parse(text).expect("parses");
    assert_eq!(
        file.may_instcmd("u", "shutdown.return"),
        Permission::Allowed
    );
    assert_eq!(file.user("v"), Some(&NutUser::default()));
}

#[test]
fn lines_outside_a_section_and_unknown_keys_are_ignored() {
    let text = "instcmds = all\n[u]\ncolour = blue\n";
    let file = UsersFile::parse(text).expect("parses");
    assert!(matches!(
        file.may_instcmd("u", "shutdown.return"),
        Permission::Denied { .. }
    ));
}

#[test]
fn hostile_input_is_refused_with_its_line() {
    let long = format!("[u]\ninstcmds = {}\n", "a".repeat(USERS_LINE_MAX));
    assert!(matches!(
        UsersFile::parse(&long),
        Err(UsersFileError::Invalid { line: 2, .. })
    ));
    let table = [
        ("[u]\n\npassword = \"open\n", 3),
        ("[]\n", 1),
        ("[u\n", 1),
        ("[u]\ninstcmds\n", 2),
        ("[u]\ninstcmds =\n", 2),
    ];
    for (text, line) in table {
        match UsersFile::parse(text) {
            Err(UsersFileError::Invalid { line: got, message }) => {
                assert_eq!(got, line, "{text:?}: {message}");
                assert!(!message.contains("open"), "never echoes a value: {message}");
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
}

#[test]
fn a_huge_or_missing_file_is_an_error_not_a_read_of_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big");
    std::fs::write(&big, vec![b'#'; (USERS_FILE_MAX_BYTES + 10) as usize]).expect("write");
    assert!(matches!(
        UsersFile::read(&big),
        Err(UsersFileError::TooLarge { .. })
    ));
    let missing = UsersFile::read(&dir.path().join("none")).expect_err("missing");
    assert!(missing.to_string().starts_with("cannot read "), "{missing}");
    let binary = dir.path().join("bin");
    std::fs::write(&binary, b"[u]\n\xff\xfe\n").expect("write");
    assert!(matches!(
        UsersFile::read(&binary),
        Err(UsersFileError::Invalid { line: 2, .. })
    ));
}
