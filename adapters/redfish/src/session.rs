//! Authentication: a Redfish session (`X-Auth-Token`) when the service root offers one, HTTP
//! basic authentication otherwise.
//!
//! Why sessions when offered: an HPE iLO counts logins against a small limit of concurrent
//! sessions, and a poller that logs in on every read can exhaust it and lock operators out
//! until the idle timeout. So a client opens one session, reuses it for every request, logs in
//! again only when the BMC says it expired (401), and deletes it on [`RedfishClient::logout`]
//! or when dropped. sushy-tools offers no SessionService, so against it basic auth is used.

use reqwest::header::HeaderValue;
use reqwest::{StatusCode, Url};
use serde_json::json;
use upstra_core::secret::Secret;

use crate::client::{Deadline, RedfishClient, decode, error_summary, transport};
use crate::error::RedfishError;
use crate::payload::{Link, ServiceRoot};

/// The session token header, as the Redfish specification names it.
pub(crate) const AUTH_TOKEN: &str = "X-Auth-Token";

/// How a client authenticates, as decided from the service root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// HTTP basic authentication on every request.
    Basic,
    /// A Redfish session: one login, then its `X-Auth-Token`.
    Session,
}

/// The login state of a client.
#[derive(Debug, Clone)]
pub(crate) enum Auth {
    /// Not decided: the service root has not been read yet.
    Unknown,
    /// Basic authentication.
    Basic,
    /// An open session; `uri` is where to DELETE it.
    Session {
        token: Secret,
        uri: Option<Url>,
        sessions: Url,
    },
    /// The session expired or was closed; log in again at `sessions`.
    LoggedOut { sessions: Url },
}

impl Auth {
    pub(crate) fn is_session(&self) -> bool {
        matches!(self, Self::Session { .. })
    }

    /// Adds the credentials to a request.
    pub(crate) fn apply(
        &self,
        req: reqwest::RequestBuilder,
        user: &str,
        password: Option<&Secret>,
    ) -> reqwest::RequestBuilder {
        match self {
            Self::Session { token, .. } => match token_header(token) {
                Some(value) => req.header(AUTH_TOKEN, value),
                None => req,
            },
            _ => req.basic_auth(user, password.map(Secret::expose)),
        }
    }
}

/// The token as a header value that `Debug` and HTTP/2 tables treat as sensitive.
fn token_header(token: &Secret) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(token.expose()).ok()?;
    value.set_sensitive(true);
    Some(value)
}

impl RedfishClient {
    /// How this client authenticates; `None` until its first request.
    pub async fn auth_mode(&self) -> Option<AuthMode> {
        match &*self.auth.lock().await {
            Auth::Unknown => None,
            Auth::Basic => Some(AuthMode::Basic),
            Auth::Session { .. } | Auth::LoggedOut { .. } => Some(AuthMode::Session),
        }
    }

    /// Deletes the session this client opened, if any. The next request logs in again.
    pub async fn logout(&self) -> Result<(), RedfishError> {
        let mut auth = self.auth.lock().await;
        let Auth::Session {
            token,
            uri,
            sessions,
        } = std::mem::replace(&mut *auth, Auth::Unknown)
        else {
            return Ok(());
        };
        *auth = Auth::LoggedOut { sessions };
        drop(auth);
        match uri {
            Some(uri) => delete_session(&self.http, &uri, &token, self.options.timeout).await,
            None => Ok(()),
        }
    }

    /// The current authentication, deciding it (and logging in) on first use.
    pub(crate) async fn ensure_auth(&self, deadline: Deadline) -> Result<Auth, RedfishError> {
        let mut auth = self.auth.lock().await;
        let sessions = match &*auth {
            Auth::Basic | Auth::Session { .. } => return Ok(auth.clone()),
            Auth::LoggedOut { sessions } => Some(sessions.clone()),
            Auth::Unknown => self.discover_sessions(deadline).await?,
        };
        *auth = match sessions {
            Some(at) => self.login(at, deadline).await?,
            None => Auth::Basic,
        };
        tracing::debug!(peer = %self.peer, session = auth.is_session(), "redfish authentication decided");
        Ok(auth.clone())
    }

    /// Marks `used` as expired, unless another request already replaced it.
    pub(crate) async fn forget_session(&self, used: &Auth) {
        let mut auth = self.auth.lock().await;
        if let (
            Auth::Session {
                token: current,
                sessions,
                ..
            },
            Auth::Session { token: old, .. },
        ) = (&*auth, used)
            && current == old
        {
            *auth = Auth::LoggedOut {
                sessions: sessions.clone(),
            };
        }
    }

    /// Reads the service root (no credentials needed) for its sessions collection.
    async fn discover_sessions(&self, deadline: Deadline) -> Result<Option<Url>, RedfishError> {
        let url = self.service_root();
        let resp = self
            .http
            .get(url.clone())
            .timeout(deadline.remaining()?)
            .send()
            .await
            .map_err(|e| transport(&e, deadline))?;
        if !resp.status().is_success() {
            // Some BMCs want credentials even here; basic is the safe default.
            tracing::debug!(peer = %self.peer, status = %resp.status(), "service root unreadable");
            return Ok(None);
        }
        let root: ServiceRoot = decode(resp, deadline).await?;
        tracing::debug!(peer = %self.peer, vendor = ?root.vendor, sessions = ?root.sessions(), "redfish service root");
        if let Some(systems) = &root.systems {
            // Kept for finding the system when the URL does not name one.
            let _ = self.systems.set(self.resolve(&systems.id)?);
        }
        root.sessions().map(|s| self.resolve(s)).transpose()
    }

    /// POSTs a login to the sessions collection. Falls back to basic authentication when the
    /// collection turns out not to take logins.
    async fn login(&self, sessions: Url, deadline: Deadline) -> Result<Auth, RedfishError> {
        let password = self.password.as_ref().map_or("", Secret::expose);
        let body = json!({ "UserName": self.user, "Password": password });
        let resp = self
            .http
            .post(sessions.clone())
            .timeout(deadline.remaining()?)
            .json(&body)
            .send()
            .await
            .map_err(|e| transport(&e, deadline))?;
        let status = resp.status();
        match status {
            s if s.is_success() => {}
            StatusCode::UNAUTHORIZED => {
                return Err(RedfishError::AuthFailed {
                    user: self.user.clone(),
                });
            }
            StatusCode::NOT_FOUND
            | StatusCode::METHOD_NOT_ALLOWED
            | StatusCode::NOT_IMPLEMENTED => {
                tracing::warn!(peer = %self.peer, %status, "sessions offered but refused; using basic authentication");
                return Ok(Auth::Basic);
            }
            _ => {
                return Err(RedfishError::SessionRefused {
                    status: status.as_u16(),
                    message: error_summary(resp, deadline).await,
                });
            }
        }
        let refused = |message: &str| RedfishError::SessionRefused {
            status: status.as_u16(),
            message: message.to_owned(),
        };
        let token = resp
            .headers()
            .get(AUTH_TOKEN)
            .and_then(|v| v.to_str().ok())
            .map(Secret::new)
            .filter(|t| !t.is_empty() && token_header(t).is_some())
            .ok_or_else(|| refused("the answer carries no usable X-Auth-Token"))?;
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let uri = match location {
            Some(l) => Some(self.resolve(&l)?),
            None => decode::<Link>(resp, deadline)
                .await
                .ok()
                .map(|l| self.resolve(&l.id))
                .transpose()?,
        };
        tracing::info!(peer = %self.peer, "redfish session opened");
        Ok(Auth::Session {
            token,
            uri,
            sessions,
        })
    }
}

/// DELETEs a session, authenticated by its own token.
async fn delete_session(
    http: &reqwest::Client,
    uri: &Url,
    token: &Secret,
    timeout: std::time::Duration,
) -> Result<(), RedfishError> {
    let deadline = Deadline::after(timeout);
    let mut req = http.delete(uri.clone()).timeout(timeout);
    if let Some(value) = token_header(token) {
        req = req.header(AUTH_TOKEN, value);
    }
    let resp = req.send().await.map_err(|e| transport(&e, deadline))?;
    match resp.status() {
        // Already gone (expired) is as good as deleted.
        s if s.is_success() || s == StatusCode::UNAUTHORIZED || s == StatusCode::NOT_FOUND => {
            Ok(())
        }
        s => Err(RedfishError::Status {
            method: "DELETE",
            path: uri.path().to_owned(),
            status: s.as_u16(),
            message: error_summary(resp, deadline).await,
        }),
    }
}

impl Drop for RedfishClient {
    /// Logs out an open session in the background, so that replacing or dropping a client
    /// does not leave a session counting against the BMC's limit until its idle timeout.
    fn drop(&mut self) {
        let Auth::Session {
            token,
            uri: Some(uri),
            ..
        } = std::mem::replace(self.auth.get_mut(), Auth::Unknown)
        else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::debug!(peer = %self.peer, "no runtime to log the redfish session out");
            return;
        };
        let http = self.http.clone();
        let timeout = self.options.timeout;
        runtime.spawn(async move {
            if let Err(e) = delete_session(&http, &uri, &token, timeout).await {
                tracing::debug!(error = %e, "redfish session logout failed");
            }
        });
    }
}
