//! Carries out a [`Call`] for the driver: one or a few RPCs, or reading a lab file here, and
//! the typed [`Reply`]. Only this side reads the clock (an audit filter's "2h ago") and the
//! file system (a lab file and its password files).

use std::time::{Duration, SystemTime};

use upstra_core::api::v1::{AuditQuery, SessionToken, UserAddRequest};

use super::action::Failure;
use super::call::{Accounts, Call, LabFile, Outcome, People, Reply, Request};
use super::driver::failure;
use crate::client::{CallError, Connector, timeouts};
use crate::commands::apply;

/// A simulation reads every BMC of the plan and the vCenter, each within its own deadline.
const SIMULATE: Duration = Duration::from_secs(120);

/// Runs `call` with `token` (calls that need a session and have none are refused here, as
/// the daemon would).
pub async fn perform(conn: &Connector, token: Option<SessionToken>, call: Call) -> Reply {
    let call = match (call, token) {
        (Call::Health, _) => {
            let result = conn
                .call(timeouts::CALL, |c, ctx| async move {
                    c.health(ctx)
                        .await
                        .map(Ok::<_, upstra_core::api::v1::ApiError>)
                })
                .await;
            return Reply::Health(result.map_err(failure));
        }
        (Call::Setup { user, password }, _) => {
            let req = upstra_core::api::v1::SetupRequest { user, password };
            let result = conn
                .call(
                    timeouts::LOGIN,
                    |c, ctx| async move { c.setup(ctx, req).await },
                )
                .await;
            return Reply::Setup(result.map_err(failure));
        }
        (Call::ReadLab { path }, Some(token)) => return read_lab(conn, token, path).await,
        (Call::ApplyReadingCommunity { spec, path }, Some(token)) => {
            return apply_reading_community(conn, token, spec, path).await;
        }
        (call, Some(token)) => (call, token),
        (call, None) => return refused(call),
    };
    session_call(conn, call.1, call.0).await
}

/// The reply to `call` when there is no session to make it with.
fn refused(call: Call) -> Reply {
    fn no<T>() -> Result<T, Failure> {
        Err(Failure::Unauthenticated)
    }
    match call {
        Call::PlanStatus => Reply::PlanStatus(no()),
        Call::UpsHistory => Reply::UpsHistory(no()),
        Call::ShowPlan { ups } => Reply::PlanShown { ups, result: no() },
        Call::Simulate { ups } => Reply::Simulated { ups, result: no() },
        Call::Audit { .. } => Reply::Audit(no()),
        Call::Accounts => Reply::Accounts(no()),
        Call::People { .. } => Reply::People(no()),
        Call::AddUser { name, .. } => Reply::UserAdded { name, result: no() },
        Call::AddGrant(grant) => Reply::GrantAdded {
            grant,
            result: no(),
        },
        Call::CreateRole { name, .. } => Reply::RoleCreated { name, result: no() },
        Call::Apply { dry_run, .. } => Reply::Applied {
            dry_run,
            result: no(),
        },
        Call::ApplyReadingCommunity { .. } => Reply::Applied {
            dry_run: false,
            result: no(),
        },
        Call::Sync => Reply::Synced(no()),
        Call::Do(request) => Reply::Done {
            request,
            result: no(),
        },
        Call::ReadLab { .. } => Reply::LabRead(Err(Vec::new())),
        Call::Health | Call::Setup { .. } => Reply::Setup(no()),
    }
}

async fn session_call(conn: &Connector, token: SessionToken, call: Call) -> Reply {
    let t = token.clone();
    match call {
        Call::PlanStatus => Reply::PlanStatus(
            conn.call(timeouts::CALL, |c, ctx| async move {
                c.plan_status(ctx, t).await
            })
            .await
            .map_err(failure),
        ),
        Call::UpsHistory => Reply::UpsHistory(
            conn.call(timeouts::CALL, |c, ctx| async move {
                c.ups_history(ctx, t).await
            })
            .await
            .map_err(failure),
        ),
        Call::ShowPlan { ups } => {
            let asked = ups.clone();
            let result = conn
                .call(timeouts::APPLY, |c, ctx| async move {
                    c.plan_show(ctx, t, asked).await
                })
                .await;
            Reply::PlanShown {
                ups,
                result: result.map_err(failure),
            }
        }
        Call::Simulate { ups } => {
            let asked = ups.clone();
            let result = conn
                .call(SIMULATE, |c, ctx| async move {
                    c.plan_simulate(ctx, t, asked).await
                })
                .await;
            Reply::Simulated {
                ups,
                result: result.map_err(failure),
            }
        }
        Call::Audit { mut query, since } => {
            if let Some(text) = since {
                match crate::format::since(&text, SystemTime::now()) {
                    Some(at) => query.since = Some(at),
                    None => return Reply::Audit(Err(Failure::Failed(text))),
                }
            }
            Reply::Audit(audit(conn, t, query).await.map_err(failure))
        }
        Call::Accounts => Reply::Accounts(accounts(conn, &token).await.map_err(failure)),
        Call::People { user } => Reply::People(people(conn, &token, user).await.map_err(failure)),
        Call::AddUser {
            name,
            role,
            password,
        } => {
            let req = UserAddRequest {
                name: name.clone(),
                role,
                password,
            };
            let result = conn
                .call(timeouts::LOGIN, |c, ctx| async move {
                    c.user_add(ctx, t, req).await
                })
                .await;
            Reply::UserAdded {
                name,
                result: result.map_err(failure),
            }
        }
        Call::AddGrant(grant) => {
            let sent = grant.clone();
            let result = conn
                .call(timeouts::CALL, |c, ctx| async move {
                    c.grant_add(ctx, t, sent).await
                })
                .await;
            Reply::GrantAdded {
                grant,
                result: result.map_err(failure),
            }
        }
        Call::CreateRole { name, permissions } => {
            let asked = name.clone();
            let result = conn
                .call(timeouts::CALL, |c, ctx| async move {
                    c.role_create(ctx, t, asked, permissions).await
                })
                .await;
            Reply::RoleCreated {
                name,
                result: result.map_err(failure),
            }
        }
        Call::Apply { spec, dry_run } => {
            let result = conn
                .call(timeouts::APPLY, |c, ctx| async move {
                    // The daemon reads at most 64 KiB from a connection until a request on it
                    // showed a session, and the console reopens its connection after a pause:
                    // a small call first lets a large lab through.
                    if let Err(refused) = c.whoami(ctx, t.clone()).await? {
                        return Ok(Err(refused));
                    }
                    c.apply(ctx, t, *spec, dry_run).await
                })
                .await;
            Reply::Applied {
                dry_run,
                result: result.map_err(failure),
            }
        }
        Call::Sync => Reply::Synced(
            conn.call(
                timeouts::APPLY,
                |c, ctx| async move { c.sync(ctx, t).await },
            )
            .await
            .map_err(failure),
        ),
        Call::Do(request) => {
            let result = run_request(conn, t, &request).await.map_err(failure);
            Reply::Done { request, result }
        }
        // Answered before a session is needed (see `perform`).
        Call::Health
        | Call::Setup { .. }
        | Call::ReadLab { .. }
        | Call::ApplyReadingCommunity { .. } => refused(call),
    }
}

async fn audit(
    conn: &Connector,
    token: SessionToken,
    query: AuditQuery,
) -> Result<Vec<upstra_core::api::v1::AuditView>, CallError> {
    let wanted = query.limit.map(|n| n as usize);
    conn.audit_records(&token, query, wanted).await
}

async fn accounts(conn: &Connector, token: &SessionToken) -> Result<Accounts, CallError> {
    let (t1, t2, t3) = (token.clone(), token.clone(), token.clone());
    let (users, roles, grants) = tokio::try_join!(
        conn.call(timeouts::CALL, |c, ctx| async move {
            c.user_list(ctx, t1).await
        }),
        conn.call(timeouts::CALL, |c, ctx| async move {
            c.role_list(ctx, t2).await
        }),
        conn.call(timeouts::CALL, |c, ctx| async move {
            c.grant_list(ctx, t3).await
        }),
    )?;
    Ok(Accounts {
        users,
        roles,
        grants,
    })
}

async fn people(
    conn: &Connector,
    token: &SessionToken,
    of: Option<String>,
) -> Result<People, CallError> {
    let (t1, t2, user) = (token.clone(), token.clone(), of.clone());
    let (presence, sessions) = tokio::try_join!(
        conn.call(
            timeouts::CALL,
            |c, ctx| async move { c.presence(ctx, t1).await }
        ),
        conn.call(timeouts::CALL, |c, ctx| async move {
            c.session_list(ctx, t2, user).await
        }),
    )?;
    Ok(People {
        presence,
        of,
        sessions,
    })
}

async fn run_request(
    conn: &Connector,
    t: SessionToken,
    request: &Request,
) -> Result<Outcome, CallError> {
    let run = |view| Outcome::Run(Box::new(view));
    Ok(match request.clone() {
        Request::PlanRun { ups } => run(conn
            .call(timeouts::APPLY, |c, ctx| async move {
                c.plan_run(ctx, t, ups.into()).await
            })
            .await?),
        Request::PlanCancel => run(conn
            .call(timeouts::APPLY, |c, ctx| async move {
                c.plan_cancel(ctx, t).await
            })
            .await?),
        Request::PlanRestore => run(conn
            .call(timeouts::APPLY, |c, ctx| async move {
                c.plan_restore(ctx, t).await
            })
            .await?),
        Request::PowerCut { ups, cut } => {
            conn.call(timeouts::CALL, |c, ctx| async move {
                c.demo_power_cut(ctx, t, ups, cut).await
            })
            .await?;
            Outcome::Done
        }
        Request::SetDisabled { user, disabled } => {
            conn.call(timeouts::CALL, |c, ctx| async move {
                c.user_set_disabled(ctx, t, user, disabled).await
            })
            .await?;
            Outcome::Done
        }
        Request::ResetPassword { user } => Outcome::Reset(
            conn.call(timeouts::CALL, |c, ctx| async move {
                c.user_reset_password(ctx, t, user).await
            })
            .await?,
        ),
        Request::RemoveGrant(grant) => {
            conn.call(timeouts::CALL, |c, ctx| async move {
                c.grant_remove(ctx, t, grant).await
            })
            .await?;
            Outcome::Done
        }
        Request::RemoveUser { user } => {
            conn.call(timeouts::CALL, |c, ctx| async move {
                c.user_remove(ctx, t, user).await
            })
            .await?;
            Outcome::Done
        }
        Request::SetRole { user, role } => {
            conn.call(timeouts::CALL, |c, ctx| async move {
                c.user_set_role(ctx, t, user, role).await
            })
            .await?;
            Outcome::Done
        }
        Request::RemoveRole { name } => {
            conn.call(timeouts::CALL, |c, ctx| async move {
                c.role_remove(ctx, t, name).await
            })
            .await?;
            Outcome::Done
        }
        Request::EndSession { id } => {
            conn.call(timeouts::CALL, |c, ctx| async move {
                c.session_revoke(ctx, t, id).await
            })
            .await?;
            Outcome::Done
        }
        Request::EndSessionsOf { user } => Outcome::Ended(
            conn.call(timeouts::CALL, |c, ctx| async move {
                c.session_revoke_user(ctx, t, user).await
            })
            .await?,
        ),
    })
}

/// Reads a lab file as `upstra apply` does: the names already in the store first, so that
/// the file may use them, then the file and its password files.
async fn read_lab(conn: &Connector, token: SessionToken, path: std::path::PathBuf) -> Reply {
    let known = match apply::known_names(conn, &token).await {
        Ok(known) => known,
        Err(e) => return Reply::LabRead(Err(vec![e.to_string()])),
    };
    // Reading a few small files; blocking the runtime for that long is not worth a thread.
    let read = tokio::task::spawn_blocking(move || {
        apply::read_lab(&path, &known).map(|spec| LabFile { path, spec })
    })
    .await;
    Reply::LabRead(read.unwrap_or_else(|e| Err(vec![e.to_string()])))
}

/// Reads the community file, puts it in the wizard's one UPS, then applies.
async fn apply_reading_community(
    conn: &Connector,
    token: SessionToken,
    mut spec: Box<upstra_core::api::v1::LabSpec>,
    path: std::path::PathBuf,
) -> Reply {
    use upstra_core::snmp::SnmpSecurity;
    let file = path.clone();
    // One small file; read off the runtime as the lab file is.
    let read = tokio::task::spawn_blocking(move || apply::read_secret(&file)).await;
    let community = match read {
        Ok(Ok(community)) => community,
        Ok(Err(reason)) => return Reply::CommunityUnread { path, reason },
        Err(e) => {
            return Reply::CommunityUnread {
                path,
                reason: e.to_string(),
            };
        }
    };
    for ups in &mut spec.ups {
        if let Some(snmp) = &mut ups.snmp
            && let SnmpSecurity::V1 { community: slot } | SnmpSecurity::V2c { community: slot } =
                &mut snmp.security
        {
            *slot = Some(community.clone());
        }
    }
    session_call(
        conn,
        token,
        Call::Apply {
            spec,
            dry_run: false,
        },
    )
    .await
}
