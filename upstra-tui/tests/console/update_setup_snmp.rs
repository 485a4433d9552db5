//! `update` for the setup wizard's UPS read over SNMP: ←/→ on "Read over" picks SNMP, the
//! version shows the fields it needs and hides the others (what was typed in them is kept),
//! the lab file's checks refuse a bad address or an unknown protocol on its field, and the
//! typed secrets move into the declaration and out of the form.

use crate::support;
use crate::support::setup::{choose, on_empty_lab};

use std::path::PathBuf;

use support::{apply, calls, replied};
use upstra_core::api::v1::{LabSpec, UpsSpec};
use upstra_core::secret::Secret;
use upstra_core::snmp::{
    SnmpAuthProtocol, SnmpEndpoint, SnmpMib, SnmpPrivProtocol, SnmpSecurity, SnmpUsm,
};
use upstra_tui::console::action::{Action, FormAction};
use upstra_tui::console::call::{Call, Reply};
use upstra_tui::console::lang::Lang;
use upstra_tui::console::message::Message;
use upstra_tui::console::state::{FieldName, SetupChoice, SetupStep, State};

/// A console on the wizard's UPS form, for a session that may write on an empty lab.
fn ups_form() -> State {
    let mut state = on_empty_lab("/s", "read,write");
    choose(&mut state, SetupChoice::Ups);
    assert_eq!(state.setup.step, SetupStep::Form);
    state
}

fn shown(state: &State) -> Vec<FieldName> {
    let form = state.setup.form.as_ref().expect("the form");
    form.fields.iter().map(|f| f.name).collect()
}

fn focus(state: &mut State, name: FieldName) {
    let at = shown(state)
        .iter()
        .position(|n| *n == name)
        .unwrap_or_else(|| panic!("{name:?} is not shown: {:?}", shown(state)));
    let from = state.setup.form.as_ref().expect("the form").focus;
    let by = i32::try_from(at).expect("small") - i32::try_from(from).expect("small");
    apply(state, vec![Action::Form(FormAction::Move(by))]);
}

fn type_in(state: &mut State, name: FieldName, text: &str) {
    focus(state, name);
    let len = value(state, name).chars().count();
    let mut actions = vec![Action::Form(FormAction::Backspace); len];
    actions.extend(text.chars().map(|c| Action::Form(FormAction::Char(c))));
    apply(state, actions);
}

fn value(state: &State, name: FieldName) -> String {
    let form = state.setup.form.as_ref().expect("the form");
    form.fields
        .iter()
        .chain(&form.stash)
        .find(|f| f.name == name)
        .map(|f| f.value.to_string())
        .unwrap_or_default()
}

fn pick(state: &mut State, name: FieldName, by: i32) {
    focus(state, name);
    apply(state, vec![Action::Form(FormAction::Cycle(by))]);
}

fn error(state: &State) -> Option<Message> {
    state.setup.form.as_ref().and_then(|f| f.error.clone())
}

fn focused(state: &State) -> FieldName {
    let form = state.setup.form.as_ref().expect("the form");
    form.fields[form.focus].name
}

/// SNMP chosen, name and room typed, the v2c default left.
fn snmp_ups(address: &str) -> State {
    let mut state = ups_form();
    type_in(&mut state, FieldName::Name, "ups-s1");
    type_in(&mut state, FieldName::Room, "lab-s");
    pick(&mut state, FieldName::Source, 1);
    type_in(&mut state, FieldName::Address, address);
    state
}

#[test]
fn choosing_snmp_then_each_version_shows_only_the_fields_that_apply() {
    let mut state = ups_form();
    use FieldName::*;
    assert_eq!(
        shown(&state),
        vec![Name, Room, Source, Nut, User, Password],
        "NUT first, as before"
    );
    assert_eq!(value(&state, Source), "nut");
    pick(&mut state, Source, 1);
    assert_eq!(value(&state, Source), "snmp");
    assert_eq!(
        shown(&state),
        vec![
            Name,
            Room,
            Source,
            Address,
            Version,
            Community,
            CommunityFile,
            Mib
        ]
    );
    assert_eq!(focused(&state), Source, "the focus stays on the choice");
    assert_eq!(value(&state, Version), "v2c");
    assert_eq!(value(&state, Mib), "auto");
    type_in(&mut state, Community, "public-ish");

    pick(&mut state, Version, 1);
    assert_eq!(value(&state, Version), "v3");
    assert_eq!(
        shown(&state),
        vec![
            Name,
            Room,
            Source,
            Address,
            Version,
            SnmpUser,
            AuthProtocol,
            AuthPassword,
            PrivProtocol,
            PrivPassword,
            Mib
        ]
    );
    assert_eq!(value(&state, AuthProtocol), "sha256");
    assert_eq!(value(&state, PrivProtocol), "aes128");
    // Right past the last version comes back to the first.
    pick(&mut state, Version, 1);
    assert_eq!(value(&state, Version), "v1");
    assert!(shown(&state).contains(&Community));
    assert_eq!(
        value(&state, Community),
        "public-ish",
        "what was typed is kept aside"
    );
    pick(&mut state, Source, -1);
    assert_eq!(shown(&state), vec![Name, Room, Source, Nut, User, Password]);
    // ←/→ on a text field changes nothing.
    pick(&mut state, Nut, 1);
    assert_eq!(value(&state, Nut), "");
    // A Source typed out in full switches too.
    type_in(&mut state, Source, "snmp");
    assert!(shown(&state).contains(&Address));
}

#[test]
fn a_v2c_ups_with_a_typed_community_is_declared_with_it_and_the_form_forgets_it() {
    let mut state = snmp_ups("127.0.0.1:1161");
    // A v3 password typed, then v2c again: set aside, then wiped with the rest.
    pick(&mut state, FieldName::Version, 1);
    type_in(&mut state, FieldName::AuthPassword, "auth secret 1");
    pick(&mut state, FieldName::Version, -1);
    type_in(&mut state, FieldName::Community, "ups1");
    pick(&mut state, FieldName::Mib, 1);
    let form = format!("{:?}", state.setup.form);
    assert!(
        !form.contains("ups1\""),
        "the community is not in Debug: {form}"
    );
    let effects = apply(&mut state, vec![Action::Form(FormAction::Submit)]);
    let want = LabSpec {
        ups: vec![UpsSpec {
            name: "ups-s1".into(),
            room: "lab-s".into(),
            nut: String::new(),
            snmp: Some(SnmpEndpoint {
                host: "127.0.0.1".into(),
                port: 1161,
                security: SnmpSecurity::V2c {
                    community: Some(Secret::new("ups1")),
                },
                mib: SnmpMib::Ietf,
            }),
            login: None,
            policy: Default::default(),
        }],
        ..LabSpec::default()
    };
    assert_eq!(
        calls(&effects),
        vec![Call::Apply {
            spec: Box::new(want),
            dry_run: false
        }]
    );
    assert_eq!(
        value(&state, FieldName::Community),
        "",
        "moved into the declaration"
    );
    assert_eq!(value(&state, FieldName::AuthPassword), "", "wiped too");
}

#[test]
fn a_community_file_is_read_here_and_a_file_that_cannot_be_is_said_on_its_field() {
    let mut state = snmp_ups("ups-s1.lab");
    pick(&mut state, FieldName::Version, -1);
    type_in(
        &mut state,
        FieldName::CommunityFile,
        "/etc/upstra/ups-s1.community",
    );
    let effects = apply(&mut state, vec![Action::Form(FormAction::Submit)]);
    let Some(Call::ApplyReadingCommunity { spec, path }) = calls(&effects).pop() else {
        panic!("the community file is read first: {effects:?}");
    };
    assert_eq!(path, PathBuf::from("/etc/upstra/ups-s1.community"));
    let snmp = spec.ups[0].snmp.as_ref().expect("snmp");
    assert_eq!((snmp.host.as_str(), snmp.port), ("ups-s1.lab", 161));
    assert_eq!(snmp.security, SnmpSecurity::V1 { community: None });
    focus(&mut state, FieldName::Name);
    replied(
        &mut state,
        Reply::CommunityUnread {
            path,
            reason: "no such file or directory".into(),
        },
    );
    assert!(!state.setup.busy);
    assert_eq!(focused(&state), FieldName::CommunityFile);
    let said = state.strings().message(&error(&state).expect("an error"));
    assert!(
        said.starts_with("Cannot read /etc/upstra/ups-s1.community: no such file"),
        "{said}"
    );
}

#[test]
fn a_v3_authpriv_user_is_declared_with_both_passwords() {
    let mut state = snmp_ups("[::1]:1161");
    pick(&mut state, FieldName::Version, 1);
    type_in(&mut state, FieldName::SnmpUser, "upsmon");
    pick(&mut state, FieldName::AuthProtocol, 2);
    type_in(&mut state, FieldName::AuthPassword, "auth secret 1");
    pick(&mut state, FieldName::PrivProtocol, 2);
    // No priv password yet: asked for, on its field.
    assert!(apply(&mut state, vec![Action::Form(FormAction::Submit)]).is_empty());
    assert_eq!(
        error(&state),
        Some(Message::NeedField(FieldName::PrivPassword))
    );
    assert_eq!(focused(&state), FieldName::PrivPassword);
    type_in(&mut state, FieldName::PrivPassword, "priv secret 1");
    let effects = apply(&mut state, vec![Action::Form(FormAction::Submit)]);
    let Some(Call::Apply { spec, dry_run }) = calls(&effects).pop() else {
        panic!("applied: {effects:?}");
    };
    assert!(!dry_run);
    let snmp = spec.ups[0].snmp.clone().expect("snmp");
    assert_eq!((snmp.host.as_str(), snmp.port), ("::1", 1161));
    assert_eq!(
        snmp.security,
        SnmpSecurity::V3(SnmpUsm {
            user: "upsmon".into(),
            auth_protocol: SnmpAuthProtocol::Sha512,
            auth_password: Some(Secret::new("auth secret 1")),
            privacy: Some(SnmpPrivProtocol::Aes256),
            priv_password: Some(Secret::new("priv secret 1")),
        })
    );
    for secret in [FieldName::AuthPassword, FieldName::PrivPassword] {
        assert_eq!(value(&state, secret), "", "{secret:?} left the form");
    }
}

#[test]
fn a_bad_address_or_protocol_is_refused_on_its_field_in_both_languages() {
    let mut state = snmp_ups("ups s1:99999");
    type_in(&mut state, FieldName::Community, "public");
    assert!(apply(&mut state, vec![Action::Form(FormAction::Submit)]).is_empty());
    let bad = Message::BadAddress("ups s1:99999".into());
    assert_eq!(error(&state), Some(bad.clone()));
    assert_eq!(focused(&state), FieldName::Address);
    assert_eq!(
        Lang::En.strings().message(&bad),
        "Address “ups s1:99999” is not host[:port] (port 1 to 65535, 161 when left out)."
    );
    assert_eq!(
        Lang::Fr.strings().message(&bad),
        "L'adresse « ups s1:99999 » n'est pas hôte[:port] (port de 1 à 65535, 161 s'il est omis)."
    );

    type_in(&mut state, FieldName::Address, "10.0.0.5");
    type_in(&mut state, FieldName::Version, "v3");
    assert!(
        shown(&state).contains(&FieldName::SnmpUser),
        "typed v3 is v3"
    );
    type_in(&mut state, FieldName::SnmpUser, "upsmon");
    type_in(&mut state, FieldName::AuthPassword, "auth secret 1");
    type_in(&mut state, FieldName::AuthProtocol, "md5");
    assert!(apply(&mut state, vec![Action::Form(FormAction::Submit)]).is_empty());
    let md5 = Message::NotOneOf {
        field: FieldName::AuthProtocol,
        value: "md5".into(),
    };
    assert_eq!(error(&state), Some(md5.clone()));
    assert_eq!(focused(&state), FieldName::AuthProtocol);
    assert_eq!(
        Lang::En.strings().message(&md5),
        "“Auth protocol” takes one of sha1, sha224, sha256, sha384, sha512 (←/→ picks them), \
         not “md5”."
    );
    assert_eq!(
        Lang::Fr.strings().message(&md5),
        "« Protocole auth » prend l'une des valeurs sha1, sha224, sha256, sha384, sha512 (←/→ \
         les propose), pas « md5 »."
    );
    // From a value not in the list, → starts at the first.
    apply(&mut state, vec![Action::Form(FormAction::Cycle(1))]);
    assert_eq!(value(&state, FieldName::AuthProtocol), "sha1");
    type_in(&mut state, FieldName::PrivProtocol, "des");
    assert!(apply(&mut state, vec![Action::Form(FormAction::Submit)]).is_empty());
    assert_eq!(
        error(&state),
        Some(Message::NotOneOf {
            field: FieldName::PrivProtocol,
            value: "des".into()
        })
    );
    // A priv password with no priv protocol, as a lab file's.
    type_in(&mut state, FieldName::PrivProtocol, "none");
    type_in(&mut state, FieldName::PrivPassword, "priv secret 1");
    assert!(apply(&mut state, vec![Action::Form(FormAction::Submit)]).is_empty());
    assert_eq!(error(&state), Some(Message::PrivWithoutProtocol));
    assert_eq!(focused(&state), FieldName::PrivProtocol);
    type_in(&mut state, FieldName::PrivPassword, "");
    // A USM password shorter than RFC 3414's 8 bytes: `apply`'s check, on its field.
    type_in(&mut state, FieldName::AuthPassword, "short");
    focus(&mut state, FieldName::Name);
    assert!(apply(&mut state, vec![Action::Form(FormAction::Submit)]).is_empty());
    let short = Message::SnmpLength {
        field: FieldName::AuthPassword,
        min: 8,
        max: 255,
        len: 5,
    };
    assert_eq!(error(&state), Some(short.clone()));
    assert_eq!(focused(&state), FieldName::AuthPassword);
    assert_eq!(
        Lang::En.strings().message(&short),
        "“Auth password” must be 8 to 255 bytes long (it is 5)."
    );
    assert_eq!(
        Lang::Fr.strings().message(&short),
        "« Mot de passe auth » doit faire de 8 à 255 octets (il en fait 5)."
    );

    // v2c with a community typed and a file named.
    let mut state = snmp_ups("10.0.0.5");
    type_in(&mut state, FieldName::Community, "public");
    type_in(&mut state, FieldName::CommunityFile, "c.txt");
    assert!(apply(&mut state, vec![Action::Form(FormAction::Submit)]).is_empty());
    assert_eq!(
        error(&state),
        Some(Message::EitherOr(
            FieldName::Community,
            FieldName::CommunityFile
        ))
    );
    assert_eq!(focused(&state), FieldName::Community);
    type_in(&mut state, FieldName::CommunityFile, "");
    type_in(&mut state, FieldName::Community, "");
    assert!(apply(&mut state, vec![Action::Form(FormAction::Submit)]).is_empty());
    assert_eq!(
        error(&state),
        Some(Message::NeedField(FieldName::Community))
    );
}
