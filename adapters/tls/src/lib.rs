//! TLS trust for the HTTP adapters (Redfish, vSphere): a certificate is trusted when its SHA-256
//! fingerprint matches the one pinned in the lab file, or when it chains to the CA file named
//! there. There is no insecure mode.
//!
//! - [`http_client`] builds the `reqwest::Client` an adapter talks to its peer with, from the
//!   peer's [`TlsTrust`]. An unpinned HTTPS peer is refused with an error that says how to pin
//!   it; plain `http://` still works, because whether plain HTTP is acceptable is the caller's
//!   decision (the lab file's), not this crate's.
//! - [`fetch_fingerprint`] reads a peer's certificate for an explicit operator "trust" command,
//!   which shows and records it. Its connection never carries a request.
//! - [`TlsError`] says what went wrong in operator terms and converts into the core
//!   `AdapterError`; [`TlsError::from_request`] sorts a failed `reqwest` request into it.
//!
//! Redirects are followed up to [`MAX_REDIRECTS`] times, to the same scheme, host and port only
//! (Redfish services answer 307 to a resource addressed by name; a redirect elsewhere would send
//! our credentials to a host we did not pin). reqwest keeps the method and body on 307 and 308.
#![forbid(unsafe_code)]

mod error;
mod fetch;
mod verify;

use std::sync::Arc;
use std::time::Duration;

use reqwest::redirect;
use rustls::ClientConfig;
use rustls::crypto::CryptoProvider;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use upstra_core::model::TlsTrust;

pub use error::TlsError;
pub use fetch::fetch_fingerprint;
pub use verify::fingerprint;

/// How long an idle connection is kept for the next request. Long enough for the requests of
/// one read (a BMC's login, system and power follow each other within a second), short
/// enough that nothing is held between two syncs: a lab of a thousand BMCs would otherwise
/// keep a thousand idle TLS connections and their buffers open all the time, and a BMC has
/// few connection slots to spare.
pub const IDLE_CONNECTION_KEPT: Duration = Duration::from_secs(5);

/// TLS sessions each client keeps to resume. A client talks to one peer (a BMC, a vCenter),
/// so a few are plenty; rustls's default of 256 preallocated 14 KiB per client, 15 MB for a
/// lab of a thousand BMCs.
const RESUMABLE_SESSIONS: usize = 4;

/// How many redirects one request may follow.
pub const MAX_REDIRECTS: usize = 5;

/// A `reqwest::Client` that trusts the peer's certificate only as `trust` says, with `timeout`
/// as the whole-request deadline (connect, TLS, request, response) unless a request sets its
/// own. Connecting (TCP and the TLS handshake) gets half of it, so that a silent host is
/// [`TlsError::Unreachable`] and a connected peer that does not answer is
/// [`TlsError::TimedOut`].
///
/// - [`TlsTrust::Fingerprint`]: the end-entity certificate's SHA-256 must equal the pin; the
///   host name and validity period are not checked (BMCs are reached by IP with self-signed
///   certificates; the pin names the exact certificate), the handshake signatures are.
/// - [`TlsTrust::CaFile`]: normal WebPKI verification, host name included, against the
///   certificates in that PEM file only (the system store is not consulted). The file is read
///   here, once.
/// - [`TlsTrust::Unpinned`]: every HTTPS certificate is refused with [`TlsError::Unpinned`].
///
/// Proxy environment variables are ignored: peers are on the lab network and reached directly.
pub fn http_client(trust: &TlsTrust, timeout: Duration) -> Result<reqwest::Client, TlsError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = tls_config(trust, &provider)?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .timeout(timeout)
        // Half the budget to connect (TCP and TLS): a host that is down or filtered is then
        // reported as unreachable, not as a peer that was slow to answer.
        .connect_timeout(timeout / 2)
        .redirect(same_origin_redirects())
        .pool_idle_timeout(IDLE_CONNECTION_KEPT)
        // No TCP keep-alive probes: a connection is idle 5 s at most before it is dropped,
        // well before the first probe would go (15 s), and setting them up took four system
        // calls on each of a sync's thousand connections.
        .tcp_keepalive(None)
        .tcp_keepalive_interval(None)
        .tcp_keepalive_retries(None)
        // Peers are reached directly: an `HTTPS_PROXY` meant for the internet must not see a
        // BMC's plain-HTTP basic auth, nor become a hop the lab file never named.
        .no_proxy()
        .build()
        .map_err(|e| TlsError::Client {
            reason: e.to_string(),
        })
}

/// The rustls configuration for `trust`.
fn tls_config(trust: &TlsTrust, provider: &Arc<CryptoProvider>) -> Result<ClientConfig, TlsError> {
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Client {
            reason: e.to_string(),
        })?;
    let judge = match trust {
        TlsTrust::CaFile(path) => {
            let roots = read_ca_file(path)?;
            return Ok(small_resumption(
                builder.with_root_certificates(roots).with_no_client_auth(),
            ));
        }
        TlsTrust::Fingerprint(fp) => verify::Judge::Pinned(fp.clone()),
        TlsTrust::Unpinned => verify::Judge::Unpinned,
    };
    let verifier = verify::TrustVerifier::new(judge, provider);
    Ok(small_resumption(
        builder
            .dangerous() // rustls's name for "custom verifier"; ours is stricter, see verify.rs
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth(),
    ))
}

/// `config` resuming at most [`RESUMABLE_SESSIONS`]. Each client keeps its own: a session
/// resumed skips the certificate check, so one verified under another client's pin must
/// never be offered.
fn small_resumption(mut config: ClientConfig) -> ClientConfig {
    config.resumption = rustls::client::Resumption::in_memory_sessions(RESUMABLE_SESSIONS);
    config
}

/// Reads every certificate of a PEM file into a root store of its own.
fn read_ca_file(path: &str) -> Result<rustls::RootCertStore, TlsError> {
    let bytes = std::fs::read(path).map_err(|source| TlsError::CaFileUnreadable {
        path: path.to_owned(),
        source,
    })?;
    let invalid = |reason: String| TlsError::CaFileInvalid {
        path: path.to_owned(),
        reason,
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| invalid(e.to_string()))?;
    if certs.is_empty() {
        return Err(invalid("no PEM certificate in it".into()));
    }
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs {
        roots.add(cert).map_err(|e| invalid(e.to_string()))?;
    }
    Ok(roots)
}

/// Follow at most [`MAX_REDIRECTS`] redirects, each to the origin (scheme, host, port) of the
/// first request.
fn same_origin_redirects() -> redirect::Policy {
    redirect::Policy::custom(|attempt| {
        let same_origin = attempt.previous().first().is_none_or(|first| {
            first.scheme() == attempt.url().scheme()
                && first.host_str() == attempt.url().host_str()
                && first.port_or_known_default() == attempt.url().port_or_known_default()
        });
        if !same_origin {
            let to = attempt.url().to_string();
            attempt.error(format!("{to} is not on the host the request was sent to"))
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else {
            attempt.follow()
        }
    })
}
