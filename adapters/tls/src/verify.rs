//! The certificate verifiers behind [`crate::http_client`] and [`crate::fetch_fingerprint`].
//!
//! Each one still checks the handshake signatures with the provider's algorithms, so a peer must
//! hold the private key of the certificate it presents: a pin on the certificate is a pin on the
//! key. What differs is only how the certificate itself is judged.

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};
use upstra_core::model::CertFingerprint;

/// The SHA-256 fingerprint of a certificate's DER encoding, as `openssl x509 -fingerprint
/// -sha256` computes it.
pub fn fingerprint(der: &[u8]) -> CertFingerprint {
    let digest = Sha256::digest(der);
    let mut text = String::with_capacity(7 + 64);
    text.push_str("sha256:");
    for b in digest {
        text.push_str(&format!("{b:02X}"));
    }
    // 32 bytes always print as 64 hex digits after `sha256:`, which is exactly what `parse`
    // accepts; core has no constructor from raw bytes (yet), so we go through the text form.
    CertFingerprint::parse(&text).expect("64 hex digits always parse as a fingerprint")
}

/// Why a verifier refused a certificate, carried inside rustls's `OtherError` so that
/// [`crate::TlsError::from_request`] can recover it from a failed request.
#[derive(Debug, Clone)]
pub(crate) enum Refusal {
    /// The pinned fingerprint and the presented one differ.
    Mismatch {
        expected: CertFingerprint,
        presented: CertFingerprint,
    },
    /// Nothing is pinned for this peer.
    Unpinned { presented: CertFingerprint },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mismatch {
                expected,
                presented,
            } => write!(
                f,
                "certificate {presented} does not match the pin {expected}"
            ),
            Self::Unpinned { presented } => write!(f, "certificate {presented} is not pinned"),
        }
    }
}

impl std::error::Error for Refusal {}

impl Refusal {
    fn into_rustls(self) -> rustls::Error {
        rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(self))))
    }
}

/// How a [`TrustVerifier`] judges the end-entity certificate.
#[derive(Debug, Clone)]
pub(crate) enum Judge {
    /// Accept exactly this certificate (by SHA-256 of its DER).
    Pinned(CertFingerprint),
    /// Refuse every certificate, naming its fingerprint.
    Unpinned,
    /// Accept any certificate. Only [`crate::fetch_fingerprint`] builds this, to read a
    /// certificate for the operator; its connection never carries a request.
    ReadOnly,
}

/// A verifier that judges the certificate by fingerprint and checks the handshake signatures
/// normally.
///
/// The host name is not checked in pinned mode on purpose: BMCs and appliances are usually
/// reached by IP address and present self-signed certificates whose names match nothing we
/// could check. The pin identifies the exact certificate (and, through the signature checks,
/// its key), which is a stronger statement than a name match. For the same reason the validity
/// period is not checked either: an expired pinned certificate is still the one the operator
/// recorded.
#[derive(Debug)]
pub(crate) struct TrustVerifier {
    judge: Judge,
    algorithms: WebPkiSupportedAlgorithms,
}

impl TrustVerifier {
    pub(crate) fn new(judge: Judge, provider: &CryptoProvider) -> Self {
        Self {
            judge,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

impl ServerCertVerifier for TrustVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = fingerprint(end_entity.as_ref());
        match &self.judge {
            Judge::Pinned(expected) if *expected == presented => {
                Ok(ServerCertVerified::assertion())
            }
            Judge::Pinned(expected) => Err(Refusal::Mismatch {
                expected: expected.clone(),
                presented,
            }
            .into_rustls()),
            Judge::Unpinned => Err(Refusal::Unpinned { presented }.into_rustls()),
            Judge::ReadOnly => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_sha256_of_der_in_openssl_form() {
        // SHA-256 of the empty input, a well-known value.
        let fp = fingerprint(b"");
        assert_eq!(
            fp.to_string(),
            "sha256:E3:B0:C4:42:98:FC:1C:14:9A:FB:F4:C8:99:6F:B9:24:\
             27:AE:41:E4:64:9B:93:4C:A4:95:99:1B:78:52:B8:55"
        );
    }

    #[test]
    fn pinned_verifier_refuses_another_certificate_naming_both() {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let pin = fingerprint(b"the pinned one");
        let v = TrustVerifier::new(Judge::Pinned(pin.clone()), &provider);
        let name = ServerName::try_from("127.0.0.1").expect("an IP is a valid name");
        let other = CertificateDer::from(b"another".to_vec());
        let err = v
            .verify_server_cert(&other, &[], &name, &[], UnixTime::now())
            .expect_err("a different certificate is refused");
        let text = err.to_string();
        assert!(text.contains(&pin.to_string()), "{text}");
        assert!(
            text.contains(&fingerprint(b"another").to_string()),
            "{text}"
        );
        let same = CertificateDer::from(b"the pinned one".to_vec());
        assert!(
            v.verify_server_cert(&same, &[], &name, &[], UnixTime::now())
                .is_ok()
        );
    }
}
