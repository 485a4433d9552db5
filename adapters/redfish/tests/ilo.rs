//! iLO behaviour the emulator lacks (sessions, `Oem.Hpe`, Chassis `Power`, a shorter reset
//! list, 400 for a state already reached), served from the recorded iLO-like payloads in
//! `fixtures/` by a local mock HTTP server.

use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;
use upstra_adapter_redfish::{AuthMode, Options, RedfishClient, RedfishError};
use upstra_core::model::{BmcEndpoint, Credentials, HttpUrl, TlsTrust};
use upstra_core::secret::Secret;
use upstra_core::state::{Health, PowerState};
use upstra_core::traits::ResetType;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SESSIONS: &str = "/redfish/v1/SessionService/Sessions/";
const SESSION: &str = "/redfish/v1/SessionService/Sessions/admin0000000000000001/";
const SYSTEM: &str = "/redfish/v1/Systems/1/";
const RESET: &str = "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset/";

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json_doc(status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture(name), "application/json")
}

fn client(server: &MockServer, password: &str) -> RedfishClient {
    let endpoint = BmcEndpoint {
        url: HttpUrl::parse(&format!("{}{SYSTEM}", server.uri())).expect("url"),
        login: Credentials {
            user: "admin".into(),
            password: Some(Secret::new(password)),
        },
        tls: TlsTrust::Unpinned,
    };
    let options = Options {
        timeout: Duration::from_secs(5),
        poll_interval: Duration::from_millis(50),
    };
    RedfishClient::new("ilo-test", &endpoint, options).expect("client")
}

/// The iLO service root, and a login that answers with `token`, at most `times` times.
async fn ilo_root_and_login(server: &MockServer, token: &str, times: u64, priority: u8) {
    Mock::given(method("GET"))
        .and(path("/redfish/v1/"))
        .respond_with(json_doc(200, "ilo5_service_root.json"))
        .mount(server)
        .await;
    // iLO's Location is absolute and may name the host differently from how we reached it:
    // only its path is used.
    let created = json_doc(201, "ilo5_session_created.json")
        .insert_header("X-Auth-Token", token)
        .insert_header(
            "Location",
            format!("https://ilo-example.lab.invalid{SESSION}"),
        );
    Mock::given(method("POST"))
        .and(path(SESSIONS))
        .and(body_json(
            json!({ "UserName": "admin", "Password": "secret" }),
        ))
        .respond_with(created)
        .up_to_n_times(times)
        .with_priority(priority)
        .mount(server)
        .await;
}

async fn system_with(server: &MockServer, token: &str, doc: &str) {
    Mock::given(method("GET"))
        .and(path(SYSTEM))
        .and(header("X-Auth-Token", token))
        .respond_with(json_doc(200, doc))
        .mount(server)
        .await;
}

#[tokio::test]
async fn one_session_is_opened_reused_and_logged_out() {
    let server = MockServer::start().await;
    ilo_root_and_login(&server, "tok-1", 1, 1).await;
    system_with(&server, "tok-1", "ilo5_system.json").await;
    for (p, doc) in [
        ("/redfish/v1/Chassis/1/", "ilo5_chassis.json"),
        ("/redfish/v1/Chassis/1/Power/", "ilo5_power.json"),
    ] {
        Mock::given(method("GET"))
            .and(path(p))
            .and(header("X-Auth-Token", "tok-1"))
            .respond_with(json_doc(200, doc))
            .mount(&server)
            .await;
    }
    Mock::given(method("DELETE"))
        .and(path(SESSION))
        .and(header("X-Auth-Token", "tok-1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let c = client(&server, "secret");
    for _ in 0..3 {
        let s = c.status().await.expect("status");
        assert_eq!(
            (s.power, s.health, s.watts),
            (PowerState::On, Health::Warning, Some(183.0))
        );
    }
    assert_eq!(c.auth_mode().await, Some(AuthMode::Session));
    c.logout().await.expect("logout");

    let requests = server.received_requests().await.expect("recording is on");
    let logins = requests
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(logins, 1, "one login for three reads");
    assert!(
        requests
            .iter()
            .all(|r| !r.headers.contains_key("authorization")),
        "no basic auth once a session is open"
    );
}

#[tokio::test]
async fn an_expired_session_gets_one_new_login() {
    let server = MockServer::start().await;
    ilo_root_and_login(&server, "tok-1", 1, 1).await;
    ilo_root_and_login(&server, "tok-2", 1, 2).await;
    Mock::given(method("GET"))
        .and(path(SYSTEM))
        .and(header("X-Auth-Token", "tok-1"))
        .respond_with(json_doc(401, "ilo_error_401.json"))
        .expect(1)
        .mount(&server)
        .await;
    system_with(&server, "tok-2", "ilo5_system.json").await;

    let c = client(&server, "secret");
    let power = c.power_state().await.expect("read after a fresh login");
    assert_eq!(power, PowerState::On);
}

#[tokio::test]
async fn a_wrong_password_at_login_is_auth_failed() {
    let server = MockServer::start().await;
    // The login mock takes only the right password; anything else gets iLO's 401.
    ilo_root_and_login(&server, "tok-1", 1, 1).await;
    Mock::given(method("POST"))
        .and(path(SESSIONS))
        .respond_with(json_doc(401, "ilo_error_401.json"))
        .with_priority(2)
        .mount(&server)
        .await;

    let err = client(&server, "wrong")
        .status()
        .await
        .expect_err("refused");
    assert!(matches!(err, RedfishError::AuthFailed { .. }), "{err:?}");
    assert_eq!(
        err.into_adapter_error("ilo-test").to_string(),
        "ilo-test refused the credentials"
    );
}

#[tokio::test]
async fn a_reset_the_system_does_not_offer_is_refused_before_sending() {
    let server = MockServer::start().await;
    ilo_root_and_login(&server, "tok-1", 1, 1).await;
    system_with(&server, "tok-1", "ilo4_system.json").await;
    Mock::given(method("POST"))
        .and(path(RESET))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;

    let err = client(&server, "secret")
        .reset(ResetType::GracefulShutdown)
        .await
        .expect_err("iLO 4 offers no GracefulShutdown");
    let RedfishError::ResetNotAllowed { allowed, .. } = &err else {
        panic!("expected ResetNotAllowed, got {err:?}");
    };
    assert_eq!(
        allowed.join(", "),
        "On, ForceOff, ForceRestart, Nmi, PushPowerButton"
    );
}

#[tokio::test]
async fn on_for_a_system_already_on_is_done_not_an_error() {
    let server = MockServer::start().await;
    ilo_root_and_login(&server, "tok-1", 1, 1).await;
    system_with(&server, "tok-1", "ilo5_system.json").await;
    Mock::given(method("POST"))
        .and(path(RESET))
        .and(body_json(json!({ "ResetType": "On" })))
        .respond_with(json_doc(400, "ilo_error_400_power_state.json"))
        .expect(1)
        .mount(&server)
        .await;

    client(&server, "secret")
        .reset(ResetType::On)
        .await
        .expect("already on");
}

#[tokio::test]
async fn a_dropped_client_logs_its_session_out() {
    let server = MockServer::start().await;
    ilo_root_and_login(&server, "tok-1", 1, 1).await;
    system_with(&server, "tok-1", "ilo5_system.json").await;
    Mock::given(method("DELETE"))
        .and(path(SESSION))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;

    let c = client(&server, "secret");
    c.power_state().await.expect("read");
    drop(c);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let requests = server.received_requests().await.expect("recording is on");
        if requests.iter().any(|r| r.method.as_str() == "DELETE") {
            break;
        }
        assert!(Instant::now() < deadline, "no logout after drop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
