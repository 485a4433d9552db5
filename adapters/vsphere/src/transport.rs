//! One SOAP exchange over HTTPS: POST an envelope, keep the session cookie, bound the time and
//! the size of the answer, and turn transport failures into [`VsphereError`]s.
//!
//! It knows nothing about sessions or re-login (see `session.rs`) and nothing about what the
//! answer means (see `response.rs`).

use std::error::Error as _;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderValue, SET_COOKIE};
use upstra_adapter_tls::TlsError;
use upstra_core::traits::AdapterError;

use crate::error::VsphereError;
use crate::request::envelope;
use crate::response;

/// The cookie vCenter keeps its SOAP session in.
pub(crate) const SESSION_COOKIE: &str = "vmware_soap_session";

/// Largest answer we read. A vCenter with 10,000 VMs answers the inventory read in about
/// 20 MB; anything far bigger is a misbehaving server, not data.
const MAX_ANSWER_BYTES: usize = 128 << 20;

/// A successful HTTP exchange: the body and the session cookie the server set, if any.
pub(crate) struct Answer {
    pub text: String,
    pub cookie: Option<String>,
}

/// Posts SOAP envelopes to one vCenter `/sdk` URL.
#[derive(Clone)]
pub(crate) struct Transport {
    http: reqwest::Client,
    url: String,
    timeout: Duration,
    /// `urn:vim25/<apiVersion>`: set from the server's `about.apiVersion` once known, so the
    /// server answers in the version it reports (what pyvmomi and govmomi do too).
    soap_action: Arc<RwLock<HeaderValue>>,
}

impl Transport {
    pub fn new(http: reqwest::Client, url: &str, timeout: Duration) -> Self {
        Self {
            http,
            url: url.to_owned(),
            timeout,
            soap_action: Arc::new(RwLock::new(HeaderValue::from_static("urn:vim25/6.5"))),
        }
    }

    /// Uses `version` (e.g. `8.0.3.0`) in the `SOAPAction` header from now on; ignored unless
    /// it looks like a version number.
    pub fn set_api_version(&self, version: &str) {
        let ok = !version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '.');
        if let (true, Ok(value)) = (ok, HeaderValue::from_str(&format!("urn:vim25/{version}")))
            && let Ok(mut action) = self.soap_action.write()
        {
            *action = value;
        }
    }

    /// Sends `body` (one method element) with the session `cookie`. A SOAP fault comes back
    /// as [`VsphereError::Fault`] (or a more specific variant), never as an [`Answer`].
    pub async fn post(
        &self,
        method: &'static str,
        body: &str,
        cookie: Option<&str>,
    ) -> Result<Answer, VsphereError> {
        let secs = self.timeout.as_secs().max(1);
        match tokio::time::timeout(self.timeout, self.exchange(method, body, cookie)).await {
            Ok(result) => result,
            Err(_) => Err(VsphereError::Timeout { method, secs }),
        }
    }

    async fn exchange(
        &self,
        method: &'static str,
        body: &str,
        cookie: Option<&str>,
    ) -> Result<Answer, VsphereError> {
        let action = self
            .soap_action
            .read()
            .map(|a| a.clone())
            .unwrap_or_else(|_| HeaderValue::from_static("urn:vim25/6.5"));
        let mut req = self
            .http
            .post(&self.url)
            .header(CONTENT_TYPE, "text/xml; charset=utf-8")
            .header("SOAPAction", action)
            .body(envelope(body));
        if let Some(c) = cookie {
            req = req.header(COOKIE, format!("{SESSION_COOKIE}={c}"));
        }
        let mut resp = req.send().await.map_err(|e| self.classify(method, &e))?;
        let status = resp.status().as_u16();
        let cookie = session_cookie(resp.headers().get_all(SET_COOKIE).iter());
        // Sized once from the announced length, within the bound: a 20 MB answer read into a
        // growing buffer is copied at each doubling and can hold up to three times its size.
        let announced = resp.content_length().unwrap_or(0);
        let mut bytes =
            Vec::with_capacity(usize::try_from(announced).map_or(0, |n| n.min(MAX_ANSWER_BYTES)));
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.classify(method, &e))? {
            if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(VsphereError::Malformed {
                    method,
                    detail: format!("answer larger than {} MiB", MAX_ANSWER_BYTES >> 20),
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(bytes).map_err(|_| VsphereError::Malformed {
            method,
            detail: "answer is not UTF-8".into(),
        })?;
        match status {
            200 => Ok(Answer { text, cookie }),
            // SOAP 1.1 sends faults with 500; parse() turns the body into the fault error.
            500 => match response::empty(method, &text) {
                Err(VsphereError::Malformed { .. }) | Ok(()) => {
                    Err(http_error(method, status, &text))
                }
                Err(fault) => Err(fault),
            },
            _ => Err(http_error(method, status, &text)),
        }
    }

    /// Sorts a reqwest failure the way the TLS crate does (pin or CA refusal, unreachable,
    /// deadline); anything else went wrong inside the HTTP exchange.
    fn classify(&self, method: &'static str, e: &reqwest::Error) -> VsphereError {
        let Some(tls) = TlsError::from_request(e, self.timeout) else {
            return VsphereError::Malformed {
                method,
                detail: error_chain(e),
            };
        };
        let reason = tls.to_string();
        match tls.into_adapter_error("") {
            AdapterError::Untrusted { .. } => VsphereError::Untrusted { reason },
            AdapterError::Timeout { .. } => VsphereError::Timeout {
                method,
                secs: self.timeout.as_secs().max(1),
            },
            _ => VsphereError::Unreachable { reason },
        }
    }
}

/// The `vmware_soap_session` value among the `Set-Cookie` headers.
fn session_cookie<'a>(headers: impl Iterator<Item = &'a HeaderValue>) -> Option<String> {
    headers
        .filter_map(|h| h.to_str().ok())
        .filter_map(|h| h.split(';').next())
        .filter_map(|pair| pair.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
        .find(|v| !v.is_empty())
        .map(str::to_owned)
}

/// `outer: cause: root cause`, without repeating reqwest's generic top line twice.
fn error_chain(e: &reqwest::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

fn http_error(method: &'static str, status: u16, text: &str) -> VsphereError {
    let snippet: String = text.chars().take(200).collect();
    VsphereError::Http {
        method,
        status,
        snippet: snippet.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let headers = [
            HeaderValue::from_static("other=1; Path=/"),
            HeaderValue::from_static(r#"vmware_soap_session="52a1"; Path=/; HttpOnly; Secure"#),
        ];
        assert_eq!(session_cookie(headers.iter()).as_deref(), Some(r#""52a1""#));
        assert_eq!(session_cookie([].iter()), None);
    }
}
