//! Issue 6's benchmark of the console, over a lab of 10,000 tree nodes:
//! - one frame's render time on ratatui's `TestBackend` (goal: at most 2 ms), at 80×24 and
//!   200×50, with the servers folded (1,000 lines) and everything unfolded (10,000 lines);
//! - keypress to screen: a key through the key map, `update` and a render;
//! - the console's idle CPU and the bytes it writes per second when nothing changes (goal:
//!   near zero): the real event loop (`Console::drive`) on its own thread, drawing through
//!   the quiet backend into a counting writer, following a daemon whose lab holds 10,000
//!   nodes that never change (UPS that do not answer, servers without BMC). CPU is the
//!   console thread's, from /proc/thread-self/stat (the daemon runs on other threads in
//!   this process; the whole process's figure is printed too).
//!
//! `cargo bench -p upstra-tui --bench console` prints the figures. Speed is measured here,
//! never asserted in a test.
#![allow(clippy::unwrap_used, clippy::cast_precision_loss)]

use std::hint::black_box;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use upstra_core::api::v1::{
    LabSpec, LoginOutcome, LoginRequest, RoomSpec, RoomView, ServerSpec, ServerView, SessionScope,
    SessionToken, SetupRequest, UpsSpec, UpsView, VmView, WhoAmI,
};
use upstra_core::secret::Secret;
use upstra_core::state::{Health, PowerState, Timestamp};
use upstra_tui::client::{Connector, timeouts};
use upstra_tui::console::action::Action;
use upstra_tui::console::quiet::Painter;
use upstra_tui::console::state::{Lists, Session, State};
use upstra_tui::console::tree::NodeId;
use upstra_tui::console::ui::render;
use upstra_tui::console::update::update;
use upstra_tui::console::{Console, Options, keys};
use upstra_tui::session::StoredSession;

const ROOMS: usize = 10;
const UPS: usize = 20;
/// With the rooms, the UPS and the VMs: 10,000 nodes.
const SERVERS: usize = 970;
const VMS: usize = 9_000;
const FRAMES: usize = 200;
const IDLE: Duration = Duration::from_secs(20);

fn lists() -> Lists {
    let rooms: Vec<RoomView> = (0..ROOMS)
        .map(|r| RoomView {
            name: format!("room-{r:02}"),
            ups: Vec::new(),
            servers: Vec::new(),
        })
        .collect();
    let ups: Vec<UpsView> = (0..UPS)
        .map(|u| UpsView {
            name: format!("ups-{u:02}"),
            room: format!("room-{:02}", u % ROOMS),
            nut: format!("ups-{u:02}@127.0.0.1:3493"),
            snmp: None,
            has_login: false,
            reachability: "ok".into(),
            status: Some("OL".into()),
            charge_pct: Some(100.0),
            runtime_s: Some(2400),
            load_pct: Some(30.0),
            input_voltage: Some(230.0),
            comms_lost_reason: None,
            updated_at: Some(Timestamp(1_795_600_000_000)),
        })
        .collect();
    let servers: Vec<ServerView> = (0..SERVERS)
        .map(|s| ServerView {
            name: format!("esx-{s:04}"),
            room: format!("room-{:02}", (s % UPS) % ROOMS),
            kind: "hypervisor".into(),
            feeds: vec![format!("ups-{:02}", s % UPS)],
            feeds_required: 1,
            tier: 1,
            depends_on: Vec::new(),
            migrate_to: Vec::new(),
            vsphere_host: Some(format!("esx-{s:04}.lab")),
            bmc_url: None,
            bmc_has_password: false,
            bmc_tls: None,
            ssh_address: None,
            ssh_host_key_pinned: false,
            this_host: false,
            power: PowerState::On,
            health: Health::Ok,
            watts: Some(210.0),
            in_maintenance: Some(false),
        })
        .collect();
    let vms: Vec<VmView> = (0..VMS)
        .map(|v| VmView {
            id: format!("vm-{v:05}"),
            name: format!("guest-{v:05}"),
            host: Some(format!("esx-{:04}.lab", v % SERVERS)),
            server: Some(format!("esx-{:04}", v % SERVERS)),
            power: "on".into(),
            cpus: 4,
            memory_mib: 8192,
        })
        .collect();
    Lists {
        rooms,
        ups,
        servers,
        vms,
    }
}

/// A console logged in on the 10,000-node lab, the selection in the middle of the tree.
fn console() -> State {
    let mut state = State::new("/run/upstra/upstra.sock");
    update(
        &mut state,
        Action::Start {
            session: Some(Session::new(SessionToken::new("0".repeat(64)), "bench")),
        },
    );
    let epoch = state.epoch;
    update(
        &mut state,
        Action::SessionChecked {
            epoch,
            result: Ok(WhoAmI {
                user: "bench".into(),
                role: "operator".into(),
                permissions: "read,write,power,migrate,ssh,plan".into(),
                scope: SessionScope::Full,
                two_factor: false,
                peer_uid: 0,
                session_expires_at: Timestamp(0),
            }),
        },
    );
    update(
        &mut state,
        Action::ListsLoaded {
            epoch,
            result: Ok(lists()),
        },
    );
    let rows = state.rows();
    state.lab.selected = Some(rows[rows.len() / 2].id.clone());
    state
}

fn nodes(state: &State) -> usize {
    upstra_tui::console::tree::all(&state.lab.tree).len()
}

/// Mean time of `f` over `n` runs, after a few to warm up.
fn mean(n: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..5 {
        f();
    }
    let started = Instant::now();
    for _ in 0..n {
        f();
    }
    started.elapsed() / u32::try_from(n).unwrap()
}

fn frame(state: &State, width: u16, height: u16) -> Duration {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    mean(FRAMES, || {
        terminal.draw(|f| render(black_box(state), f)).unwrap();
    })
}

fn keypress(state: &mut State, width: u16, height: u16) -> Duration {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut down = true;
    mean(FRAMES, || {
        // Down then Up, so the selection stays in the middle of the tree.
        let code = if down { KeyCode::Down } else { KeyCode::Up };
        down = !down;
        let action = keys::action_for(state, KeyEvent::new(code, KeyModifiers::NONE)).unwrap();
        for effect in update(state, action) {
            black_box(effect);
        }
        terminal.draw(|f| render(state, f)).unwrap();
    })
}

/// Typing in the palette: each key fuzzy-matches every command and every node again.
fn palette_key(state: &mut State, width: u16, height: u16) -> Duration {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let ctrl_k = KeyEvent::new(KeyCode::Char('k'), KeyModifiers::CONTROL);
    let open = keys::action_for(state, ctrl_k).unwrap();
    update(state, open);
    let mut typed = false;
    let took = mean(FRAMES / 4, || {
        let code = if typed {
            KeyCode::Backspace
        } else {
            KeyCode::Char('7')
        };
        typed = !typed;
        let action = keys::action_for(state, KeyEvent::new(code, KeyModifiers::NONE)).unwrap();
        for effect in update(state, action) {
            black_box(effect);
        }
        terminal.draw(|f| render(state, f)).unwrap();
    });
    update(state, Action::CloseOverlay);
    took
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// A writer that counts what goes through it.
#[derive(Clone, Default)]
struct Counting(Arc<AtomicU64>);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The lab of 10,000 nodes that never change: rooms, UPS that nobody answers for, and
/// servers without a BMC, driven by the real peers' drivers (there are none to reach).
fn static_lab() -> LabSpec {
    LabSpec {
        rooms: (0..ROOMS)
            .map(|r| RoomSpec {
                name: format!("room-{r:02}"),
                power_on_stagger_s: None,
            })
            .collect(),
        ups: (0..UPS)
            .map(|u| UpsSpec {
                name: format!("ups-{u:02}"),
                room: format!("room-{:02}", u % ROOMS),
                // A port nothing listens on: the UPS shows as not answering, once.
                nut: format!("ups-{u:02}@127.0.0.1:9"),
                snmp: None,
                login: None,
                policy: Default::default(),
            })
            .collect(),
        servers: (0..10_000 - ROOMS - UPS)
            .map(|s| ServerSpec {
                name: format!("srv-{s:04}"),
                room: format!("room-{:02}", (s % UPS) % ROOMS),
                kind: "other".into(),
                feeds: vec![format!("ups-{:02}", s % UPS)],
                feeds_required: None,
                tier: 1,
                depends_on: Vec::new(),
                migrate_to: Vec::new(),
                vsphere_host: None,
                bmc: None,
                ssh: None,
                this_host: false,
            })
            .collect(),
        ..LabSpec::default()
    }
}

/// Starts a daemon on a fresh store in `dir` on `runtime`, with its first admin and the
/// static lab applied; returns the console's session and what stops the daemon.
fn daemon(
    runtime: &tokio::runtime::Runtime,
    dir: &std::path::Path,
) -> (StoredSession, tokio::sync::oneshot::Sender<()>) {
    let config = upstra_daemon::config::Config {
        socket: dir.join("upstra.sock"),
        data_dir: dir.join("data"),
        drivers: upstra_daemon::config::Drivers::Peers,
        ..upstra_daemon::config::Config::default()
    };
    let store = upstra_daemon::store::Store::open(
        &config.data_dir,
        &upstra_daemon::store::KeySource::locate(&config.data_dir, None),
    )
    .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let socket = config.socket.clone();
    runtime.block_on(async move {
        let listener = upstra_daemon::server::bind(&config.socket, None).unwrap();
        tokio::spawn(upstra_daemon::run(config, store, listener, async move {
            let _ = stopped.await;
        }));
        let conn = Connector::new(&socket);
        let password = Secret::new("a benchmark password");
        let req = SetupRequest {
            user: "bench".into(),
            password: password.clone(),
        };
        conn.call(
            timeouts::LOGIN,
            |c, ctx| async move { c.setup(ctx, req).await },
        )
        .await
        .unwrap();
        let req = LoginRequest {
            user: "bench".into(),
            password,
        };
        let LoginOutcome::Session(reply) = conn
            .call(
                timeouts::LOGIN,
                |c, ctx| async move { c.login(ctx, req).await },
            )
            .await
            .unwrap()
        else {
            panic!("no second factor on a fresh store");
        };
        let token = reply.token.clone();
        conn.call(timeouts::APPLY, |c, ctx| async move {
            c.apply(ctx, token, static_lab(), false).await
        })
        .await
        .unwrap();
        (
            StoredSession {
                token: reply.token,
                user: reply.user,
                expires_at: reply.expires_at,
            },
            stop,
        )
    })
}

/// The real event loop against the daemon, idle for `IDLE` after it settled: what it
/// writes and the CPU its thread uses.
fn idle(socket: std::path::PathBuf, session: StoredSession) -> (u64, f64, f64, f64) {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let written = Counting::default();
        let mut painter = Painter::fixed(written.clone(), 200, 50).unwrap();
        let console = Console {
            conn: Arc::new(Connector::new(&socket)),
            store: None,
            session: Some(session),
            options: Options::default(),
        };
        // Settle first (login check, the lists, the first reads of the lab), then measure.
        let settle = Duration::from_secs(8);
        let measure = {
            let written = written.clone();
            async move {
                tokio::time::sleep(settle).await;
                let bytes = written.0.load(Ordering::Relaxed);
                let (thread, process) = (
                    upstra_tests::cpu_seconds("/proc/thread-self/stat"),
                    upstra_tests::cpu_seconds("/proc/self/stat"),
                );
                let started = Instant::now();
                tokio::time::sleep(IDLE).await;
                let secs = started.elapsed().as_secs_f64();
                (
                    written.0.load(Ordering::Relaxed) - bytes,
                    upstra_tests::cpu_seconds("/proc/thread-self/stat") - thread,
                    upstra_tests::cpu_seconds("/proc/self/stat") - process,
                    secs,
                )
            }
        };
        runtime.block_on(async move {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let quit = async move {
                let figures = measure.await;
                let _ = tx.send(figures);
            };
            console
                .drive(&mut painter, futures::stream::pending(), quit)
                .await
                .unwrap();
            rx.await.unwrap()
        })
    })
    .join()
    .unwrap()
}

fn main() {
    let mut state = console();
    println!(
        "console benchmark: a lab of {} tree nodes ({ROOMS} rooms, {UPS} UPS, {SERVERS} servers, {VMS} VMs)",
        nodes(&state)
    );
    for (w, h) in [(80, 24), (200, 50)] {
        println!(
            "  one frame, servers folded ({} lines), {w}x{h}: {}",
            state.rows().len(),
            ms(frame(&state, w, h))
        );
    }
    let mut unfolded = state.clone();
    for id in upstra_tui::console::tree::all(&state.lab.tree) {
        if matches!(id, NodeId::Server(_)) {
            unfolded.set_expanded(id, true);
        }
    }
    for (w, h) in [(80, 24), (200, 50)] {
        println!(
            "  one frame, all unfolded ({} lines), {w}x{h}: {}",
            unfolded.rows().len(),
            ms(frame(&unfolded, w, h))
        );
    }
    println!(
        "  keypress to screen (key map, update, render), 200x50, folded: {}",
        ms(keypress(&mut state, 200, 50))
    );
    println!(
        "  keypress to screen, 200x50, all unfolded: {}",
        ms(keypress(&mut unfolded, 200, 50))
    );
    println!(
        "  a key typed in the palette (fuzzy match over 10,000 nodes), 200x50: {}",
        ms(palette_key(&mut state, 200, 50))
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (session, stop) = daemon(&runtime, dir.path());
    let (bytes, thread, process, secs) = idle(dir.path().join("upstra.sock"), session);
    println!("  idle for {secs:.0} s against a daemon with 10,000 unchanging nodes, 200x50:");
    println!(
        "    bytes written: {bytes} ({:.1} per second)",
        bytes as f64 / secs
    );
    println!(
        "    console thread CPU: {:.2}% of one core ({thread:.2} s); whole process with the daemon: {:.2}%",
        thread / secs * 100.0,
        process / secs * 100.0
    );
    let _ = stop.send(());
    runtime.shutdown_timeout(Duration::from_secs(5));
}
