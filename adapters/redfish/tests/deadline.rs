//! Nothing hangs past its deadline: a BMC that accepts the connection and then says nothing
//! (a hung web server, a half-dead iLO) is reported when the operation's time is up.

use std::time::Duration;

use tokio::net::TcpListener;
use tokio::time::Instant;
use upstra_adapter_redfish::{Options, RedfishClient};
use upstra_core::model::{BmcEndpoint, Credentials, HttpUrl, TlsTrust};
use upstra_core::traits::AdapterError;

const TIMEOUT: Duration = Duration::from_secs(1);

/// A listener that accepts connections and never answers. Returns its port.
async fn black_hole() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    port
}

fn client(url: String) -> RedfishClient {
    let endpoint = BmcEndpoint {
        url: HttpUrl::parse(&url).expect("url"),
        login: Credentials {
            user: "admin".into(),
            password: None,
        },
        tls: TlsTrust::Unpinned,
    };
    let options = Options {
        timeout: TIMEOUT,
        ..Options::default()
    };
    RedfishClient::new("mute", &endpoint, options).expect("client")
}

#[tokio::test]
async fn a_silent_http_bmc_times_out_at_the_deadline() {
    let port = black_hole().await;
    let started = Instant::now();
    let err = client(format!("http://127.0.0.1:{port}/redfish/v1/Systems/1"))
        .status()
        .await
        .expect_err("no answer");
    let elapsed = started.elapsed();
    assert_eq!(
        err.into_adapter_error("mute"),
        AdapterError::Timeout {
            peer: "mute".into(),
            secs: 1
        }
    );
    assert!(elapsed >= TIMEOUT && elapsed < TIMEOUT * 3, "{elapsed:?}");
}

#[tokio::test]
async fn a_silent_https_bmc_is_unreachable_within_the_deadline() {
    // The TLS handshake never completes: that is still connecting, which gets half the time.
    let port = black_hole().await;
    let started = Instant::now();
    let err = client(format!("https://127.0.0.1:{port}/redfish/v1/Systems/1"))
        .status()
        .await
        .expect_err("no handshake");
    let elapsed = started.elapsed();
    let err = err.into_adapter_error("mute");
    eprintln!("{err}");
    assert!(
        matches!(
            err,
            AdapterError::Unreachable { .. } | AdapterError::Timeout { .. }
        ),
        "{err:?}"
    );
    assert!(elapsed < TIMEOUT * 3, "{elapsed:?}");
}
