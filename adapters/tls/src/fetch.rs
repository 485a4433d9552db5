//! [`fetch_fingerprint`]: read a peer's certificate so an operator can check and pin it.

use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use upstra_core::model::{CertFingerprint, HttpUrl};

use crate::error::{TlsError, find_rustls, from_rustls};
use crate::verify::{Judge, TrustVerifier, fingerprint};

/// Connects to `url`'s host, completes a TLS handshake accepting any certificate only to read
/// it, and returns the SHA-256 fingerprint of the certificate the peer presented.
///
/// This is the one place a certificate is accepted without a pin, and it is safe because the
/// connection is closed right after the handshake: no request, no credential is ever sent on
/// it. It exists for an explicit operator "trust" command that shows the fingerprint for
/// checking and records it; adapters talk to peers only through [`crate::http_client`].
///
/// The handshake signatures are still verified, so the peer holds the certificate's key.
/// `timeout` bounds the whole exchange.
pub async fn fetch_fingerprint(
    url: &HttpUrl,
    timeout: Duration,
) -> Result<CertFingerprint, TlsError> {
    let bad_url = |reason: &str| TlsError::BadUrl {
        url: url.to_string(),
        reason: reason.to_owned(),
    };
    let parsed = reqwest::Url::parse(url.as_str()).map_err(|e| bad_url(&e.to_string()))?;
    if parsed.scheme() != "https" {
        return Err(bad_url("only an https:// URL has a certificate to read"));
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| bad_url("no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let name = ServerName::try_from(host.clone()).map_err(|e| bad_url(&e.to_string()))?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = TrustVerifier::new(Judge::ReadOnly, &provider);
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Client {
            reason: e.to_string(),
        })?
        .dangerous() // accept-any, for reading only: see the doc comment above
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let connector = TlsConnector::from(Arc::new(config));

    let exchange = async {
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| TlsError::Unreachable {
                reason: format!("{host}:{port}: {}", io_words(&e)),
            })?;
        let mut tls = connector
            .connect(name, tcp)
            .await
            .map_err(|e| match find_rustls(&e) {
                Some(t) => from_rustls(t),
                None => TlsError::Handshake {
                    reason: io_words(&e),
                },
            })?;
        let (_, conn) = tls.get_ref();
        let der = conn
            .peer_certificates()
            .and_then(|chain| chain.first())
            .ok_or_else(|| TlsError::Handshake {
                reason: "the peer presented no certificate".into(),
            })?;
        let fp = fingerprint(der.as_ref());
        // A polite close; a failure here changes nothing about what we read.
        let _ = tls.shutdown().await;
        Ok(fp)
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(result) => result,
        Err(_) => Err(TlsError::Unreachable {
            reason: format!(
                "{host}:{port}: no TLS handshake within {} s",
                timeout.as_secs()
            ),
        }),
    }
}

/// "Connection refused (os error 111)" without the number.
fn io_words(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}
