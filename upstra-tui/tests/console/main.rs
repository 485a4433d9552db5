//! The console's tests, in one binary so that the daemon and SQLCipher are linked once instead
//! of once per file: the update, tree and render tests on the console's state (snapshots in
//! `snapshots/`, named `console__<module>__<name>`), and the end-to-end tests that drive the
//! built `upstra` against a demo daemon in this process. One module per topic. The tests that
//! run the console in tmux have their own binary, `tests/tmux/`.

// First, so that its `screens!` snapshot macro is in scope in the modules below.
#[macro_use]
mod support;

#[cfg(feature = "demo")]
#[path = "../harness/mod.rs"]
mod harness;

mod accounts_daemon;
mod cli;
mod cli_help;
mod cli_history;
mod cli_lab;
mod cli_notify;
mod cli_snmp;
mod hostile_text;
mod identity;
mod import_plan;
mod import_postgres;
mod operations;
mod plan;
mod plan_simulate_peers;
mod refusal_words;
mod render;
mod render_admin;
mod render_dashboard;
mod render_filter;
mod render_history;
mod render_hostile;
mod render_last_out;
mod render_login;
mod render_newer_events;
mod render_plan;
mod render_preferred;
mod render_setup;
mod render_setup_snmp;
mod render_sizes;
mod render_snmp;
mod render_truth;
mod render_unmanaged;
mod session;
mod setup_snmp_daemon;
mod ssh_pane;
mod tree;
mod two_factor;
mod update;
mod update_admin;
mod update_dashboard;
mod update_filter;
mod update_history;
mod update_login;
mod update_mouse;
mod update_palette;
mod update_plan;
mod update_roles;
mod update_setup;
mod update_setup_snmp;
