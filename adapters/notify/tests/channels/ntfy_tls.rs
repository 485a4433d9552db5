//! An `https://` ntfy topic is trusted as a BMC is: by a CA file (or a pinned fingerprint),
//! never by default.

use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use upstra_adapter_notify::SendError;
use upstra_adapter_notify::ntfy::{NtfyChannel, NtfySpec};
use upstra_core::model::TlsTrust;

use crate::support::{TIMEOUT, message};

/// An HTTPS server answering every request 200, with a certificate made for the test; returns
/// its port. It stops with the test's runtime.
async fn https_server(dir: &Path) -> u16 {
    upstra_tests::smtp::make_certificate(dir);
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("cert.pem"))
        .expect("cert.pem")
        .collect::<Result<_, _>>()
        .expect("a certificate");
    let key = PrivateKeyDer::from_pem_file(dir.join("key.pem")).expect("key.pem");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("the server's certificate");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                if crate::ntfy_contract::read_request(&mut tls).await.is_some() {
                    let body = r#"{"id":"tls1"}"#;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(answer.as_bytes()).await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    port
}

fn channel(port: u16, trust: TlsTrust) -> Result<NtfyChannel, upstra_adapter_notify::ChannelError> {
    NtfyChannel::new(NtfySpec {
        url: format!("https://127.0.0.1:{port}/upstra-lab"),
        token: None,
        trust,
        timeout: TIMEOUT,
    })
}

#[tokio::test]
async fn an_https_topic_trusted_by_its_ca_file() {
    let dir = std::env::temp_dir().join(format!("upstra-ntfy-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let port = https_server(&dir).await;
    let ca = dir.join("cert.pem").to_string_lossy().into_owned();

    let delivered = channel(port, TlsTrust::CaFile(ca))
        .expect("valid")
        .send(&message("tls"))
        .await
        .expect("delivered over HTTPS");
    assert_eq!(delivered.answer, "HTTP 200 (ntfy id tls1)");

    // Another CA: the server's certificate does not chain to it.
    let other = dir.join("other");
    std::fs::create_dir_all(&other).expect("dir");
    upstra_tests::smtp::make_certificate(&other);
    let other_ca = other.join("cert.pem").to_string_lossy().into_owned();
    let result = channel(port, TlsTrust::CaFile(other_ca))
        .expect("valid")
        .send(&message("tls-other"))
        .await;
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Err(SendError::Temporary { reason }) => {
            assert!(reason.contains("certificate"), "{reason}")
        }
        other => panic!("expected a temporary TLS failure, got {other:?}"),
    }
    // And nothing at all: refused when the configuration is loaded.
    assert!(channel(port, TlsTrust::Unpinned).is_err());
}
