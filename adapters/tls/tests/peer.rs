//! `http_client` and `fetch_fingerprint` against the harness's sushy-tools Redfish emulator:
//! the HTTPS "iLO" (self-signed EC certificate, SAN 127.0.0.1) and the plain-HTTP fleet.

use std::time::Duration;

use upstra_adapter_tls::{TlsError, fetch_fingerprint, http_client};
use upstra_core::model::{CertFingerprint, HttpUrl, TlsTrust};
use upstra_tests::Peers;

const DEADLINE: Duration = Duration::from_secs(10);

fn pinned(peers: &Peers) -> TlsTrust {
    let fp = CertFingerprint::parse(peers.get("UPSTRA_PEER_REDFISH_TLS_FINGERPRINT"))
        .expect("the harness writes a valid fingerprint");
    TlsTrust::Fingerprint(fp)
}

fn service_root(peers: &Peers) -> String {
    format!("{}/redfish/v1/", peers.get("UPSTRA_PEER_REDFISH_HTTPS_URL"))
}

/// The error of a GET that must fail before any HTTP exchange.
async fn refused(trust: &TlsTrust, url: &str) -> TlsError {
    let client = http_client(trust, DEADLINE).expect("client builds");
    let err = client
        .get(url)
        .send()
        .await
        .expect_err("the certificate must be refused");
    TlsError::from_request(&err, DEADLINE).expect("a TLS failure is sorted into TlsError")
}

#[tokio::test]
async fn pinned_fingerprint_is_accepted() {
    let Some(peers) = upstra_tests::peers("pinned_fingerprint_is_accepted") else {
        return;
    };
    let client = http_client(&pinned(&peers), DEADLINE).expect("client builds");
    let resp = client
        .get(service_root(&peers))
        .send()
        .await
        .expect("the pinned certificate is trusted");
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn wrong_fingerprint_is_a_mismatch_naming_both() {
    let Some(peers) = upstra_tests::peers("wrong_fingerprint_is_a_mismatch_naming_both") else {
        return;
    };
    let wrong = CertFingerprint::parse(&format!("sha256:{}", ["AB"; 32].join(":")))
        .expect("a well-formed fingerprint");
    let err = refused(&TlsTrust::Fingerprint(wrong.clone()), &service_root(&peers)).await;
    let TlsError::FingerprintMismatch {
        expected,
        presented,
    } = &err
    else {
        panic!("expected a fingerprint mismatch, got {err:?}");
    };
    assert_eq!(*expected, wrong);
    assert_eq!(
        presented.to_string(),
        peers.get("UPSTRA_PEER_REDFISH_TLS_FINGERPRINT")
    );
    let text = err.into_adapter_error("ilo1").to_string();
    assert!(
        text.contains("ilo1's TLS certificate is not trusted"),
        "{text}"
    );
    assert!(text.contains(&wrong.to_string()), "{text}");
}

#[tokio::test]
async fn ca_file_is_accepted_for_a_name_it_covers() {
    let Some(peers) = upstra_tests::peers("ca_file_is_accepted_for_a_name_it_covers") else {
        return;
    };
    let trust = TlsTrust::CaFile(peers.get("UPSTRA_PEER_REDFISH_CA").to_owned());
    let client = http_client(&trust, DEADLINE).expect("the CA file is read");
    let resp = client
        .get(service_root(&peers))
        .send()
        .await
        .expect("the certificate chains to the CA file and covers 127.0.0.1");
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn ca_file_of_another_issuer_is_rejected() {
    let Some(peers) = upstra_tests::peers("ca_file_of_another_issuer_is_rejected") else {
        return;
    };
    // vcsim's certificate is a different self-signed one: nothing of ours chains to it.
    let trust = TlsTrust::CaFile(peers.get("UPSTRA_PEER_VCSIM_CA").to_owned());
    let err = refused(&trust, &service_root(&peers)).await;
    assert!(
        matches!(err, TlsError::CertificateRejected { .. }),
        "expected a rejected certificate, got {err:?}"
    );
}

#[tokio::test]
async fn unpinned_https_is_refused_with_how_to_pin() {
    let Some(peers) = upstra_tests::peers("unpinned_https_is_refused_with_how_to_pin") else {
        return;
    };
    let err = refused(&TlsTrust::Unpinned, &service_root(&peers)).await;
    assert!(matches!(err, TlsError::Unpinned { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("pin it in the lab file"), "{text}");
    assert!(
        text.contains(peers.get("UPSTRA_PEER_REDFISH_TLS_FINGERPRINT")),
        "{text}"
    );
}

#[tokio::test]
async fn unpinned_client_still_speaks_plain_http() {
    let Some(peers) = upstra_tests::peers("unpinned_client_still_speaks_plain_http") else {
        return;
    };
    let client = http_client(&TlsTrust::Unpinned, DEADLINE).expect("client builds");
    let url = format!("{}/redfish/v1/", peers.get("UPSTRA_PEER_REDFISH_HTTP_URL"));
    let resp = client.get(url).send().await.expect("plain HTTP works");
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn a_307_is_followed_keeping_post_and_its_body() {
    let Some(peers) = upstra_tests::peers("a_307_is_followed_keeping_post_and_its_body") else {
        return;
    };
    // Addressed by name, sushy answers 307 to the uuid path. `On` on a system that is On
    // changes nothing, so the shared emulator state is left as it was.
    let client = http_client(&TlsTrust::Unpinned, DEADLINE).expect("client builds");
    let url = format!(
        "{}/redfish/v1/Systems/srv07/Actions/ComputerSystem.Reset",
        peers.get("UPSTRA_PEER_REDFISH_HTTP_URL")
    );
    let resp = client
        .post(url)
        .basic_auth(
            peers.get("UPSTRA_PEER_REDFISH_USER"),
            Some(peers.get("UPSTRA_PEER_REDFISH_PASSWORD")),
        )
        .header("Content-Type", "application/json")
        .body(r#"{"ResetType":"On"}"#)
        .send()
        .await
        .expect("the redirect is followed");
    // A GET after the redirect would answer 405; a POST without its body, 400 or 415.
    assert_eq!(resp.status(), 204, "{}", resp.url());
    assert!(resp.url().path().contains("00000007-"), "{}", resp.url());
}

#[tokio::test]
async fn fetch_fingerprint_reads_the_harness_certificate() {
    let Some(peers) = upstra_tests::peers("fetch_fingerprint_reads_the_harness_certificate") else {
        return;
    };
    let url = HttpUrl::parse(&service_root(&peers)).expect("a valid URL");
    let fp = fetch_fingerprint(&url, DEADLINE)
        .await
        .expect("the handshake completes");
    assert_eq!(
        fp.to_string(),
        peers.get("UPSTRA_PEER_REDFISH_TLS_FINGERPRINT")
    );
}
