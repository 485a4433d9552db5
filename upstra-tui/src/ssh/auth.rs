//! Logging in to the server as the operator: the agent at `SSH_AUTH_SOCK` (which works
//! through agent forwarding when the operator reached the console over SSH), then key files,
//! then the password, asked for at most [`PASSWORD_TRIES`] times. Nothing is kept: a
//! passphrase or password lives only for the call that uses it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use russh::MethodKind;
use russh::client::{AuthResult, Handle};
use russh::keys::agent::AgentIdentity;
use russh::keys::agent::client::AgentClient;
use russh::keys::{PrivateKeyWithHashAlg, load_secret_key};

use super::host_key::Checker;
use super::session::Link;
use super::{PASSWORD_TRIES, Prompt, Request, SshError};

/// The key files OpenSSH tries by default that exist under `home`.
pub fn default_identities(home: &Path) -> Vec<PathBuf> {
    ["id_ed25519", "id_ecdsa", "id_rsa"]
        .iter()
        .map(|name| home.join(".ssh").join(name))
        .filter(|p| p.is_file())
        .collect()
}

/// `path` with the home directory shown as `~`, for messages.
fn shown(path: &Path) -> String {
    match std::env::var_os("HOME").map(PathBuf::from) {
        Some(home) if path.starts_with(&home) => {
            format!("~/{}", path.strip_prefix(&home).unwrap_or(path).display())
        }
        _ => path.display().to_string(),
    }
}

/// Whether the server still offers `kind` after a refusal.
fn offers(result: &AuthResult, kind: MethodKind) -> bool {
    match result {
        AuthResult::Success => false,
        AuthResult::Failure {
            remaining_methods, ..
        } => remaining_methods.contains(&kind),
    }
}

/// What went wrong talking to the server while logging in.
fn session_error(req: &Request, e: &russh::Error) -> SshError {
    SshError::Session {
        server: req.server.clone(),
        detail: e.to_string(),
    }
}

/// Logs in as `req.login`, or says every way that was refused.
pub(super) async fn authenticate(
    handle: &mut Handle<Checker>,
    req: &Request,
    link: &mut Link,
) -> Result<(), SshError> {
    let mut tried = Vec::new();
    let mut password_offered = true;
    if req.use_agent && std::env::var_os("SSH_AUTH_SOCK").is_some() {
        tried.push("agent".to_owned());
        match with_agent(handle, req).await? {
            Some(AuthResult::Success) => return Ok(()),
            Some(refused) => password_offered = offers(&refused, MethodKind::Password),
            None => {}
        }
    }
    for path in &req.identities {
        let key = match load_secret_key(path, None) {
            Ok(key) => key,
            Err(russh::keys::Error::KeyIsEncrypted) => {
                let prompt = Prompt::Passphrase { path: path.clone() };
                let Some(passphrase) = link.ask(prompt).await else {
                    continue;
                };
                match load_secret_key(path, Some(passphrase.expose())) {
                    Ok(key) => key,
                    Err(e) => {
                        tracing::info!(key = %path.display(), error = %e, "key file not usable");
                        continue;
                    }
                }
            }
            Err(e) => {
                tracing::info!(key = %path.display(), error = %e, "key file not usable");
                continue;
            }
        };
        tried.push(shown(path));
        let hash = handle
            .best_supported_rsa_hash()
            .await
            .map_err(|e| session_error(req, &e))?
            .flatten();
        let result = handle
            .authenticate_publickey(&req.login, PrivateKeyWithHashAlg::new(Arc::new(key), hash))
            .await
            .map_err(|e| session_error(req, &e))?;
        if result.success() {
            return Ok(());
        }
        password_offered = offers(&result, MethodKind::Password);
    }
    if password_offered {
        tried.push("password".to_owned());
        for attempt in 0..PASSWORD_TRIES {
            let prompt = Prompt::Password {
                login: req.login.clone(),
                retry: attempt > 0,
            };
            let Some(password) = link.ask(prompt).await else {
                return Err(SshError::Cancelled {
                    server: req.server.clone(),
                });
            };
            // russh takes the password as a `String`; it ends there.
            let result = handle
                .authenticate_password(&req.login, password.expose())
                .await
                .map_err(|e| session_error(req, &e))?;
            if result.success() {
                return Ok(());
            }
            if !offers(&result, MethodKind::Password) {
                break;
            }
        }
    }
    Err(SshError::AuthFailed {
        server: req.server.clone(),
        login: req.login.clone(),
        tried: if tried.is_empty() {
            "nothing: no agent, no key file, and the server takes no password".to_owned()
        } else {
            tried.join(", ")
        },
    })
}

/// Tries every key the agent holds. `None` when the agent cannot be used at all.
async fn with_agent(
    handle: &mut Handle<Checker>,
    req: &Request,
) -> Result<Option<AuthResult>, SshError> {
    let mut agent = match AgentClient::connect_env().await {
        Ok(agent) => agent,
        Err(e) => {
            tracing::info!(error = %e, "the SSH agent cannot be reached");
            return Ok(None);
        }
    };
    let identities = match agent.request_identities().await {
        Ok(ids) => ids,
        Err(e) => {
            tracing::info!(error = %e, "the SSH agent did not list its keys");
            return Ok(None);
        }
    };
    let mut last = None;
    for identity in identities {
        let AgentIdentity::PublicKey { key, .. } = identity else {
            continue;
        };
        let hash = handle
            .best_supported_rsa_hash()
            .await
            .map_err(|e| session_error(req, &e))?
            .flatten();
        match handle
            .authenticate_publickey_with(&req.login, key, hash, &mut agent)
            .await
        {
            Ok(AuthResult::Success) => return Ok(Some(AuthResult::Success)),
            Ok(refused) => last = Some(refused),
            Err(e) => tracing::info!(error = %e, "the SSH agent did not sign"),
        }
    }
    Ok(last)
}
