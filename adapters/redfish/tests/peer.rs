//! Against the harness's sushy-tools emulator: the HTTPS "iLO" (Systems/1, pinned certificate)
//! and the plain-HTTP fleet (srv01..srv08, answering 307 when addressed by name).
//!
//! The power cycle changes shared emulator state: it runs under `POWER`, uses only the iLO
//! system, and leaves it On whatever happens. The other tests only read, or are refused
//! before anything is sent.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;
use upstra_adapter_redfish::{AuthMode, Options, RedfishBmc, RedfishClient, RedfishError};
use upstra_core::ids::{RoomId, ServerId};
use upstra_core::model::{
    BmcEndpoint, CertFingerprint, Credentials, HttpUrl, Server, ServerKind, TlsTrust,
};
use upstra_core::secret::Secret;
use upstra_core::state::{Health, PowerState};
use upstra_core::traits::{AdapterError, Bmc, ResetType};
use upstra_tests::Peers;

/// Serializes the tests that change power states.
static POWER: Mutex<()> = Mutex::const_new(());

/// The emulator changes state 2 to 10 s after a reset; give it room.
const POWER_WAIT: Duration = Duration::from_secs(20);

fn options() -> Options {
    Options {
        timeout: Duration::from_secs(5),
        poll_interval: Duration::from_millis(250),
    }
}

fn pin(peers: &Peers) -> TlsTrust {
    TlsTrust::Fingerprint(
        CertFingerprint::parse(peers.get("UPSTRA_PEER_REDFISH_TLS_FINGERPRINT"))
            .expect("the harness writes a valid fingerprint"),
    )
}

fn endpoint(peers: &Peers, url: &str, tls: TlsTrust, password: &str) -> BmcEndpoint {
    BmcEndpoint {
        url: HttpUrl::parse(url).expect("a valid URL"),
        login: Credentials {
            user: peers.get("UPSTRA_PEER_REDFISH_USER").to_owned(),
            password: Some(Secret::new(password)),
        },
        tls,
    }
}

fn ilo(peers: &Peers) -> BmcEndpoint {
    let url = format!(
        "{}/redfish/v1/Systems/1",
        peers.get("UPSTRA_PEER_REDFISH_HTTPS_URL")
    );
    let password = peers.get("UPSTRA_PEER_REDFISH_PASSWORD");
    endpoint(peers, &url, pin(peers), password)
}

fn fleet(peers: &Peers, name: &str) -> RedfishClient {
    let url = format!(
        "{}/redfish/v1/Systems/{name}",
        peers.get("UPSTRA_PEER_REDFISH_HTTP_URL")
    );
    let password = peers.get("UPSTRA_PEER_REDFISH_PASSWORD");
    let e = endpoint(peers, &url, TlsTrust::Unpinned, password);
    RedfishClient::new(name, &e, options()).expect("client")
}

fn server(name: &str, bmc: BmcEndpoint) -> Server {
    Server {
        id: ServerId::new(name).expect("valid name"),
        room: RoomId::new("lab").expect("valid name"),
        kind: ServerKind::Hypervisor,
        feeds: vec![],
        feeds_required: 1,
        tier: 0,
        depends_on: vec![],
        vsphere_host: None,
        bmc: Some(bmc),
        ssh: None,
        this_host: false,
        migrate_to: vec![],
    }
}

/// ForceOff → Off → On → On through the `Bmc` trait; returns how long each half took.
async fn cycle(bmc: &RedfishBmc, s: &Server) -> Result<(Duration, Duration), AdapterError> {
    let t = Instant::now();
    bmc.reset(s, ResetType::ForceOff).await?;
    bmc.wait_for_power(s, PowerState::Off, Instant::now() + POWER_WAIT)
        .await?;
    let off = t.elapsed();
    let t = Instant::now();
    bmc.reset(s, ResetType::On).await?;
    bmc.wait_for_power(s, PowerState::On, Instant::now() + POWER_WAIT)
        .await?;
    Ok((off, t.elapsed()))
}

#[tokio::test]
async fn power_cycle_the_https_ilo_with_a_pinned_fingerprint() {
    let Some(peers) = upstra_tests::peers("power_cycle_the_https_ilo_with_a_pinned_fingerprint")
    else {
        return;
    };
    let _serial = POWER.lock().await;
    let bmc = RedfishBmc::new(options());
    let s = server("ilo1", ilo(&peers));
    let before = bmc.status(&s).await.expect("status over pinned TLS");
    assert_eq!(before.health, Health::Ok);
    assert_eq!(before.watts, None, "the emulator reports no power draw");
    if before.power != PowerState::On {
        bmc.reset(&s, ResetType::On).await.expect("power on first");
        bmc.wait_for_power(&s, PowerState::On, Instant::now() + POWER_WAIT)
            .await
            .expect("on before the cycle");
    }

    let result = cycle(&bmc, &s).await;
    // Leave the shared system On whatever happened.
    if bmc.status(&s).await.map(|st| st.power) != Ok(PowerState::On) {
        let _ = bmc.reset(&s, ResetType::On).await;
        let _ = bmc
            .wait_for_power(&s, PowerState::On, Instant::now() + POWER_WAIT)
            .await;
    }
    let (off, on) = result.expect("power cycle");
    eprintln!("power cycle: ForceOff→Off {off:?}, On→On {on:?}");
    let client = bmc.client(&s).expect("client");
    assert_eq!(client.auth_mode().await, Some(AuthMode::Basic));
    bmc.close().await;
}

#[tokio::test]
async fn status_of_a_fleet_system_addressed_by_name_follows_the_307() {
    let Some(peers) = upstra_tests::peers("status_of_a_fleet_system_by_name") else {
        return;
    };
    let c = fleet(&peers, "srv02");
    let st = c.status().await.expect("status through the redirect");
    assert_ne!(st.power, PowerState::Unknown);
    assert_eq!(st.health, Health::Ok);
    assert_eq!(st.watts, None);
    let allowed = c.allowed_resets().await.expect("read").expect("listed");
    for name in [
        "On",
        "ForceOff",
        "GracefulShutdown",
        "GracefulRestart",
        "ForceRestart",
    ] {
        assert!(allowed.iter().any(|a| a == name), "{name} in {allowed:?}");
    }
}

#[tokio::test]
async fn a_url_stopping_at_the_service_root_finds_the_only_system() {
    let Some(peers) = upstra_tests::peers("a_url_stopping_at_the_service_root") else {
        return;
    };
    let https = peers.get("UPSTRA_PEER_REDFISH_HTTPS_URL");
    let password = peers.get("UPSTRA_PEER_REDFISH_PASSWORD");
    let e = endpoint(
        &peers,
        &format!("{https}/redfish/v1/"),
        pin(&peers),
        password,
    );
    let c = RedfishClient::new("ilo1", &e, options()).expect("client");
    c.power_state().await.expect("the one system is found");

    let http = peers.get("UPSTRA_PEER_REDFISH_HTTP_URL");
    let e = endpoint(&peers, http, TlsTrust::Unpinned, password);
    let err = RedfishClient::new("fleet", &e, options())
        .expect("client")
        .power_state()
        .await
        .expect_err("eight systems: which one?");
    assert!(
        matches!(err, RedfishError::AmbiguousSystem { count: 8, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unknown_system_is_not_found() {
    let Some(peers) = upstra_tests::peers("an_unknown_system_is_not_found") else {
        return;
    };
    let err = fleet(&peers, "srv99").status().await.expect_err("no such");
    let err = err.into_adapter_error("srv99");
    assert!(matches!(err, AdapterError::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn a_reset_outside_the_allowable_values_is_refused_before_sending() {
    let Some(peers) = upstra_tests::peers("a_reset_outside_the_allowable_values") else {
        return;
    };
    // Sent, sushy would answer 501 (ResetRefused); refused here, it is ResetNotAllowed.
    let err = fleet(&peers, "srv03")
        .reset_named("PushPowerButton")
        .await
        .expect_err("sushy does not offer it");
    let RedfishError::ResetNotAllowed { allowed, .. } = &err else {
        panic!("expected ResetNotAllowed, got {err:?}");
    };
    assert!(allowed.iter().any(|a| a == "ForceOff"), "{allowed:?}");
    let text = err.into_adapter_error("srv03").to_string();
    assert!(
        text.starts_with("srv03 does not support reset type PushPowerButton (it allows: On, "),
        "{text}"
    );
}

#[tokio::test]
async fn wait_for_power_gives_up_at_its_deadline() {
    let Some(peers) = upstra_tests::peers("wait_for_power_gives_up_at_its_deadline") else {
        return;
    };
    let c = fleet(&peers, "srv04");
    let started = Instant::now();
    let err = c
        .wait_for_power(
            PowerState::Off,
            Instant::now() + Duration::from_millis(1500),
        )
        .await
        .expect_err("nobody turned it off");
    assert!(
        matches!(
            err,
            RedfishError::PowerWaitTimedOut {
                last: PowerState::On,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_wrong_fingerprint_is_untrusted_naming_both() {
    let Some(peers) = upstra_tests::peers("a_wrong_fingerprint_is_untrusted") else {
        return;
    };
    let wrong = CertFingerprint::parse(&format!("sha256:{}", ["01"; 32].join(":"))).expect("fp");
    let mut e = ilo(&peers);
    e.tls = TlsTrust::Fingerprint(wrong.clone());
    let started = Instant::now();
    let err = RedfishBmc::new(options())
        .status(&server("ilo1", e))
        .await
        .expect_err("mismatch");
    let AdapterError::Untrusted { reason, .. } = &err else {
        panic!("expected Untrusted, got {err:?}");
    };
    assert!(reason.contains(&wrong.to_string()), "{reason}");
    assert!(
        reason.contains(peers.get("UPSTRA_PEER_REDFISH_TLS_FINGERPRINT")),
        "{reason}"
    );
    assert!(started.elapsed() < options().timeout);
}

#[tokio::test]
async fn a_wrong_password_is_auth_failed() {
    let Some(peers) = upstra_tests::peers("a_wrong_password_is_auth_failed") else {
        return;
    };
    let mut e = ilo(&peers);
    e.login.password = Some(Secret::new("not-the-password"));
    let started = Instant::now();
    let err = RedfishBmc::new(options())
        .status(&server("ilo1", e))
        .await
        .expect_err("wrong password");
    assert_eq!(
        err,
        AdapterError::AuthFailed {
            peer: "ilo1".into()
        }
    );
    assert!(started.elapsed() < options().timeout);
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let Some(peers) = upstra_tests::peers("a_closed_port_is_unreachable") else {
        return;
    };
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut e = ilo(&peers);
    e.url = HttpUrl::parse(&format!("https://127.0.0.1:{port}/redfish/v1/Systems/1")).expect("url");
    let started = Instant::now();
    let err = RedfishBmc::new(options())
        .status(&server("ilo1", e))
        .await
        .expect_err("nothing listens");
    let AdapterError::Unreachable { reason, .. } = &err else {
        panic!("expected Unreachable, got {err:?}");
    };
    assert!(reason.contains("refused"), "{reason}");
    assert!(started.elapsed() < options().timeout);
}
