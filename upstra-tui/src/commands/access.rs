//! `upstra role ...`, `grant ...` and `settings ...`: who may do what. `--json` prints the
//! API's `RoleView`, `GrantView` arrays and its `Settings`.

use std::path::Path;

use upstra_core::api::v1::{GrantView, RoleView, Settings, TwoFactorRequirement};

use super::{out, out_json, signed_in};
use crate::cli::{GrantArgs, GrantVerb, RequireArgs, Requirement, RoleVerb, SettingsVerb};
use crate::client::timeouts;
use crate::error::CliError;
use crate::table::{Align, Table};

/// Runs one `role` verb.
pub async fn role(socket: &Path, verb: RoleVerb) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    match verb {
        RoleVerb::List(f) => {
            let roles = conn
                .call(timeouts::CALL, |c, ctx| async move {
                    c.role_list(ctx, token).await
                })
                .await?;
            if f.json {
                return out_json(&roles);
            }
            out(&roles_table(&roles))
        }
        RoleVerb::Create(r) => {
            let (name, permissions) = (r.name.clone(), r.permissions.clone());
            conn.call(timeouts::CALL, |c, ctx| async move {
                c.role_create(ctx, token, name, permissions).await
            })
            .await?;
            out(&format!(
                "created role {} with {}\n",
                r.name,
                r.permissions.join(",")
            ))
        }
        RoleVerb::Remove(r) => {
            let name = r.name.clone();
            conn.call(timeouts::CALL, |c, ctx| async move {
                c.role_remove(ctx, token, name).await
            })
            .await?;
            out(&format!("removed role {}\n", r.name))
        }
    }
}

/// Runs one `grant` verb.
pub async fn grant(socket: &Path, verb: GrantVerb) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let view = |g: GrantArgs| GrantView {
        user: g.user,
        role: g.role,
        resource: g.resource,
    };
    match verb {
        GrantVerb::List(f) => {
            let grants = conn
                .call(timeouts::CALL, |c, ctx| async move {
                    c.grant_list(ctx, token).await
                })
                .await?;
            if f.json {
                return out_json(&grants);
            }
            out(&grants_table(&grants))
        }
        GrantVerb::Add(g) => {
            let g = view(g);
            let said = format!("{} now has {} on {}\n", g.user, g.role, g.resource);
            conn.call(timeouts::CALL, |c, ctx| async move {
                c.grant_add(ctx, token, g).await
            })
            .await?;
            out(&said)
        }
        GrantVerb::Remove(g) => {
            let g = view(g);
            let said = format!("{} no longer has {} on {}\n", g.user, g.role, g.resource);
            conn.call(timeouts::CALL, |c, ctx| async move {
                c.grant_remove(ctx, token, g).await
            })
            .await?;
            out(&said)
        }
    }
}

/// Runs one `settings` verb.
pub async fn settings(socket: &Path, verb: SettingsVerb) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let get = token.clone();
    let mut settings = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.settings_get(ctx, get).await
        })
        .await?;
    match verb {
        SettingsVerb::Show(f) => {
            if f.json {
                return out_json(&settings);
            }
            out(&settings_text(&settings))
        }
        SettingsVerb::RequireTwoFactor(args) => {
            settings.require_two_factor = requirement(&args)?;
            let said = settings_text(&settings);
            conn.call(timeouts::CALL, |c, ctx| async move {
                c.settings_set(ctx, token, settings).await
            })
            .await?;
            out(&said)
        }
    }
}

/// The requirement as typed, checked for a role list that is present exactly with `roles`.
fn requirement(args: &RequireArgs) -> Result<TwoFactorRequirement, CliError> {
    let roles: Vec<String> = args
        .roles
        .iter()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    match (args.who, roles.is_empty()) {
        (Requirement::Nobody, true) => Ok(TwoFactorRequirement::Nobody),
        (Requirement::Everyone, true) => Ok(TwoFactorRequirement::Everyone),
        (Requirement::Roles, false) => Ok(TwoFactorRequirement::Roles(roles)),
        (Requirement::Roles, true) => Err(CliError::Usage(
            "name the roles after `roles`, comma-separated: `upstra settings require-2fa roles admin,operator`".into(),
        )),
        (_, false) => Err(CliError::Usage(
            "roles go only after `roles`: `upstra settings require-2fa roles admin,operator`"
                .into(),
        )),
    }
}

fn settings_text(s: &Settings) -> String {
    let who = match &s.require_two_factor {
        TwoFactorRequirement::Nobody => "nobody (each user's choice)".to_owned(),
        TwoFactorRequirement::Everyone => "everyone".to_owned(),
        TwoFactorRequirement::Roles(roles) => format!("holders of {}", roles.join(", ")),
    };
    format!("two-factor required of: {who}\n")
}

fn roles_table(roles: &[RoleView]) -> String {
    let mut t = Table::new(&[
        ("NAME", Align::Left),
        ("BUILT-IN", Align::Left),
        ("PERMISSIONS", Align::Left),
    ]);
    for r in roles {
        t.row(vec![
            r.name.clone(),
            if r.builtin { "yes" } else { "no" }.to_owned(),
            r.permissions.join(","),
        ]);
    }
    t.render()
}

fn grants_table(grants: &[GrantView]) -> String {
    let mut t = Table::new(&[
        ("USER", Align::Left),
        ("ROLE", Align::Left),
        ("RESOURCE", Align::Left),
    ]);
    for g in grants {
        t.row(vec![g.user.clone(), g.role.clone(), g.resource.clone()]);
    }
    t.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(who: Requirement, roles: &[&str]) -> RequireArgs {
        RequireArgs {
            who,
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    #[test]
    fn a_requirement_takes_roles_only_after_roles() {
        assert_eq!(
            requirement(&args(Requirement::Roles, &["admin", " operator"])).expect("valid"),
            TwoFactorRequirement::Roles(vec!["admin".into(), "operator".into()])
        );
        assert_eq!(
            requirement(&args(Requirement::Everyone, &[])).expect("valid"),
            TwoFactorRequirement::Everyone
        );
        assert_eq!(
            requirement(&args(Requirement::Roles, &[]))
                .expect_err("no roles")
                .exit_code(),
            2
        );
        assert!(requirement(&args(Requirement::Nobody, &["admin"])).is_err());
    }

    #[test]
    fn settings_read_as_a_sentence() {
        let s = Settings {
            require_two_factor: TwoFactorRequirement::Roles(vec!["admin".into()]),
        };
        assert_eq!(
            settings_text(&s),
            "two-factor required of: holders of admin\n"
        );
    }
}
