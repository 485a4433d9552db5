//! [`RedfishClient`]: one BMC, its HTTP client, its login, and the request plumbing every
//! operation goes through (deadline, authentication, one re-login on an expired session,
//! status codes to [`RedfishError`]).

use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use tokio::sync::{Mutex, OnceCell};
use tokio::time::Instant;
use upstra_adapter_tls::TlsError;
use upstra_core::model::BmcEndpoint;
use upstra_core::secret::Secret;

use crate::Options;
use crate::error::RedfishError;
use crate::payload::ErrorBody;
use crate::session::Auth;

/// A Redfish client for one BMC (one `ComputerSystem`). Cheap to share behind an `Arc`;
/// requests may run concurrently. A session it opened is logged out by [`Self::logout`], or
/// in the background when the client is dropped inside a tokio runtime.
#[derive(Debug)]
pub struct RedfishClient {
    /// The server's name, for errors and logs.
    pub(crate) peer: String,
    pub(crate) http: reqwest::Client,
    /// `scheme://host:port/`: every path the BMC hands us is resolved against it, so a token
    /// or password never leaves for another host.
    pub(crate) origin: Url,
    /// The URL from the lab file: the system, or the service root / systems collection when
    /// the BMC has exactly one system.
    pub(crate) configured: Url,
    pub(crate) user: String,
    pub(crate) password: Option<Secret>,
    pub(crate) options: Options,
    /// Basic or session, decided on first use from the service root. Behind a lock so that
    /// concurrent first requests open one session, not one each (iLO allows few).
    pub(crate) auth: Mutex<Auth>,
    /// The systems collection, as the service root links it.
    pub(crate) systems: OnceCell<Url>,
    /// The system URL, once known.
    pub(crate) system: OnceCell<Url>,
    /// Where the power reading lives (`None`: the BMC reports none), once discovered.
    pub(crate) power_source: OnceCell<Option<Url>>,
}

/// When an operation must be done by, and how long it was given (for messages).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    pub at: Instant,
    pub total: Duration,
}

impl Deadline {
    pub(crate) fn after(total: Duration) -> Self {
        Self {
            at: Instant::now() + total,
            total,
        }
    }

    /// Time left, or the error that says it ran out.
    pub(crate) fn remaining(&self) -> Result<Duration, RedfishError> {
        match self.at.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Ok(left),
            _ => Err(RedfishError::DeadlineExceeded {
                secs: whole_secs(self.total),
            }),
        }
    }
}

/// Seconds, rounded up, so that "within 0 s" is never printed.
pub(crate) fn whole_secs(d: Duration) -> u64 {
    d.as_millis().div_ceil(1000).try_into().unwrap_or(u64::MAX)
}

impl RedfishClient {
    /// A client for the BMC of `endpoint`, named `peer` in errors. Builds the HTTP client
    /// (reading a CA file if the endpoint names one); does no I/O on the network.
    pub fn new(peer: &str, endpoint: &BmcEndpoint, options: Options) -> Result<Self, RedfishError> {
        let bad = |reason: String| RedfishError::BadUrl {
            url: endpoint.url.to_string(),
            reason,
        };
        let configured = Url::parse(endpoint.url.as_str()).map_err(|e| bad(e.to_string()))?;
        let mut origin = configured.clone();
        origin.set_path("/");
        origin.set_query(None);
        origin.set_fragment(None);
        if !endpoint.url.is_https() {
            tracing::warn!(
                peer,
                "BMC reached over plain HTTP: its credentials are not encrypted"
            );
        }
        let http = upstra_adapter_tls::http_client(&endpoint.tls, options.timeout)?;
        Ok(Self {
            peer: peer.to_owned(),
            http,
            origin,
            configured,
            user: endpoint.login.user.clone(),
            password: endpoint.login.password.clone(),
            options,
            auth: Mutex::new(Auth::Unknown),
            systems: OnceCell::new(),
            system: OnceCell::new(),
            power_source: OnceCell::new(),
        })
    }

    /// The server's name this client reports errors under.
    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// A path from the BMC (`/redfish/v1/...`) or an absolute URL, made absolute on our origin.
    /// Only the path and query of an absolute URL are kept.
    pub(crate) fn resolve(&self, path: &str) -> Result<Url, RedfishError> {
        let joined = self.origin.join(path).map_err(|e| RedfishError::Decode {
            path: path.to_owned(),
            reason: format!("not a usable link: {e}"),
        })?;
        let mut url = self.origin.clone();
        url.set_path(joined.path());
        url.set_query(joined.query());
        Ok(url)
    }

    /// The service root, which Redfish fixes at `/redfish/v1/`.
    pub(crate) fn service_root(&self) -> Url {
        let mut url = self.origin.clone();
        url.set_path("/redfish/v1/");
        url
    }

    /// GETs and decodes a document, authenticated.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        url: &Url,
        deadline: Deadline,
    ) -> Result<T, RedfishError> {
        let resp = self.send(Method::GET, url, None, deadline).await?;
        decode(resp, deadline).await
    }

    /// Sends one authenticated request and checks its status. An expired session (401 while
    /// using a token) gets one fresh login and one retry; a 401 on a fresh login is a wrong
    /// password.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
        deadline: Deadline,
    ) -> Result<reqwest::Response, RedfishError> {
        let mut retried = false;
        loop {
            let auth = self.ensure_auth(deadline).await?;
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .timeout(deadline.remaining()?);
            req = auth.apply(req, &self.user, self.password.as_ref());
            if let Some(b) = body {
                req = req.json(b);
            }
            tracing::debug!(peer = %self.peer, %method, path = url.path(), "redfish request");
            let resp = req.send().await.map_err(|e| transport(&e, deadline))?;
            if resp.status() == StatusCode::UNAUTHORIZED && auth.is_session() && !retried {
                tracing::info!(peer = %self.peer, "redfish session expired; logging in again");
                self.forget_session(&auth).await;
                retried = true;
                continue;
            }
            return self.check(method.as_str(), url, resp, deadline).await;
        }
    }

    /// Maps a non-success status to its error; passes 2xx through.
    async fn check(
        &self,
        method: &str,
        url: &Url,
        resp: reqwest::Response,
        deadline: Deadline,
    ) -> Result<reqwest::Response, RedfishError> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let path = url.path().to_owned();
        Err(match status {
            StatusCode::UNAUTHORIZED => RedfishError::AuthFailed {
                user: self.user.clone(),
            },
            StatusCode::FORBIDDEN => RedfishError::Forbidden {
                user: self.user.clone(),
                action: format!("{method} {path}"),
            },
            StatusCode::NOT_FOUND => RedfishError::NotFound { path },
            _ => RedfishError::Status {
                method: static_method(method),
                path,
                status: status.as_u16(),
                message: error_summary(resp, deadline).await,
            },
        })
    }
}

/// The words of a Redfish error body, or the status's reason phrase.
pub(crate) async fn error_summary(resp: reqwest::Response, deadline: Deadline) -> String {
    let status = resp.status();
    let fallback = status
        .canonical_reason()
        .unwrap_or("no reason given")
        .to_owned();
    let Ok(left) = deadline.remaining() else {
        return fallback;
    };
    match tokio::time::timeout(left, resp.bytes()).await {
        Ok(Ok(bytes)) => serde_json::from_slice::<ErrorBody>(&bytes)
            .ok()
            .and_then(|b| b.summary())
            .unwrap_or(fallback),
        _ => fallback,
    }
}

/// Reads and decodes a body within the deadline.
pub(crate) async fn decode<T: DeserializeOwned>(
    resp: reqwest::Response,
    deadline: Deadline,
) -> Result<T, RedfishError> {
    let path = resp.url().path().to_owned();
    let bytes = resp.bytes().await.map_err(|e| transport(&e, deadline))?;
    serde_json::from_slice(&bytes).map_err(|e| RedfishError::Decode {
        path,
        reason: e.to_string(),
    })
}

/// A failed request: transport trouble when it is that, else a protocol error.
pub(crate) fn transport(e: &reqwest::Error, deadline: Deadline) -> RedfishError {
    match TlsError::from_request(e, deadline.total) {
        Some(t) => RedfishError::Transport(t),
        None => RedfishError::Decode {
            path: e.url().map(|u| u.path().to_owned()).unwrap_or_default(),
            reason: e.to_string(),
        },
    }
}

fn static_method(m: &str) -> &'static str {
    match m {
        "GET" => "GET",
        "POST" => "POST",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        _ => "request",
    }
}
