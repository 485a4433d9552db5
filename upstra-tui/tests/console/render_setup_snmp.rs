//! What the setup wizard's UPS form draws once SNMP is chosen, in English and French at 80×24
//! and 200×50: v2c with its community masked and the versions ←/→ goes through, v3 with its
//! user, protocols and masked passwords (the tallest form), refused with a priv password but
//! no priv protocol, and a bad address refused.

use crate::support;
use crate::support::setup::{choose, on_empty_lab};

use support::apply;
use upstra_tui::console::action::{Action, FormAction};
use upstra_tui::console::state::{FieldName, SetupChoice, State};

fn ups_form() -> State {
    let mut state = on_empty_lab("/run/upstra/upstra.sock", "read,write");
    choose(&mut state, SetupChoice::Ups);
    state
}

/// Moves to `name` (shown) and types `text` there.
fn fill(state: &mut State, name: FieldName, text: &str) {
    go(state, name);
    apply(
        state,
        text.chars()
            .map(|c| Action::Form(FormAction::Char(c)))
            .collect(),
    );
}

fn go(state: &mut State, name: FieldName) {
    let form = state.setup.form.as_ref().expect("the form");
    let at = form
        .fields
        .iter()
        .position(|f| f.name == name)
        .expect("shown");
    let by = i32::try_from(at).expect("small") - i32::try_from(form.focus).expect("small");
    apply(state, vec![Action::Form(FormAction::Move(by))]);
}

/// SNMP chosen, its name, room and address typed.
fn snmp(address: &str) -> State {
    let mut state = ups_form();
    fill(&mut state, FieldName::Name, "ups-s1");
    fill(&mut state, FieldName::Room, "lab-s");
    go(&mut state, FieldName::Source);
    apply(&mut state, vec![Action::Form(FormAction::Cycle(1))]);
    fill(&mut state, FieldName::Address, address);
    state
}

#[test]
fn setup_snmp_v2c_form() {
    let mut state = snmp("10.0.0.5");
    fill(&mut state, FieldName::Community, "public-ish");
    go(&mut state, FieldName::Version);
    screens!("setup_snmp_v2c_form", state);
}

#[test]
fn setup_snmp_v3_form() {
    let mut state = snmp("10.0.0.5:1161");
    go(&mut state, FieldName::Version);
    apply(&mut state, vec![Action::Form(FormAction::Cycle(1))]);
    fill(&mut state, FieldName::SnmpUser, "upsmon");
    fill(&mut state, FieldName::AuthPassword, "auth secret 1");
    fill(&mut state, FieldName::PrivPassword, "priv secret 1");
    go(&mut state, FieldName::AuthProtocol);
    screens!("setup_snmp_v3_form", state);
}

#[test]
fn setup_snmp_bad_address() {
    let mut state = snmp("ups s1:99999");
    fill(&mut state, FieldName::Community, "public");
    apply(&mut state, vec![Action::Form(FormAction::Submit)]);
    screens!("setup_snmp_bad_address", state);
}

/// The tallest form with a two-line refusal under it still fits 80×24.
#[test]
fn setup_snmp_v3_refused() {
    let mut state = snmp("10.0.0.5:1161");
    go(&mut state, FieldName::Version);
    apply(&mut state, vec![Action::Form(FormAction::Cycle(1))]);
    fill(&mut state, FieldName::SnmpUser, "upsmon");
    fill(&mut state, FieldName::AuthPassword, "auth secret 1");
    go(&mut state, FieldName::PrivProtocol);
    apply(&mut state, vec![Action::Form(FormAction::Cycle(-1))]);
    fill(&mut state, FieldName::PrivPassword, "priv secret 1");
    apply(&mut state, vec![Action::Form(FormAction::Submit)]);
    screens!("setup_snmp_v3_refused", state);
}
