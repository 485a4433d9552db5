//! The console without a terminal, for the SSH pane's tests and benchmark: its own `update`
//! and driver, its daemon calls going to the demo daemon, polled with a deadline.

use std::sync::Arc;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::{self, UnboundedReceiver};
use upstra_tui::client::Connector;
use upstra_tui::console::action::{Action, LoginAction};
use upstra_tui::console::command_table::Command;
use upstra_tui::console::driver::Driver;
use upstra_tui::console::ssh::SshAction;
use upstra_tui::console::ssh::driver::SshSettings;
use upstra_tui::console::ssh::state::{Pane, Phase};
use upstra_tui::console::state::{Screen, State};
use upstra_tui::console::tree::NodeId;
use upstra_tui::console::ui::render;
use upstra_tui::console::update::update;

use super::ssh_lab::SshLab;

pub const WAIT: Duration = Duration::from_secs(30);

/// The console without a terminal: its state, its driver, and the actions coming back.
pub struct Headless {
    pub state: State,
    pub driver: Driver,
    pub actions: UnboundedReceiver<Action>,
}

impl Headless {
    pub fn new(lab: &SshLab, settings: SshSettings) -> Self {
        let (tx, actions) = mpsc::unbounded_channel();
        let conn = Arc::new(Connector::new(&lab.demo.daemon().socket));
        let driver = Driver::new(conn, None, tx).with_ssh_settings(settings);
        let mut console = Self {
            state: State::new("test"),
            driver,
            actions,
        };
        console.apply(Action::Ssh(SshAction::Resized {
            width: 100,
            height: 30,
        }));
        console.apply(Action::Start { session: None });
        console
    }

    pub fn apply(&mut self, action: Action) {
        for effect in update(&mut self.state, action) {
            self.driver.run(effect);
        }
    }

    /// Runs the console until `done` holds.
    pub async fn until(&mut self, what: &str, done: impl Fn(&State) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !done(&self.state) {
            match tokio::time::timeout_at(deadline, self.actions.recv()).await {
                Ok(Some(action)) => self.apply(action),
                Ok(None) => panic!("the driver stopped while waiting for {what}"),
                Err(_) => panic!(
                    "timed out waiting for {what}; panes: {:?}; notice: {:?}; screen:\n{}",
                    self.state.ssh.panes,
                    self.state.notice,
                    self.text()
                ),
            }
        }
    }

    pub async fn login(&mut self, user: &str, password: &str) {
        for c in user.chars() {
            self.apply(Action::Login(LoginAction::Char(c)));
        }
        self.apply(Action::Login(LoginAction::NextField));
        for c in password.chars() {
            self.apply(Action::Login(LoginAction::Char(c)));
        }
        self.apply(Action::Login(LoginAction::Submit));
        self.until("the lab", |s| s.screen == Screen::Tree && s.lab.loaded)
            .await;
    }

    /// Selects `server` and opens its shell (the `e` key).
    pub fn open(&mut self, server: &str) {
        assert!(
            self.state.reveal(&NodeId::Server(server.into())),
            "{server} in the tree"
        );
        self.apply(Action::Run(Command::Shell));
    }

    pub fn pane(&self) -> Option<&Pane> {
        self.state.ssh.shown()
    }

    /// The shown pane's emulated screen, as text.
    pub fn text(&self) -> String {
        self.pane()
            .map(|p| p.screen.screen().contents())
            .unwrap_or_default()
    }

    pub fn type_text(&mut self, text: &str) {
        self.apply(Action::Ssh(SshAction::Send(text.as_bytes().to_vec())));
    }

    pub async fn until_screen(&mut self, what: &str, needle: &str) {
        let needle = needle.to_owned();
        self.until(what, move |s| {
            s.ssh
                .shown()
                .is_some_and(|p| p.screen.screen().contents().contains(&needle))
        })
        .await;
    }

    pub async fn until_open(&mut self) {
        self.until("the shell", |s| {
            s.ssh.shown().is_some_and(|p| p.phase == Phase::Open)
        })
        .await;
    }

    /// Types `exit` and waits for the pane to close and its end to be recorded.
    pub async fn exit(&mut self) {
        self.type_text("exit\r");
        self.until("the pane to close", |s| {
            s.ssh.panes.is_empty() && s.ssh.recording == 0
        })
        .await;
    }

    /// The whole console drawn at 100×30.
    pub fn draw(&self) -> Terminal<TestBackend> {
        let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("backend");
        terminal.draw(|f| render(&self.state, f)).expect("drawn");
        terminal
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}
