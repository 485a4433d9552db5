//! [`TlsError`]: why a connection to a peer was not made or not trusted, and how a failed
//! request is sorted into it.

use std::error::Error as StdError;
use std::io;

use upstra_core::model::CertFingerprint;
use upstra_core::traits::AdapterError;

use crate::verify::Refusal;

/// Why a connection to a peer failed or was not trusted. Fingerprints are shown in full: they
/// identify a certificate and are not secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The peer presented a certificate other than the pinned one.
    #[error(
        "the certificate {presented} does not match the pinned {expected}; if it was replaced \
         on purpose, check the new one and pin it in the lab file (tls_fingerprint)"
    )]
    FingerprintMismatch {
        /// The fingerprint pinned in the lab file.
        expected: CertFingerprint,
        /// The fingerprint of the certificate the peer presented.
        presented: CertFingerprint,
    },
    /// Nothing is pinned for this HTTPS peer, so it is refused.
    #[error(
        "the certificate is not pinned (it is {presented}); check it and pin it in the lab file \
         with tls_fingerprint or ca_file"
    )]
    Unpinned {
        /// The fingerprint of the certificate the peer presented, for the operator to check.
        presented: CertFingerprint,
    },
    /// The CA file could not be read.
    #[error("cannot read the CA file {path}: {source}")]
    CaFileUnreadable {
        /// The file named in the lab file.
        path: String,
        /// Why it could not be read.
        #[source]
        source: io::Error,
    },
    /// The CA file holds no usable certificate.
    #[error("the CA file {path} is not usable: {reason}")]
    CaFileInvalid {
        /// The file named in the lab file.
        path: String,
        /// What is wrong with its contents.
        reason: String,
    },
    /// In CA-file mode, the certificate did not verify (unknown issuer, wrong name, expired).
    #[error("the certificate does not verify against the CA file: {reason}")]
    CertificateRejected {
        /// The verification failure, in words.
        reason: String,
    },
    /// The TLS handshake failed for a reason other than the certificate.
    #[error("the TLS handshake failed: {reason}")]
    Handshake {
        /// What rustls or the connection reported.
        reason: String,
    },
    /// No connection: refused, no route, name not resolved, or no answer while connecting.
    #[error("{reason}")]
    Unreachable {
        /// The root cause, e.g. "Connection refused".
        reason: String,
    },
    /// Connected, but the answer did not come within the deadline.
    #[error("no answer within {secs} s")]
    TimedOut {
        /// The deadline, in whole seconds (rounded up).
        secs: u64,
    },
    /// A redirect was refused (to another host, or too many).
    #[error("redirect refused: {reason}")]
    RedirectRefused {
        /// Where it led, or why it was refused.
        reason: String,
    },
    /// The URL could not be used.
    #[error("bad URL {url}: {reason}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {reason}")]
    Client {
        /// What the HTTP or TLS library reported.
        reason: String,
    },
}

impl TlsError {
    /// Sorts a failed request into a `TlsError` when the failure is about the connection, TLS,
    /// a redirect or the deadline; `None` when it is about the HTTP exchange itself (a body that
    /// does not decode, say), which the adapter reports in its own terms.
    ///
    /// `timeout` is the deadline the request ran under, for the message.
    pub fn from_request(err: &reqwest::Error, timeout: std::time::Duration) -> Option<Self> {
        if let Some(tls) = find_rustls(err) {
            return Some(from_rustls(tls));
        }
        if err.is_redirect() {
            return Some(Self::RedirectRefused {
                reason: innermost(err),
            });
        }
        if err.is_connect() {
            let reason = if err.is_timeout() || innermost(err).contains("timed out") {
                "the connection was not established in time (host down, or a firewall?)".into()
            } else {
                innermost(err)
            };
            return Some(Self::Unreachable { reason });
        }
        if err.is_timeout() {
            return Some(Self::TimedOut {
                // Rounded up: "within 0 s" would read as a bug.
                secs: timeout
                    .as_millis()
                    .div_ceil(1000)
                    .try_into()
                    .unwrap_or(u64::MAX),
            });
        }
        None
    }

    /// The daemon-facing error for the peer named `peer`: certificate problems are
    /// [`AdapterError::Untrusted`], connection problems [`AdapterError::Unreachable`].
    pub fn into_adapter_error(self, peer: &str) -> AdapterError {
        let peer = peer.to_owned();
        match self {
            Self::FingerprintMismatch { .. }
            | Self::Unpinned { .. }
            | Self::CaFileUnreadable { .. }
            | Self::CaFileInvalid { .. }
            | Self::CertificateRejected { .. } => AdapterError::Untrusted {
                peer,
                reason: self.to_string(),
            },
            Self::TimedOut { secs } => AdapterError::Timeout { peer, secs },
            Self::RedirectRefused { .. } | Self::BadUrl { .. } | Self::Client { .. } => {
                AdapterError::Protocol {
                    peer,
                    detail: self.to_string(),
                }
            }
            Self::Handshake { .. } | Self::Unreachable { .. } => AdapterError::Unreachable {
                peer,
                reason: self.to_string(),
            },
        }
    }
}

/// Maps a rustls error, ours (inside `OtherError`) first.
pub(crate) fn from_rustls(err: &rustls::Error) -> TlsError {
    use rustls::{CertificateError, Error};
    match err {
        Error::InvalidCertificate(CertificateError::Other(other)) => {
            match other.0.downcast_ref::<Refusal>() {
                Some(Refusal::Mismatch {
                    expected,
                    presented,
                }) => TlsError::FingerprintMismatch {
                    expected: expected.clone(),
                    presented: presented.clone(),
                },
                Some(Refusal::Unpinned { presented }) => TlsError::Unpinned {
                    presented: presented.clone(),
                },
                None => TlsError::CertificateRejected {
                    reason: other.to_string(),
                },
            }
        }
        Error::InvalidCertificate(e) => TlsError::CertificateRejected {
            reason: certificate_words(e),
        },
        other => TlsError::Handshake {
            reason: other.to_string(),
        },
    }
}

/// rustls explains the errors that carry context; the short ones get words here.
fn certificate_words(e: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match e {
        C::UnknownIssuer => "it is not issued by a certificate in the CA file".into(),
        C::BadSignature => {
            "its signature does not verify with the CA file's key (a CA of the same name but \
             another key?)"
                .into()
        }
        C::NotValidForName => "it does not cover the host name in the URL".into(),
        C::Expired => "it has expired".into(),
        C::NotValidYet => "it is not valid yet".into(),
        C::Revoked => "it has been revoked".into(),
        other => other.to_string(),
    }
}

/// Finds the rustls error in a chain. `io::Error::source` skips the error it wraps (it returns
/// that error's source), so each `io::Error` is opened with `get_ref` as well.
pub(crate) fn find_rustls<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(inner) = e.downcast_ref::<io::Error>().and_then(io::Error::get_ref)
            && let Some(found) = find_rustls(inner)
        {
            return Some(found);
        }
        next = e.source();
    }
    None
}

/// The most specific message in a chain (the root cause), e.g. "Connection refused".
fn innermost(err: &(dyn StdError + 'static)) -> String {
    let mut last = err.to_string();
    let mut next = err.source();
    while let Some(e) = next {
        last = e.to_string();
        next = e.source();
    }
    // io errors print as "Connection refused (os error 111)": keep the words.
    match last.find(" (os error") {
        Some(i) => last[..i].to_owned(),
        None => last,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::fingerprint;
    use std::sync::Arc;

    #[test]
    fn finds_our_refusal_inside_an_io_error() {
        let refusal = Refusal::Mismatch {
            expected: fingerprint(b"a"),
            presented: fingerprint(b"b"),
        };
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::Other(
            rustls::OtherError(Arc::new(refusal)),
        ));
        let io = io::Error::new(io::ErrorKind::InvalidData, tls);
        let found = find_rustls(&io).expect("the rustls error is found through get_ref");
        match from_rustls(found) {
            TlsError::FingerprintMismatch {
                expected,
                presented,
            } => {
                assert_eq!(expected, fingerprint(b"a"));
                assert_eq!(presented, fingerprint(b"b"));
            }
            other => panic!("expected a mismatch, got {other:?}"),
        }
    }

    #[test]
    fn certificate_problems_are_untrusted_and_connection_problems_unreachable() {
        let untrusted = TlsError::Unpinned {
            presented: fingerprint(b"x"),
        }
        .into_adapter_error("ilo1");
        assert!(matches!(untrusted, AdapterError::Untrusted { ref peer, .. } if peer == "ilo1"));
        let unreachable = TlsError::Unreachable {
            reason: "Connection refused".into(),
        }
        .into_adapter_error("ilo1");
        assert_eq!(
            unreachable.to_string(),
            "cannot reach ilo1: Connection refused"
        );
    }
}
