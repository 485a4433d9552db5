//! Throughput of the SSH pane: `cat` of a 10 MB file on the harness's real sshd, through the
//! console's own update, driver and drawing (each action drawn on an 80×24 test backend, as
//! the event loop draws after each action). Prints the time, the deliveries and their sizes,
//! the longest queue of actions waiting for the console, and the process's peak memory.
//! A benchmark, not a test: it asserts nothing about speed.
//!
//!     cargo bench -p upstra-tui --bench ssh_throughput     (needs UPSTRA_PEERS_ENV)

#[path = "../tests/harness/mod.rs"]
mod harness;

use std::path::PathBuf;
use std::time::Instant;

use harness::headless::{Headless, runtime};
use harness::ssh_lab::{SshLab, SshServer};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use upstra_tui::console::action::Action;
use upstra_tui::console::ssh::driver::SshSettings;
use upstra_tui::console::ssh::{SshAction, state::Phase};
use upstra_tui::console::ui::render;
use upstra_tui::ssh::Event;

const FILE_BYTES: usize = 10 * 1024 * 1024;

/// The process's peak resident memory (VmHWM), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let Some(lab) = SshLab::start("ssh_throughput", &[]) else {
        return;
    };
    let key = lab.host_key().to_owned();
    lab.redeclare(&[SshServer {
        name: "bench",
        host_key: Some(&key),
    }]);
    let settings = SshSettings {
        term: "xterm-256color".into(),
        identities: vec![PathBuf::from(lab.get("UPSTRA_PEER_SSH_CLIENT_KEY"))],
        use_agent: false,
    };
    let rt = runtime();
    rt.block_on(async {
        let mut c = Headless::new(&lab, settings);
        c.login("demo", &lab.demo.daemon().password).await;
        c.open("bench");
        c.until_open().await;
        c.type_text(&format!(
            "base64 -w 99 /dev/urandom | head -c {FILE_BYTES} > ~/upstra-bench.txt; echo made-$((1+1))\r"
        ));
        c.until_screen("the file", "made-2").await;
        let before = peak_rss_kib();
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("backend");
        c.type_text("clear; cat ~/upstra-bench.txt; echo cat-done-$((2+2))\r");
        let started = Instant::now();
        let (mut deliveries, mut bytes, mut largest, mut longest_queue, mut draws) =
            (0u64, 0usize, 0usize, 0usize, 0u64);
        loop {
            let done = c.state.ssh.shown().is_some_and(|p| {
                p.phase == Phase::Open && p.screen.screen().contents().contains("cat-done-4")
            });
            if done {
                break;
            }
            longest_queue = longest_queue.max(c.actions.len());
            let Some(action) = c.actions.recv().await else {
                panic!("the driver stopped");
            };
            if let Action::Ssh(SshAction::Task {
                event: Event::Output(chunk),
                ..
            }) = &action
            {
                deliveries += 1;
                bytes += chunk.len();
                largest = largest.max(chunk.len());
            }
            let redraw = action.may_change_screen();
            c.apply(action);
            if redraw {
                terminal.draw(|f| render(&c.state, f)).expect("drawn");
                draws += 1;
            }
        }
        let took = started.elapsed();
        let after = peak_rss_kib();
        c.type_text("rm -f ~/upstra-bench.txt\r");
        c.exit().await;
        println!("ssh pane: cat of {} MiB", FILE_BYTES / (1024 * 1024));
        println!("  time                {:.2} s", took.as_secs_f64());
        println!(
            "  throughput          {:.1} MiB/s",
            bytes as f64 / (1024.0 * 1024.0) / took.as_secs_f64()
        );
        println!("  bytes through       {bytes}");
        println!("  deliveries          {deliveries} (largest {} KiB)", largest / 1024);
        println!("  redraws             {draws}");
        println!("  longest action queue {longest_queue}");
        println!(
            "  peak RSS            {} MiB before, {} MiB after (whole bench process, daemon included)",
            before / 1024,
            after / 1024
        );
    });
}
