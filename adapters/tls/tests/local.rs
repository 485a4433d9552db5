//! Behaviour that needs no real peer: CA file errors, a closed port, and redirects to another
//! host (served by a few lines of raw HTTP on a loopback listener).

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use upstra_adapter_tls::{TlsError, fetch_fingerprint, http_client};
use upstra_core::model::{HttpUrl, TlsTrust};

const DEADLINE: Duration = Duration::from_secs(5);

/// A port nothing listens on: bound, then released.
async fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    l.local_addr().expect("addr").port()
}

#[test]
fn a_missing_ca_file_is_unreadable() {
    let err = http_client(&TlsTrust::CaFile("/nonexistent/ca.pem".into()), DEADLINE)
        .expect_err("no file");
    assert!(matches!(err, TlsError::CaFileUnreadable { .. }), "{err:?}");
    assert!(err.to_string().contains("/nonexistent/ca.pem"));
}

#[test]
fn a_file_without_pem_certificates_is_invalid() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let err = http_client(&TlsTrust::CaFile(path.into()), DEADLINE).expect_err("not a CA file");
    assert!(matches!(err, TlsError::CaFileInvalid { .. }), "{err:?}");
}

#[tokio::test]
async fn a_closed_port_is_unreachable_at_once() {
    let port = closed_port().await;
    let client = http_client(&TlsTrust::Unpinned, DEADLINE).expect("client builds");
    let started = Instant::now();
    let err = client
        .get(format!("https://127.0.0.1:{port}/redfish/v1/"))
        .send()
        .await
        .expect_err("nothing listens");
    let err = TlsError::from_request(&err, DEADLINE).expect("a connection failure");
    assert!(matches!(err, TlsError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("refused"), "{err}");
    assert!(started.elapsed() < DEADLINE);

    let url = HttpUrl::parse(&format!("https://127.0.0.1:{port}/")).expect("valid");
    let err = fetch_fingerprint(&url, DEADLINE)
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, TlsError::Unreachable { .. }), "{err:?}");
}

#[tokio::test]
async fn a_redirect_to_another_host_is_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    // Same port, other host name: the credentials must not follow.
    let server = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.expect("accept");
        let mut buf = [0u8; 2048];
        let _ = sock.read(&mut buf).await;
        let reply = format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://localhost:{port}/x\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
        );
        sock.write_all(reply.as_bytes()).await.expect("write");
    });
    let client = http_client(&TlsTrust::Unpinned, DEADLINE).expect("client builds");
    let err = client
        .get(format!("http://127.0.0.1:{port}/redfish/v1/Systems/srv01"))
        .send()
        .await
        .expect_err("the redirect leaves the host");
    let err = TlsError::from_request(&err, DEADLINE).expect("a redirect failure");
    assert!(matches!(err, TlsError::RedirectRefused { .. }), "{err:?}");
    assert!(err.to_string().contains("localhost"), "{err}");
    server.await.expect("server task");
}
