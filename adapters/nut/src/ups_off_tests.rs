use super::*;

fn facts(commands: &[&str], writable: &[&str], delay: Option<&str>) -> Facts {
    Facts {
        commands: commands.iter().map(|c| (*c).to_owned()).collect(),
        writable: writable
            .iter()
            .map(|v| ((*v).to_owned(), "20".to_owned()))
            .collect(),
        delay_shutdown: delay.map(str::to_owned),
    }
}

#[test]
fn prefers_shutdown_return_and_sets_a_writable_delay() {
    let f = facts(
        &["load.off", "load.off.delay", "shutdown.return"],
        &["ups.delay.shutdown"],
        Some("20"),
    );
    assert_eq!(
        choose("u", &f, 90),
        Ok(UpsOffPlan {
            command: "shutdown.return".into(),
            delay: DelayHandling::SetVariable,
            returns_on_mains: true,
        })
    );
}

#[test]
fn a_read_only_delay_is_used_when_long_enough_and_refused_when_short() {
    let f = facts(&["shutdown.return"], &[], Some("120"));
    assert_eq!(
        choose("u", &f, 90).map(|p| p.delay),
        Ok(DelayHandling::Fixed { seconds: 120 })
    );
    let err = choose("u", &f, 180).expect_err("too short");
    assert_eq!(
        err.to_string(),
        "UPS u cuts its output 120 s after the command and that delay is not writable, but \
         the shutdown needs 180 s: set the driver's offdelay (or the UPS's own shutdown \
         delay) to at least 180 s"
    );
    let odd = facts(&["shutdown.return"], &[], Some("soon"));
    assert!(matches!(
        choose("u", &odd, 10),
        Err(CommandError::OddDelay { .. })
    ));
}

#[test]
fn without_a_delay_variable_the_delay_goes_as_the_commands_value() {
    let f = facts(&["shutdown.return"], &[], None);
    assert_eq!(
        choose("u", &f, 90).map(|p| p.delay),
        Ok(DelayHandling::AsValue)
    );
}

#[test]
fn load_off_delay_is_the_fallback_and_says_it_may_not_return() {
    let f = facts(
        &["load.off", "load.off.delay"],
        &["ups.delay.shutdown"],
        None,
    );
    let plan = choose("u", &f, 90).expect("a plan");
    assert_eq!(plan.command, "load.off.delay");
    assert!(!plan.returns_on_mains);
}

#[test]
fn no_command_names_what_the_driver_offers() {
    let err = choose("ups1@h:3493", &facts(&["load.off"], &[], None), 90).expect_err("none");
    assert_eq!(
        err.to_string(),
        "UPS ups1@h:3493 does not offer the instant command shutdown.return; its driver \
         offers: load.off. Use a UPS whose driver offers shutdown.return, or set ups_off = \
         \"never\" for it"
    );
    let err = choose("u", &facts(&[], &[], None), 90).expect_err("none");
    assert!(
        err.to_string().contains("its driver offers: none."),
        "{err}"
    );
}

#[test]
fn upsd_refusals_map_to_the_error_that_names_the_fix() {
    let offered = vec!["shutdown.stayoff".to_owned()];
    let refused = |code: ErrCode| {
        CommandError::refused(
            "u",
            "bob",
            "shutdown.return",
            &offered,
            NutError::Server { code, detail: None },
        )
    };
    assert_eq!(
        refused(ErrCode::AccessDenied).to_string(),
        "user bob may not send instant commands to UPS u (shutdown.return was refused): add \
         `instcmds = shutdown.return` (or ALL) for it in upsd.users and reload upsd, and check \
         its password"
    );
    for code in [ErrCode::CmdNotSupported, ErrCode::InvalidArgument] {
        assert!(
            matches!(refused(code), CommandError::NotOffered { offered: o, .. } if o == offered)
        );
    }
    for code in [ErrCode::UsernameRequired, ErrCode::PasswordRequired] {
        assert!(matches!(
            refused(code),
            CommandError::LoginIncomplete { .. }
        ));
    }
    for code in [ErrCode::InvalidPassword, ErrCode::InvalidUsername] {
        assert!(matches!(refused(code), CommandError::BadLogin { .. }));
    }
    assert!(matches!(
        refused(ErrCode::InstcmdFailed),
        CommandError::Nut { .. }
    ));
}
