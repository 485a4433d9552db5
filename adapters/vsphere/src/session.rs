//! The login session: `RetrieveServiceContent`, `Login`, the `vmware_soap_session` cookie, and
//! one re-login when the server says `NotAuthenticated` (sessions expire after 30 idle minutes
//! on a default vCenter, and restarts drop them all).
//!
//! Concurrency: calls run in parallel on the same cookie. Logins are serialised by
//! `login_lock`, and a call that saw `NotAuthenticated` only logs in again if nobody else has
//! replaced the cookie it used in the meantime, so an expiry never causes a burst of logins.

use std::sync::{Arc, Mutex};

use upstra_core::secret::Secret;

use crate::error::VsphereError;
use crate::request::{self, MoRef};
use crate::response::{self, Value};
use crate::transport::Transport;

/// What the server says about itself (`ServiceContent.about`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct About {
    /// E.g. `VMware vCenter Server 8.0.3 build-24022515`.
    pub full_name: String,
    /// The vim25 API version, e.g. `8.0.3.0`.
    pub api_version: String,
    /// `VirtualCenter` for a vCenter, `HostAgent` for a lone ESXi host.
    pub api_type: String,
    /// The vCenter's instance UUID: stable across restarts, different per vCenter.
    pub instance_uuid: String,
}

/// The morefs of the managers this client uses.
#[derive(Debug, Clone)]
pub(crate) struct ServiceContent {
    pub root_folder: MoRef,
    pub property_collector: MoRef,
    pub view_manager: MoRef,
    pub session_manager: MoRef,
    pub about: About,
}

impl ServiceContent {
    pub fn parse(text: &str) -> Result<Self, VsphereError> {
        let v = response::returned_value("RetrieveServiceContent", text)?;
        let mo = |name: &str| {
            v.child(name)
                .and_then(Value::as_moref)
                .ok_or_else(|| VsphereError::Malformed {
                    method: "RetrieveServiceContent",
                    detail: format!("no {name}"),
                })
        };
        let about = v.child("about");
        let field = |name: &str| {
            about
                .and_then(|a| a.child_text(name))
                .unwrap_or_default()
                .to_owned()
        };
        Ok(Self {
            root_folder: mo("rootFolder")?,
            property_collector: mo("propertyCollector")?,
            view_manager: mo("viewManager")?,
            session_manager: mo("sessionManager")?,
            about: About {
                full_name: field("fullName"),
                api_version: field("apiVersion"),
                api_type: field("apiType"),
                instance_uuid: field("instanceUuid"),
            },
        })
    }
}

/// A logged-in (or about to be) SOAP session with one vCenter.
pub(crate) struct Session {
    transport: Transport,
    user: String,
    password: Secret,
    /// The cookie value and the service content of the current login; `None` before the first
    /// login and after a logout.
    state: Mutex<Option<(String, Arc<ServiceContent>)>>,
    /// Held while logging in, so that concurrent callers wait for one login.
    login_lock: tokio::sync::Mutex<()>,
}

impl Session {
    pub fn new(transport: Transport, user: String, password: Secret) -> Self {
        Self {
            transport,
            user,
            password,
            state: Mutex::new(None),
            login_lock: tokio::sync::Mutex::new(()),
        }
    }

    fn current(&self) -> Option<(String, Arc<ServiceContent>)> {
        self.state.lock().ok().and_then(|s| s.clone())
    }

    fn set(&self, value: Option<(String, Arc<ServiceContent>)>) {
        if let Ok(mut s) = self.state.lock() {
            *s = value;
        }
    }

    /// The service content of the current login, logging in first if needed.
    pub async fn content(&self) -> Result<Arc<ServiceContent>, VsphereError> {
        Ok(self.ensure_login(None).await?.1)
    }

    /// Logs in now, replacing any current session.
    pub async fn login(&self) -> Result<Arc<ServiceContent>, VsphereError> {
        let _guard = self.login_lock.lock().await;
        Ok(self.login_locked().await?.1)
    }

    /// The current login, or a new one. With `stale`, the cookie a call was refused with: a
    /// new login happens only if the current cookie is still that one.
    async fn ensure_login(
        &self,
        stale: Option<&str>,
    ) -> Result<(String, Arc<ServiceContent>), VsphereError> {
        let usable = |s: Option<(String, Arc<ServiceContent>)>| {
            s.filter(|(cookie, _)| stale.is_none_or(|stale| cookie != stale))
        };
        if let Some(s) = usable(self.current()) {
            return Ok(s);
        }
        let _guard = self.login_lock.lock().await;
        if let Some(s) = usable(self.current()) {
            return Ok(s);
        }
        self.login_locked().await
    }

    async fn login_locked(&self) -> Result<(String, Arc<ServiceContent>), VsphereError> {
        // A real vCenter sets the cookie on the first answer and Login authenticates it;
        // vcsim sets it on the Login answer. Carry the first one into Login for both.
        let first = self
            .transport
            .post(
                "RetrieveServiceContent",
                &request::retrieve_service_content(),
                None,
            )
            .await?;
        let content = Arc::new(ServiceContent::parse(&first.text)?);
        self.transport.set_api_version(&content.about.api_version);
        let body = request::login(&content.session_manager, &self.user, self.password.expose());
        let answer = match self
            .transport
            .post("Login", &body, first.cookie.as_deref())
            .await
        {
            Err(VsphereError::AuthFailed { .. }) => {
                self.set(None);
                return Err(VsphereError::AuthFailed {
                    user: self.user.clone(),
                });
            }
            other => other?,
        };
        response::returned_value("Login", &answer.text)?;
        let cookie = answer
            .cookie
            .or(first.cookie)
            .ok_or_else(|| VsphereError::Malformed {
                method: "Login",
                detail: "no vmware_soap_session cookie in the answer".into(),
            })?;
        tracing::debug!(user = %self.user, server = %content.about.full_name, "logged in to vCenter");
        self.set(Some((cookie.clone(), content.clone())));
        Ok((cookie, content))
    }

    /// Sends one call in the current session; on `NotAuthenticated` logs in again once and
    /// retries. Returns the answer's text (not a fault).
    pub async fn call(&self, method: &'static str, body: &str) -> Result<String, VsphereError> {
        let (cookie, _) = self.ensure_login(None).await?;
        match self.transport.post(method, body, Some(&cookie)).await {
            Err(e) if e.is_not_authenticated() => {
                tracing::info!(method, "vCenter session expired, logging in again");
                let (fresh, _) = self.ensure_login(Some(&cookie)).await?;
                Ok(self.transport.post(method, body, Some(&fresh)).await?.text)
            }
            other => Ok(other?.text),
        }
    }

    /// Ends the session on the server, if there is one.
    pub async fn logout(&self) -> Result<(), VsphereError> {
        let _guard = self.login_lock.lock().await;
        let Some((cookie, content)) = self.current() else {
            return Ok(());
        };
        self.set(None);
        let body = request::logout(&content.session_manager);
        let answer = self.transport.post("Logout", &body, Some(&cookie)).await?;
        response::empty("Logout", &answer.text)
    }

    /// The session to end when the client is dropped without an explicit logout.
    pub fn take_for_drop(&self) -> Option<(Transport, String, MoRef)> {
        let (cookie, content) = self.state.lock().ok()?.take()?;
        Some((
            self.transport.clone(),
            cookie,
            content.session_manager.clone(),
        ))
    }
}
