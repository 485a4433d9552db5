//! The console in a real terminal, as an operator uses it: tmux runs the built `upstra` against
//! a demo daemon in this process, keys go in with send-keys and the screen comes back with
//! capture-pane. A binary apart from `tests/console/` because these tests need tmux and take
//! seconds each: `cargo nextest run -p upstra-tui --test tmux` runs them alone.

#[cfg(feature = "demo")]
#[path = "../harness/mod.rs"]
mod harness;

mod cli_tmux;
mod console_tmux;
mod dashboard_tmux;
mod demo_tmux;
mod last_out_tmux;
mod outage_truth_tmux;
mod plan_tmux;
mod resilience_tmux;
mod setup_snmp_tmux;
mod setup_tmux;
mod ssh_tmux;
