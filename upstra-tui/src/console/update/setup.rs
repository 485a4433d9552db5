//! The first-run setup wizard. It opens by itself when the daemon's store has no user (the
//! first admin, then a login with it) and, once, when a session with the write permission
//! finds no inventory. The lab is declared from a lab file (read here, its password files too,
//! as `upstra apply` does; a dry run is reviewed before it is applied) or object by object;
//! after each apply every peer is read (`sync`) and the view shows what answers.

use upstra_core::api::v1::{
    ApplyReport, BmcSpec, ChangeKind, EntityKind, Health, LabSpec, LoginSpec, RoomSpec, ServerSpec,
    SyncReport, TlsSpec, UpsSpec, VCenterSpec,
};
use upstra_core::rbac::Permissions;
use upstra_core::secret::Secret;

use super::views::{call, failure_message, may};
use super::{fetch_now, start_following};
use crate::console::action::{Effect, Failure, FormAction};
use crate::console::call::{Call, LabFile};
use crate::console::message::{Message, Notice};
use crate::console::state::{
    Field, FieldName, Form, FormPurpose, Screen, Setup, SetupChoice, SetupStep, State,
};

/// The daemon said whether its store has a user: with none, the wizard replaces the login.
pub(super) fn health(state: &mut State, health: &Health) {
    if !health.has_users && state.screen == Screen::Login && state.session.is_none() {
        state.screen = Screen::Setup;
        state.setup = Setup {
            form: Some(admin_form()),
            ..Setup::default()
        };
    }
}

fn admin_form() -> Form {
    Form::new(
        FormPurpose::SetupAdmin,
        vec![
            Field::new(FieldName::User, ""),
            Field::new(FieldName::Password, ""),
            Field::new(FieldName::Repeat, ""),
        ],
    )
}

/// The lists arrived: an empty lab, for a session that may declare one, opens the wizard
/// once.
pub(super) fn lists_loaded(state: &mut State) {
    let inv = &state.lab.inventory;
    let empty = inv.rooms.is_empty() && inv.ups.is_empty() && inv.servers.is_empty();
    if empty
        && !state.setup.offered
        && state.screen == Screen::Tree
        && may(state, Permissions::WRITE)
    {
        state.screen = Screen::Setup;
        state.setup = Setup {
            step: SetupStep::Menu,
            offered: true,
            ..Setup::default()
        };
    }
    state.setup.offered = true;
}

/// The form a menu entry opens.
fn object_form(choice: SetupChoice) -> Option<Form> {
    let f = |name| Field::new(name, "");
    let (purpose, fields) = match choice {
        SetupChoice::LabFile => (FormPurpose::LabFile, vec![f(FieldName::Path)]),
        SetupChoice::Room => (FormPurpose::Room, vec![f(FieldName::Name)]),
        SetupChoice::Ups => return Some(super::setup_ups::new_form()),
        SetupChoice::Vcenter => (
            FormPurpose::Vcenter,
            vec![
                f(FieldName::Url),
                f(FieldName::User),
                f(FieldName::Password),
                f(FieldName::Fingerprint),
            ],
        ),
        SetupChoice::Server => (
            FormPurpose::Server,
            vec![
                f(FieldName::Name),
                f(FieldName::Room),
                Field::new(FieldName::Kind, "hypervisor"),
                f(FieldName::Feeds),
                Field::new(FieldName::Tier, "1"),
                f(FieldName::VsphereHost),
                f(FieldName::BmcUrl),
                f(FieldName::User),
                f(FieldName::Password),
            ],
        ),
        SetupChoice::Check | SetupChoice::Finish => return None,
    };
    Some(Form::new(purpose, fields))
}

/// A key on the wizard (its keys are the form actions; Esc is `CloseOverlay`).
pub(super) fn key(state: &mut State, action: FormAction) -> Vec<Effect> {
    let setup = &mut state.setup;
    if setup.busy {
        return Vec::new();
    }
    match (setup.step, action) {
        (SetupStep::Admin | SetupStep::Form, FormAction::Submit) => submit(state),
        (SetupStep::Form, FormAction::Cycle(by)) => {
            if let Some(form) = &mut setup.form {
                super::setup_ups::cycle(form, by);
            }
            Vec::new()
        }
        (SetupStep::Admin | SetupStep::Form, _) => {
            if let Some(form) = &mut setup.form {
                super::form::edit(form, action);
                // A Source or Version typed out in full shows its fields too.
                super::setup_ups::relayout(form);
            }
            Vec::new()
        }
        (SetupStep::Menu, FormAction::Move(by)) => {
            let len = i32::try_from(SetupChoice::ALL.len()).unwrap_or(1);
            let at = i32::try_from(setup.choice).unwrap_or(0);
            setup.choice = usize::try_from((at + by).rem_euclid(len)).unwrap_or(0);
            Vec::new()
        }
        (SetupStep::Menu, FormAction::Submit) => {
            let choice = SetupChoice::ALL
                .get(setup.choice)
                .copied()
                .unwrap_or(SetupChoice::Finish);
            pick(state, choice)
        }
        (SetupStep::Review, FormAction::Submit) => {
            let Some(spec) = setup.reviewing.take() else {
                return Vec::new();
            };
            setup.busy = true;
            call(
                state,
                Call::Apply {
                    spec: Box::new(spec),
                    dry_run: false,
                },
            )
        }
        (SetupStep::Check, FormAction::Submit) => {
            setup.step = SetupStep::Menu;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Esc: from a step back to the menu; from the menu out of the wizard; at the first admin,
/// out of the console.
pub(super) fn back(state: &mut State) -> Vec<Effect> {
    let setup = &mut state.setup;
    match setup.step {
        SetupStep::Admin => return vec![Effect::Quit],
        SetupStep::Menu => return finish(state),
        SetupStep::Form | SetupStep::Review | SetupStep::Check if !setup.busy => {
            setup.step = SetupStep::Menu;
            setup.form = None;
            setup.reviewing = None;
            setup.error = None;
            setup.problems.clear();
        }
        _ => {}
    }
    Vec::new()
}

fn pick(state: &mut State, choice: SetupChoice) -> Vec<Effect> {
    let setup = &mut state.setup;
    setup.error = None;
    setup.problems.clear();
    match choice {
        SetupChoice::Finish => finish(state),
        SetupChoice::Check => check(state),
        other => {
            setup.form = object_form(other);
            setup.step = SetupStep::Form;
            Vec::new()
        }
    }
}

/// Reads every peer now and shows what answers.
fn check(state: &mut State) -> Vec<Effect> {
    state.setup.busy = true;
    state.setup.step = SetupStep::Check;
    call(state, Call::Sync)
}

/// Done: the lab view, followed.
fn finish(state: &mut State) -> Vec<Effect> {
    state.setup.step = SetupStep::Menu;
    state.setup.form = None;
    state.setup.reviewing = None;
    state.screen = Screen::Tree;
    state.sync.fetching = false;
    start_following(state)
}

/// Enter in the admin or an object form.
fn submit(state: &mut State) -> Vec<Effect> {
    let Some(mut form) = state.setup.form.take() else {
        return Vec::new();
    };
    let result = match form.purpose {
        FormPurpose::SetupAdmin => admin(state, &mut form),
        FormPurpose::LabFile => {
            let path = form.value(FieldName::Path);
            if path.is_empty() {
                Err(Box::new(Message::NeedField(FieldName::Path)))
            } else {
                state.setup.busy = true;
                Ok(call(state, Call::ReadLab { path: path.into() }))
            }
        }
        FormPurpose::UpsSnmp => match super::setup_ups::snmp_spec(&mut form) {
            Ok((ups, community_file)) => {
                state.setup.busy = true;
                let spec = Box::new(LabSpec {
                    ups: vec![ups],
                    ..LabSpec::default()
                });
                Ok(call(
                    state,
                    match community_file {
                        Some(path) => Call::ApplyReadingCommunity { spec, path },
                        None => Call::Apply {
                            spec,
                            dry_run: false,
                        },
                    },
                ))
            }
            Err(e) => Err(e),
        },
        _ => match spec_of(&mut form) {
            Ok(spec) => {
                state.setup.busy = true;
                Ok(call(
                    state,
                    Call::Apply {
                        spec: Box::new(spec),
                        dry_run: false,
                    },
                ))
            }
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(effects) => {
            form.error = None;
            state.setup.form = Some(form);
            effects
        }
        Err(problem) => {
            form.error = Some(*problem);
            state.setup.form = Some(form);
            Vec::new()
        }
    }
}

/// The first admin: checked here, then `setup`.
fn admin(state: &mut State, form: &mut Form) -> Result<Vec<Effect>, Box<Message>> {
    for field in [FieldName::User, FieldName::Password] {
        if form.value(field).is_empty() {
            form.focus_on(field);
            return Err(Box::new(Message::NeedField(field)));
        }
    }
    if form.value(FieldName::Password) != form.value(FieldName::Repeat) {
        form.clear(FieldName::Repeat);
        form.focus_on(FieldName::Repeat);
        return Err(Box::new(Message::PasswordsDiffer));
    }
    state.setup.busy = true;
    Ok(vec![Effect::Call {
        epoch: state.epoch,
        token: None,
        call: Call::Setup {
            user: form.value(FieldName::User).to_owned(),
            password: Secret::new(form.value(FieldName::Password)),
        },
    }])
}

/// The declaration an object form makes, its passwords moved into it (and wiped from the
/// form).
fn spec_of(form: &mut Form) -> Result<LabSpec, Box<Message>> {
    let required: &[FieldName] = match form.purpose {
        FormPurpose::Room => &[FieldName::Name],
        FormPurpose::Ups => &[FieldName::Name, FieldName::Room, FieldName::Nut],
        FormPurpose::Vcenter => &[FieldName::Url, FieldName::User, FieldName::Password],
        _ => &[FieldName::Name, FieldName::Room],
    };
    if let Some(missing) = required.iter().find(|f| form.value(**f).is_empty()) {
        form.focus_on(*missing);
        return Err(Box::new(Message::NeedField(*missing)));
    }
    let text = |name| form.value(name).to_owned();
    let optional = |name| Some(form.value(name).to_owned()).filter(|v| !v.is_empty());
    let login = || LoginSpec {
        user: form.value(FieldName::User).to_owned(),
        password: Some(Secret::new(form.value(FieldName::Password))).filter(|p| !p.is_empty()),
    };
    let mut spec = LabSpec::default();
    match form.purpose {
        FormPurpose::Room => spec.rooms.push(RoomSpec {
            name: text(FieldName::Name),
            power_on_stagger_s: None,
        }),
        FormPurpose::Ups => spec.ups.push(UpsSpec {
            name: text(FieldName::Name),
            room: text(FieldName::Room),
            nut: text(FieldName::Nut),
            snmp: None,
            login: optional(FieldName::User).map(|_| login()),
            policy: Default::default(),
        }),
        FormPurpose::Vcenter => {
            spec.vcenter = Some(VCenterSpec {
                url: text(FieldName::Url),
                login: login(),
                tls: optional(FieldName::Fingerprint)
                    .map_or(TlsSpec::Unpinned, TlsSpec::Fingerprint),
            });
        }
        _ => {
            let Ok(tier) = form.value(FieldName::Tier).parse::<u32>() else {
                form.focus_on(FieldName::Tier);
                return Err(Box::new(Message::BadNumber(FieldName::Tier)));
            };
            spec.servers.push(ServerSpec {
                name: text(FieldName::Name),
                room: text(FieldName::Room),
                kind: text(FieldName::Kind),
                feeds: form
                    .value(FieldName::Feeds)
                    .split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned)
                    .collect(),
                feeds_required: None,
                tier,
                depends_on: Vec::new(),
                migrate_to: Vec::new(),
                vsphere_host: optional(FieldName::VsphereHost),
                bmc: optional(FieldName::BmcUrl).map(|url| BmcSpec {
                    url,
                    login: login(),
                    tls: TlsSpec::Unpinned,
                }),
                ssh: None,
                this_host: false,
            });
        }
    }
    form.clear(FieldName::Password);
    Ok(spec)
}

/// `setup` answered: log in as the new admin, as the login form would.
pub(super) fn admin_created(state: &mut State, result: Result<(), Failure>) -> Vec<Effect> {
    state.setup.busy = false;
    let Some(form) = &mut state.setup.form else {
        return Vec::new();
    };
    match result {
        Ok(()) => {
            let user = form.value(FieldName::User).to_owned();
            let password = Secret::new(form.value(FieldName::Password));
            state.setup.form = None;
            state.setup.step = SetupStep::Menu;
            state.screen = Screen::Login;
            state.login.user.clone_from(&user);
            state.login.pending = true;
            vec![Effect::Login { user, password }]
        }
        Err(f) => {
            let why = failure_message(state, f);
            if let Some(form) = &mut state.setup.form {
                form.error = Some(why);
            }
            Vec::new()
        }
    }
}

/// The lab file was read here: show what applying it would change.
pub(super) fn lab_read(state: &mut State, result: Result<LabFile, Vec<String>>) -> Vec<Effect> {
    match result {
        Ok(file) => {
            state.setup.reviewing = Some(file.spec.clone());
            call(
                state,
                Call::Apply {
                    spec: Box::new(file.spec),
                    dry_run: true,
                },
            )
        }
        Err(problems) => {
            state.setup.busy = false;
            if let Some(form) = &mut state.setup.form {
                form.error = Some(Message::LabProblems(problems.len()));
            }
            state.setup.problems = problems;
            Vec::new()
        }
    }
}

/// `apply` answered: a dry run goes to the review, a real one to the check.
pub(super) fn applied(
    state: &mut State,
    dry_run: bool,
    result: Result<ApplyReport, Failure>,
) -> Vec<Effect> {
    state.setup.busy = false;
    match result {
        Ok(report) if dry_run => {
            state.setup.dry_run = Some(report);
            state.setup.step = SetupStep::Review;
            Vec::new()
        }
        Ok(report) => {
            state.setup.declared.extend(declared(&report));
            state.setup.form = None;
            state.setup.dry_run = None;
            state.notice = Some(Notice::info(Message::Applied(report.changes.len())));
            let mut effects = fetch_now(state);
            effects.extend(check(state));
            effects
        }
        Err(f) => {
            let why = failure_message(state, f);
            state.setup.reviewing = None;
            match &mut state.setup.form {
                Some(form) => form.error = Some(why),
                None => state.setup.error = Some(why),
            }
            if state.setup.step == SetupStep::Review {
                state.setup.step = SetupStep::Menu;
            }
            Vec::new()
        }
    }
}

/// The community file could not be read here: said on its field, nothing was applied.
pub(super) fn community_unread(
    state: &mut State,
    path: &std::path::Path,
    reason: String,
) -> Vec<Effect> {
    state.setup.busy = false;
    if let Some(form) = &mut state.setup.form {
        form.focus_on(FieldName::CommunityFile);
        form.error = Some(Message::CannotRead {
            path: path.display().to_string(),
            reason,
        });
    }
    Vec::new()
}

/// What an apply created or changed.
fn declared(report: &ApplyReport) -> Vec<(EntityKind, String)> {
    report
        .changes
        .iter()
        .filter(|c| !matches!(c.kind, ChangeKind::Unchanged))
        .map(|c| (c.entity, c.name.clone()))
        .collect()
}

pub(super) fn synced(state: &mut State, result: Result<SyncReport, Failure>) -> Vec<Effect> {
    state.setup.busy = false;
    match result {
        Ok(report) => {
            state.setup.sync = Some(report);
            state.setup.error = None;
        }
        Err(f) => {
            let why = failure_message(state, f);
            state.setup.error = Some(why);
        }
    }
    fetch_now(state)
}
