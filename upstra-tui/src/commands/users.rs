//! `upstra user ...`: an admin managing accounts. `user list --json` prints the API's array of
//! `UserView`; `user reset-password --json` its `ResetSecret`.

use std::path::Path;
use std::time::SystemTime;

use upstra_core::api::v1::{UserAddRequest, UserView};

use super::confirm::{Confirm, confirm};
use super::{out, out_json, read_password_stdin, signed_in};
use crate::cli::{UserAddArgs, UserResetArgs, UserVerb};
use crate::client::timeouts;
use crate::error::CliError;
use crate::format;
use crate::table::{Align, Table};

/// Runs one `user` verb.
pub async fn run(socket: &Path, verb: UserVerb) -> Result<(), CliError> {
    match verb {
        UserVerb::Add(a) => add(socket, &a).await,
        UserVerb::List(f) => list(socket, f.json).await,
        UserVerb::Disable(u) => set_disabled(socket, u.name, true).await,
        UserVerb::Enable(u) => set_disabled(socket, u.name, false).await,
        UserVerb::Remove(r) => remove(socket, r.name, r.yes).await,
        UserVerb::SetRole(r) => set_role(socket, r.name, r.role).await,
        UserVerb::ResetPassword(r) => reset_password(socket, &r).await,
    }
}

async fn add(socket: &Path, args: &UserAddArgs) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let password = read_password_stdin()?;
    let req = UserAddRequest {
        name: args.name.clone(),
        role: args.role.clone(),
        password,
    };
    conn.call(timeouts::LOGIN, |c, ctx| async move {
        c.user_add(ctx, token, req).await
    })
    .await?;
    out(&format!(
        "created user {} with role {} on everything\n",
        args.name, args.role
    ))
}

async fn list(socket: &Path, json: bool) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let users = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.user_list(ctx, token).await
        })
        .await?;
    if json {
        return out_json(&users);
    }
    out(&users_table(&users))
}

async fn set_disabled(socket: &Path, user: String, disabled: bool) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let name = user.clone();
    conn.call(timeouts::CALL, |c, ctx| async move {
        c.user_set_disabled(ctx, token, name, disabled).await
    })
    .await?;
    out(&if disabled {
        format!("disabled {user}; their sessions have ended\n")
    } else {
        format!("enabled {user}; they can log in again\n")
    })
}

async fn remove(socket: &Path, user: String, yes: bool) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let action = format!("remove user {user} with their grants and sessions");
    confirm(
        Confirm {
            action: &action,
            target: &user,
            detail: None,
        },
        yes,
    )?;
    let name = user.clone();
    conn.call(timeouts::CALL, |c, ctx| async move {
        c.user_remove(ctx, token, name).await
    })
    .await?;
    out(&format!("removed {user}\n"))
}

async fn set_role(socket: &Path, user: String, role: String) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let (name, r) = (user.clone(), role.clone());
    conn.call(timeouts::CALL, |c, ctx| async move {
        c.user_set_role(ctx, token, name, r).await
    })
    .await?;
    out(&format!("{user} now has role {role} on everything\n"))
}

async fn reset_password(socket: &Path, args: &UserResetArgs) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let name = args.name.clone();
    let reset = conn
        .call(timeouts::LOGIN, |c, ctx| async move {
            c.user_reset_password(ctx, token, name).await
        })
        .await?;
    if args.json {
        return out_json(&reset);
    }
    let user = &args.name;
    out(&format!(
        "one-time secret for {user}: {secret}\n\
         It works once, until {expires} ({left}). Give it to {user} over a safe channel; they\n\
         log in with it as their password, then choose a new one:\n\
         \x20 upstra login --user {user} --password-stdin     (the secret on standard input)\n\
         \x20 upstra passwd --password-stdin                  (the secret, then the new password)\n",
        secret = reset.secret.expose(),
        expires = format::timestamp(reset.expires_at),
        left = format::until(reset.expires_at, SystemTime::now()),
    ))
}

fn users_table(users: &[UserView]) -> String {
    let mut t = Table::new(&[
        ("NAME", Align::Left),
        ("ROLE", Align::Left),
        ("GRANTS", Align::Right),
        ("2FA", Align::Left),
        ("STATE", Align::Left),
        ("CREATED", Align::Left),
    ]);
    for u in users {
        let state = match (u.disabled, u.must_change_password) {
            (true, _) => "disabled",
            (false, true) => "must change password",
            (false, false) => "active",
        };
        t.row(vec![
            u.name.clone(),
            u.role.clone().unwrap_or_else(|| format::NONE.to_owned()),
            u.scoped_grants.to_string(),
            if u.two_factor { "on" } else { "off" }.to_owned(),
            state.to_owned(),
            format::timestamp(u.created_at),
        ]);
    }
    t.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::state::Timestamp;

    #[test]
    fn the_users_table_shows_role_two_factor_and_state() {
        let user = |name: &str, role: Option<&str>| UserView {
            name: name.into(),
            role: role.map(str::to_owned),
            scoped_grants: 0,
            disabled: false,
            two_factor: false,
            must_change_password: false,
            created_at: Timestamp(0),
        };
        let mut bob = user("bob", None);
        bob.scoped_grants = 2;
        bob.disabled = true;
        let mut alice = user("alice", Some("admin"));
        alice.two_factor = true;
        assert_eq!(
            users_table(&[alice, bob]),
            "NAME   ROLE   GRANTS  2FA  STATE     CREATED\n\
             alice  admin       0  on   active    1970-01-01T00:00:00Z\n\
             bob    -           2  off  disabled  1970-01-01T00:00:00Z\n"
        );
    }
}
