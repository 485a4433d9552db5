//! The setup wizard's UPS form: read over NUT or over SNMP. ←/→ on the Source picks one, on
//! the SNMP version, protocols and MIB the next value; the form shows only the fields that
//! apply (v1/v2c: a community, typed or in a file; v3: a user with its auth and priv
//! settings) and keeps the others aside, so switching back finds what was typed. The values
//! are checked with the lab file's own parsers (`upstra_core::snmp`), and the secrets move
//! from the form into the declaration, as the NUT password does.

use std::path::PathBuf;

use upstra_core::api::v1::{SnmpSpec, UpsSpec};
use upstra_core::secret::Secret;
use upstra_core::snmp::{
    MAX_SNMP_SECRET, MAX_USM_USER, SnmpAuthProtocol, SnmpMib, SnmpPrivProtocol, SnmpProblem,
    SnmpSecretKind, SnmpSecurity, SnmpUsm, SnmpVersion, parse_address,
};

use crate::console::message::Message;
use crate::console::state::{Field, FieldName, Form, FormPurpose, NO_PRIVACY};

const SNMP: &str = "snmp";

/// The fields shown for each way of reading a UPS, in order.
const NUT_FIELDS: &[FieldName] = &[
    FieldName::Name,
    FieldName::Room,
    FieldName::Source,
    FieldName::Nut,
    FieldName::User,
    FieldName::Password,
];
const COMMUNITY_FIELDS: &[FieldName] = &[
    FieldName::Name,
    FieldName::Room,
    FieldName::Source,
    FieldName::Address,
    FieldName::Version,
    FieldName::Community,
    FieldName::CommunityFile,
    FieldName::Mib,
];
const USM_FIELDS: &[FieldName] = &[
    FieldName::Name,
    FieldName::Room,
    FieldName::Source,
    FieldName::Address,
    FieldName::Version,
    FieldName::SnmpUser,
    FieldName::AuthProtocol,
    FieldName::AuthPassword,
    FieldName::PrivProtocol,
    FieldName::PrivPassword,
    FieldName::Mib,
];

/// A new UPS form, read over NUT until the operator picks SNMP. The defaults are the lab
/// file's: v2c (what most network cards ship with), SHA-256 when v3, and the MIB found from
/// the agent's `sysObjectID`; AES-128 since a v3 user is best set up with privacy.
pub(super) fn new_form() -> Form {
    let default = |name| match name {
        FieldName::Source => "nut",
        FieldName::Version => SnmpVersion::V2c.as_str(),
        FieldName::AuthProtocol => SnmpAuthProtocol::Sha256.as_str(),
        FieldName::PrivProtocol => SnmpPrivProtocol::Aes128.as_str(),
        FieldName::Mib => SnmpMib::Auto.as_str(),
        _ => "",
    };
    let mut all: Vec<FieldName> = USM_FIELDS.to_vec();
    for name in NUT_FIELDS.iter().chain(COMMUNITY_FIELDS) {
        if !all.contains(name) {
            all.push(*name);
        }
    }
    let mut form = Form::new(FormPurpose::Ups, Vec::new());
    form.stash = all.into_iter().map(|n| Field::new(n, default(n))).collect();
    relayout(&mut form);
    form
}

/// Shows the fields that the Source and Version now ask for; the focus stays on its field.
pub(super) fn relayout(form: &mut Form) {
    if !matches!(form.purpose, FormPurpose::Ups | FormPurpose::UpsSnmp) {
        return;
    }
    let snmp = form.value(FieldName::Source) == SNMP;
    let wanted = match SnmpVersion::parse(form.value(FieldName::Version)) {
        _ if !snmp => NUT_FIELDS,
        Some(SnmpVersion::V3) => USM_FIELDS,
        _ => COMMUNITY_FIELDS,
    };
    let focused = form.fields.get(form.focus).map(|f| f.name);
    // Moved, not copied: each secret stays in the one buffer that is wiped with the form.
    let mut pool: Vec<Field> = form.fields.drain(..).chain(form.stash.drain(..)).collect();
    for name in wanted {
        if let Some(at) = pool.iter().position(|f| f.name == *name) {
            form.fields.push(pool.remove(at));
        }
    }
    form.stash = pool;
    form.purpose = if snmp {
        FormPurpose::UpsSnmp
    } else {
        FormPurpose::Ups
    };
    form.focus = focused
        .and_then(|name| form.fields.iter().position(|f| f.name == name))
        .unwrap_or(0);
}

/// ←/→ on a field with choices: the previous or next value (from one not in the list, the
/// first or last).
pub(super) fn cycle(form: &mut Form, by: i32) {
    let Some(field) = form.fields.get_mut(form.focus) else {
        return;
    };
    let choices = field.name.choices();
    let Ok(len) = i32::try_from(choices.len()) else {
        return;
    };
    if len == 0 {
        return;
    }
    let at = choices.iter().position(|c| *c == field.value.trim());
    let next = match at.and_then(|at| i32::try_from(at).ok()) {
        Some(at) => (at + by).rem_euclid(len),
        None if by > 0 => 0,
        None => len - 1,
    };
    if let Some(value) = usize::try_from(next).ok().and_then(|n| choices.get(n)) {
        *field = Field::new(field.name, value);
    }
    relayout(form);
}

/// A UPS read over SNMP, checked as the lab file checks it, with the community file to read
/// (here, before the apply) when one was named instead of a typed community. The typed
/// secrets are moved into the declaration and wiped from the form.
pub(super) fn snmp_spec(form: &mut Form) -> Result<(UpsSpec, Option<PathBuf>), Box<Message>> {
    let need = |form: &mut Form, fields: &[FieldName]| -> Result<(), Box<Message>> {
        match fields.iter().find(|f| form.value(**f).is_empty()) {
            Some(missing) => refuse(form, *missing, Message::NeedField(*missing)),
            None => Ok(()),
        }
    };
    need(
        form,
        &[FieldName::Name, FieldName::Room, FieldName::Address],
    )?;
    let Some((host, port)) = parse_address(form.value(FieldName::Address)) else {
        let typed = form.value(FieldName::Address).to_owned();
        return refuse(form, FieldName::Address, Message::BadAddress(typed));
    };
    let version = choice(form, FieldName::Version, SnmpVersion::parse)?;
    let mib = choice(form, FieldName::Mib, SnmpMib::parse)?;
    let mut community_file = None;
    let security = match version {
        SnmpVersion::V1 | SnmpVersion::V2c => {
            let typed = form.value(FieldName::Community);
            let file = form.value(FieldName::CommunityFile);
            let community = match (typed.is_empty(), file.is_empty()) {
                (false, false) => {
                    let why = Message::EitherOr(FieldName::Community, FieldName::CommunityFile);
                    return refuse(form, FieldName::Community, why);
                }
                (true, true) => {
                    return refuse(
                        form,
                        FieldName::Community,
                        Message::NeedField(FieldName::Community),
                    );
                }
                (false, true) => Some(Secret::new(typed)),
                (true, false) => {
                    community_file = Some(PathBuf::from(file));
                    None
                }
            };
            if version == SnmpVersion::V1 {
                SnmpSecurity::V1 { community }
            } else {
                SnmpSecurity::V2c { community }
            }
        }
        SnmpVersion::V3 => SnmpSecurity::V3(usm(form)?),
    };
    let endpoint = SnmpSpec {
        host,
        port,
        security,
        mib,
    };
    // Lengths (a USM password under 8 bytes...): the checks `apply` makes.
    if let Some(problem) = endpoint.checks().into_iter().next() {
        let (field, why) = worded(problem, form.value(FieldName::Address));
        return refuse(form, field, why);
    }
    let spec = UpsSpec {
        name: form.value(FieldName::Name).to_owned(),
        room: form.value(FieldName::Room).to_owned(),
        nut: String::new(),
        snmp: Some(endpoint),
        login: None,
        policy: Default::default(),
    };
    // Every secret goes, the ones set aside by a switch of version or source too: none is
    // left in memory once the declaration is sent.
    for field in form.fields.iter_mut().chain(form.stash.iter_mut()) {
        if field.name.is_secret() {
            *field = Field::new(field.name, "");
        }
    }
    Ok((spec, community_file))
}

/// An SNMPv3 user: authentication is required (a forged reading could start a shed),
/// privacy is `none` or an AES size with its password.
fn usm(form: &mut Form) -> Result<SnmpUsm, Box<Message>> {
    for field in [FieldName::SnmpUser, FieldName::AuthPassword] {
        if form.value(field).is_empty() {
            form.focus_on(field);
            return Err(Box::new(Message::NeedField(field)));
        }
    }
    let auth_protocol = choice(form, FieldName::AuthProtocol, SnmpAuthProtocol::parse)?;
    let privacy = match form.value(FieldName::PrivProtocol) {
        NO_PRIVACY => None,
        _ => Some(choice(
            form,
            FieldName::PrivProtocol,
            SnmpPrivProtocol::parse,
        )?),
    };
    let priv_password = form.value(FieldName::PrivPassword);
    if privacy.is_some() && priv_password.is_empty() {
        form.focus_on(FieldName::PrivPassword);
        return Err(Box::new(Message::NeedField(FieldName::PrivPassword)));
    }
    Ok(SnmpUsm {
        user: form.value(FieldName::SnmpUser).to_owned(),
        auth_protocol,
        auth_password: Some(Secret::new(form.value(FieldName::AuthPassword))),
        privacy,
        // Typed with privacy `none`, it is refused by `problems`, as a lab file's is.
        priv_password: Some(Secret::new(priv_password)).filter(|p| !p.is_empty()),
    })
}

/// An endpoint's problem, on the field it is about.
fn worded(problem: SnmpProblem, address: &str) -> (FieldName, Message) {
    let length = |field, min, max, len| Message::SnmpLength {
        field,
        min,
        max,
        len,
    };
    match problem {
        SnmpProblem::NoHost(_) | SnmpProblem::PortZero => {
            (FieldName::Address, Message::BadAddress(address.to_owned()))
        }
        SnmpProblem::SecretLength { secret, min, len } => {
            let field = match secret {
                SnmpSecretKind::Community => FieldName::Community,
                SnmpSecretKind::AuthPassword => FieldName::AuthPassword,
                SnmpSecretKind::PrivPassword => FieldName::PrivPassword,
            };
            (field, length(field, min, MAX_SNMP_SECRET, len))
        }
        SnmpProblem::UserLength { len } => (
            FieldName::SnmpUser,
            length(FieldName::SnmpUser, 1, MAX_USM_USER, len),
        ),
        SnmpProblem::PrivPasswordWithoutProtocol => {
            (FieldName::PrivProtocol, Message::PrivWithoutProtocol)
        }
    }
}

/// `why`, with the focus on `field`.
fn refuse<T>(form: &mut Form, field: FieldName, why: Message) -> Result<T, Box<Message>> {
    form.focus_on(field);
    Err(Box::new(why))
}

/// The value of a field with choices, parsed by the lab file's parser.
fn choice<T>(
    form: &mut Form,
    field: FieldName,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, Box<Message>> {
    let typed = form.value(field);
    match parse(typed) {
        Some(value) => Ok(value),
        None => {
            let value = typed.to_owned();
            form.focus_on(field);
            Err(Box::new(Message::NotOneOf { field, value }))
        }
    }
}
