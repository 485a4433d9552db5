//! What the benchmarks share: a real daemon in this process on a temporary store and socket,
//! with an admin set up and logged in.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;
use upstra_core::api::v1::ClientFormat;
use upstra_core::api::v1::{LoginOutcome, LoginRequest, SessionToken, SetupRequest, UpstraClient};
use upstra_core::secret::Secret;
use upstra_daemon::config::Config;
use upstra_daemon::store::{KeySource, Store};

pub mod process;

pub const USER: &str = "bench";
pub const PASSWORD: &str = "benchmark password";

/// The running daemon; [`BenchDaemon::stop`] shuts it down cleanly.
pub struct BenchDaemon {
    pub client: UpstraClient,
    pub token: SessionToken,
    pub socket: PathBuf,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<Result<(), upstra_daemon::Error>>,
    _dir: tempfile::TempDir,
}

pub async fn client(socket: &Path) -> UpstraClient {
    let t = tarpc::serde_transport::unix::connect(socket, ClientFormat::default)
        .await
        .unwrap();
    UpstraClient::new(tarpc::client::Config::default(), t).spawn()
}

/// Starts a daemon with the defaults changed by `configure`, sets up the admin and logs in.
pub async fn start(configure: impl FnOnce(&mut Config)) -> BenchDaemon {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        socket: dir.path().join("upstra.sock"),
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    configure(&mut config);
    let store = Store::open(&config.data_dir, &KeySource::locate(&config.data_dir, None)).unwrap();
    let listener = upstra_daemon::server::bind(&config.socket, None).unwrap();
    let stop = CancellationToken::new();
    let socket = config.socket.clone();
    let task = tokio::spawn(upstra_daemon::run(
        config,
        store,
        listener,
        stop.clone().cancelled_owned(),
    ));
    let c = client(&socket).await;
    let ctx = tarpc::context::current;
    let password = Secret::new(PASSWORD);
    c.setup(
        ctx(),
        SetupRequest {
            user: USER.into(),
            password: password.clone(),
        },
    )
    .await
    .unwrap()
    .unwrap();
    let LoginOutcome::Session(reply) = c
        .login(
            ctx(),
            LoginRequest {
                user: USER.into(),
                password,
            },
        )
        .await
        .unwrap()
        .unwrap()
    else {
        panic!("the bench user has no second factor")
    };
    BenchDaemon {
        client: c,
        token: reply.token,
        socket,
        stop,
        task,
        _dir: dir,
    }
}

impl BenchDaemon {
    pub async fn stop(self) {
        self.stop.cancel();
        self.task.await.unwrap().unwrap();
    }
}

/// The peers' endpoints, or `None` with a note when the harness is not running.
pub fn peers(bench: &str) -> Option<upstra_tests::Peers> {
    let Ok(env) = std::env::var("UPSTRA_PEERS_ENV") else {
        println!(
            "{bench} benchmark skipped: start the peers (tests/peers/start.sh) and set UPSTRA_PEERS_ENV"
        );
        return None;
    };
    Some(upstra_tests::Peers {
        vars: upstra_tests::parse_env(&std::fs::read_to_string(&env).unwrap()),
        path: env,
    })
}
