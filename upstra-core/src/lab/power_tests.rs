use super::*;

const LAB: &str = "[[room]]\nname = \"r\"\npower_on_stagger = \"3s\"\n\
     [[ups]]\nname = \"u1\"\nroom = \"r\"\nnut = \"u1@h\"\n\
     [[ups]]\nname = \"u2\"\nroom = \"r\"\nnut = \"u2@h\"\n\
     [[server]]\nname = \"nas\"\nroom = \"r\"\nfeeds = [\"u1\", \"u2\"]\nfeeds_required = 2\n";

fn errors(text: &str) -> Vec<String> {
    match parse(text, &KnownNames::default()) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn feeds_required_and_power_on_stagger_are_read() {
    let inv = parse(LAB, &KnownNames::default()).expect("valid").inventory;
    let nas = inv.servers.values().next().expect("a server");
    assert_eq!(nas.feeds_required, 2);
    let room = inv.rooms.values().next().expect("a room");
    assert_eq!(room.power_on_stagger_s, 3);
}

#[test]
fn without_them_one_feed_is_enough_and_the_stagger_is_the_default() {
    let text = LAB
        .replace("power_on_stagger = \"3s\"\n", "")
        .replace("feeds_required = 2\n", "");
    let inv = parse(&text, &KnownNames::default())
        .expect("valid")
        .inventory;
    let nas = inv.servers.values().next().expect("a server");
    assert_eq!(nas.feeds_required, crate::model::DEFAULT_FEEDS_REQUIRED);
    let room = inv.rooms.values().next().expect("a room");
    assert_eq!(
        room.power_on_stagger_s,
        crate::model::DEFAULT_POWER_ON_STAGGER_S
    );
}

#[test]
fn feeds_required_beyond_the_feeds_names_the_server_and_line() {
    for bad in ["3", "0"] {
        let e = errors(&LAB.replace("feeds_required = 2", &format!("feeds_required = {bad}")));
        assert_eq!(
            e,
            vec![format!(
                "16: server `nas`: feeds_required must be from 1 to its number of feeds (2), not {bad}"
            )]
        );
    }
}

#[test]
fn a_stagger_that_is_no_duration_or_too_long_is_refused() {
    let e = errors(&LAB.replace("\"3s\"", "\"soon\""));
    assert!(
        e[0].starts_with("3: room `r`: power_on_stagger: `soon` is not a duration"),
        "{e:?}"
    );
    let e = errors(&LAB.replace("\"3s\"", "\"1h\""));
    assert_eq!(
        e,
        vec!["3: room `r`: power_on_stagger must be at most 600 s, not 3600 s"]
    );
}

#[test]
fn apply_carries_both_and_checks_them_again() {
    let inv = parse(LAB, &KnownNames::default()).expect("valid").inventory;
    let spec = crate::api::v1::LabSpec::from(&inv);
    let back = spec
        .clone()
        .into_inventory(&Inventory::default())
        .expect("valid spec");
    assert_eq!(back, inv);
    let mut bad = spec;
    if let Some(s) = bad.servers.first_mut() {
        s.feeds_required = Some(3);
    }
    let problems = bad
        .into_inventory(&Inventory::default())
        .expect_err("too many feeds required");
    assert_eq!(
        problems,
        vec!["server `nas`: feeds_required must be from 1 to its number of feeds (2), not 3"]
    );
}

const CONSOLE: &str =
    "[[server]]\nname = \"console\"\nroom = \"r\"\nfeeds = [\"u1\"]\nthis_host = true\n";

#[test]
fn this_host_and_ups_off_are_read() {
    let text = LAB.replace(
        "nut = \"u1@h\"\n",
        "nut = \"u1@h\"\npolicy = { ups_off = \"return\", ups_off_margin = \"90s\", output_return = \"3m\" }\n",
    ) + CONSOLE;
    let inv = parse(&text, &KnownNames::default())
        .expect("valid")
        .inventory;
    let here: Vec<_> = inv.servers.values().filter(|s| s.this_host).collect();
    assert_eq!(here.len(), 1);
    assert_eq!(here[0].id.as_str(), "console");
    let u1 = inv
        .ups
        .values()
        .find(|u| u.id.as_str() == "u1")
        .expect("u1");
    assert_eq!(u1.policy.ups_off, crate::outage::UpsOffPolicy::Return);
    assert_eq!(u1.policy.ups_off_margin_s, 90);
    assert_eq!(u1.policy.output_return_s, 180);
    let u2 = inv
        .ups
        .values()
        .find(|u| u.id.as_str() == "u2")
        .expect("u2");
    assert_eq!(u2.policy.ups_off, crate::outage::UpsOffPolicy::Never);
    assert_eq!(
        u2.policy.output_return_s,
        crate::outage::policy::DEFAULT_OUTPUT_RETURN_S
    );
}

#[test]
fn this_host_is_one_machine_and_not_a_hypervisor() {
    let twice = format!("{LAB}{CONSOLE}{}", CONSOLE.replace("console", "console2"));
    let e = errors(&twice);
    assert!(
        e.iter()
            .any(|m| m.contains("server `console2`: this_host is already set on `console`")),
        "{e:?}"
    );
    let esx = format!(
        "{LAB}{}",
        CONSOLE.replace("this_host", "kind = \"hypervisor\"\nthis_host")
    );
    let e = errors(&esx);
    assert!(
        e.iter()
            .any(|m| m.contains("this_host cannot be a hypervisor")),
        "{e:?}"
    );
}

#[test]
fn ups_off_accepts_only_return_or_never() {
    let text = LAB.replace(
        "nut = \"u1@h\"\n",
        "nut = \"u1@h\"\npolicy = { ups_off = \"yes\" }\n",
    );
    let e = errors(&text);
    assert!(
        e.iter()
            .any(|m| m.contains("ups_off") && m.contains("\"return\"") && m.contains("`yes`")),
        "{e:?}"
    );
}
