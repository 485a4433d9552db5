//! The console's driver on the demo daemon, without `update` or a terminal: a test asks for
//! a call as `update` would and reads the typed reply, checking the calls the console makes
//! against the real daemon.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use upstra_tui::client::Connector;
use upstra_tui::console::action::{Action, Effect, Failure};
use upstra_tui::console::call::{Call, Reply, Request};
use upstra_tui::console::driver::Driver;
use upstra_tui::session::SessionStore;

use super::Demo;

const WAIT: Duration = Duration::from_secs(30);

/// The console's driver on the demo daemon, with one user's session.
pub struct Driven {
    driver: Driver,
    replies: mpsc::UnboundedReceiver<Action>,
    token: upstra_core::api::v1::SessionToken,
}

impl Driven {
    /// With the session kept in `file`.
    pub fn new(demo: &Demo, file: std::path::PathBuf) -> Self {
        let session = SessionStore::at(file)
            .load()
            .expect("session file reads")
            .expect("logged in");
        let (tx, replies) = mpsc::unbounded_channel();
        let conn = Arc::new(Connector::new(&demo.daemon().socket));
        Self {
            driver: Driver::new(conn, None, tx),
            replies,
            token: session.token,
        }
    }

    /// Makes `call` as `update` would ask for it, and waits for its reply.
    pub async fn call(&mut self, call: Call) -> Reply {
        self.driver.run(Effect::Call {
            epoch: 1,
            token: Some(self.token.clone()),
            call,
        });
        loop {
            let action = tokio::time::timeout(WAIT, self.replies.recv())
                .await
                .expect("a reply in time")
                .expect("the driver runs");
            if let Action::Replied { reply, .. } = action {
                return *reply;
            }
        }
    }

    pub async fn request(&mut self, request: Request) -> Result<(), Failure> {
        match self.call(Call::Do(request)).await {
            Reply::Done { result, .. } => result.map(|_| ()),
            other => panic!("not an answer to a request: {other:?}"),
        }
    }
}
