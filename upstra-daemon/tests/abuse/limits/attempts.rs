//! Finding 3: a flood of wrong passwords, TOTP codes or recovery codes, sent all at once, must
//! not get more attempts evaluated than the limit allows, so the right secret at the end of the
//! flood is refused, and stays refused after a restart.

use futures::future::join_all;
use upstra_core::api::v1::{
    ApiError, AuditQuery, LoginOutcome, LoginReply, LoginRequest, SecondFactor, SessionToken,
    UpstraClient,
};
use upstra_core::secret::Secret;
use upstra_daemon::twofactor;

use super::{fresh, is_rate_limited, patient};
use crate::support::{self, ADMIN, Daemon, PASSWORD};

/// Wrong attempts in one flood: far past the login limit (5 per 15 min).
const FLOOD: usize = 60;
/// Parallel connections the flood is spread over; each pipelines its share.
const CONNECTIONS: usize = 6;

fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn connections(daemon: &Daemon) -> Vec<UpstraClient> {
    let mut out = Vec::new();
    for _ in 0..CONNECTIONS {
        out.push(support::connect(&daemon.socket).await.unwrap());
    }
    out
}

fn password_login(
    c: &UpstraClient,
    password: &str,
) -> impl Future<Output = Result<LoginOutcome, ApiError>> + use<> {
    let (c, req) = (
        c.clone(),
        LoginRequest {
            user: ADMIN.into(),
            password: Secret::new(password),
        },
    );
    async move { c.login(patient(), req).await.unwrap() }
}

fn second_factor(
    c: &UpstraClient,
    challenge: &SessionToken,
    factor: SecondFactor,
) -> impl Future<Output = Result<LoginReply, ApiError>> + use<> {
    let (c, challenge) = (c.clone(), challenge.clone());
    async move {
        c.login_second_factor(patient(), challenge, factor)
            .await
            .unwrap()
    }
}

/// Sends `FLOOD` wrong attempts spread over the connections, all before any answer, and
/// returns how many were evaluated: refused for what they were rather than for the limit.
async fn flood<T: std::fmt::Debug, F: Future<Output = Result<T, ApiError>>>(
    conns: &[UpstraClient],
    wrong: impl Fn(&UpstraClient, usize) -> F,
) -> usize {
    let calls = (0..FLOOD).map(|i| wrong(&conns[i % conns.len()], i));
    join_all(calls)
        .await
        .iter()
        .inspect(|r| assert!(r.is_err(), "a wrong secret was accepted: {r:?}"))
        .filter(|r| !is_rate_limited(r))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_passwords_lock_out_the_right_one_even_after_a_restart() {
    let (dir, mut daemon, _) = fresh().await;
    let conns = connections(&daemon).await;
    let evaluated = flood(&conns, |c, i| {
        password_login(c, &format!("wrong password {i}"))
    })
    .await;
    assert!(evaluated <= 5, "{evaluated} wrong passwords were checked");
    let right = password_login(&conns[0], PASSWORD).await;
    assert!(is_rate_limited(&right), "the right password got {right:?}");

    daemon.stop();
    let daemon = Daemon::start(dir.path()).await;
    let c = support::connect(&daemon.socket).await.unwrap();
    let again = password_login(&c, PASSWORD).await;
    assert!(is_rate_limited(&again), "after a restart: {again:?}");
}

/// Turns two-factor on for the admin: the TOTP secret and the recovery codes. The confirm uses
/// the previous step's code, so the current one is still unused.
async fn enroll(c: &UpstraClient) -> (String, Vec<String>) {
    let token = support::login(c).await;
    let e = c
        .totp_enroll(patient(), token.clone())
        .await
        .unwrap()
        .unwrap();
    let secret = e.secret.expose().to_owned();
    let code = twofactor::code_at(&secret, now_s() - 30).unwrap();
    let codes = c
        .totp_confirm(patient(), token, code)
        .await
        .unwrap()
        .unwrap();
    (secret, codes)
}

async fn challenge(c: &UpstraClient) -> SessionToken {
    match password_login(c, PASSWORD).await {
        Ok(LoginOutcome::SecondFactorRequired { challenge, .. }) => challenge,
        other => panic!("expected a challenge, got {other:?}"),
    }
}

/// A six-digit code that is none of the three a check accepts now.
fn wrong_code(secret: &str, i: usize) -> String {
    let valid: Vec<String> = [now_s() - 30, now_s(), now_s() + 30]
        .iter()
        .map(|t| twofactor::code_at(secret, *t).unwrap())
        .collect();
    (i..)
        .map(|n| format!("{:06}", (n * 7919) % 1_000_000))
        .find(|code| !valid.contains(code))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_totp_codes_lock_out_the_right_one_even_after_a_restart() {
    let (dir, mut daemon, admin) = fresh().await;
    let (secret, _) = enroll(&admin).await;
    let conns = connections(&daemon).await;
    let challenge = challenge(&admin).await;
    let evaluated = flood(&conns, |c, i| {
        let code = Secret::new(wrong_code(&secret, i));
        second_factor(c, &challenge, SecondFactor::Totp(code))
    })
    .await;
    assert!(evaluated <= 5, "{evaluated} wrong codes were checked");
    let right = || Secret::new(twofactor::code_at(&secret, now_s()).unwrap());
    let answer = second_factor(&conns[0], &challenge, SecondFactor::Totp(right())).await;
    assert!(is_rate_limited(&answer), "the right code got {answer:?}");

    daemon.stop();
    let daemon = Daemon::start(dir.path()).await;
    let c = support::connect(&daemon.socket).await.unwrap();
    let again = second_factor(&c, &challenge, SecondFactor::Totp(right())).await;
    assert!(is_rate_limited(&again), "after a restart: {again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_recovery_codes_lock_out_a_right_one() {
    let (_dir, daemon, admin) = fresh().await;
    let (_, codes) = enroll(&admin).await;
    let conns = connections(&daemon).await;
    let challenge = challenge(&admin).await;
    // Well formed, so each one that gets through is checked against every stored hash.
    let wrong = |i: usize| format!("ABCD-{:04}", 2222 + i).replace(['0', '1'], "Z");
    let evaluated = flood(&conns, |c, i| {
        let code = Secret::new(wrong(i));
        second_factor(c, &challenge, SecondFactor::RecoveryCode(code))
    })
    .await;
    assert!(
        evaluated <= 5,
        "{evaluated} wrong recovery codes were checked"
    );
    let right = Secret::new(codes[0].clone());
    let answer = second_factor(&conns[0], &challenge, SecondFactor::RecoveryCode(right)).await;
    assert!(is_rate_limited(&answer), "the right code got {answer:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_refused_logins_is_audited_once_per_window_with_a_count() {
    let (_dir, daemon, admin) = fresh().await;
    let conns = connections(&daemon).await;
    let guess = |c: &UpstraClient, i: usize| {
        let (c, req) = (
            c.clone(),
            LoginRequest {
                user: "mallory".into(),
                password: Secret::new(format!("guess {i}")),
            },
        );
        async move { c.login(patient(), req).await.unwrap() }
    };
    let evaluated = flood(&conns, guess).await;
    assert!(evaluated <= 5, "{evaluated} guesses were checked");
    let token = support::login(&admin).await;
    let query = AuditQuery {
        user: Some("mallory".into()),
        ..AuditQuery::default()
    };
    let page = admin
        .audit_list(patient(), token, query)
        .await
        .unwrap()
        .unwrap();
    let results: Vec<&str> = page.records.iter().map(|r| r.result.as_str()).collect();
    let limited: Vec<_> = page
        .records
        .iter()
        .filter(|r| r.result == "rate_limited")
        .collect();
    assert_eq!(limited.len(), 1, "{results:?}");
    assert_eq!(page.records.len(), evaluated + 1, "{results:?}");
    let detail: serde_json::Value =
        serde_json::from_str(limited[0].detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["refusals"], 1);
    assert_eq!(detail["window_s"], 900);
}
