//! The help a new user reads first: `upstra apply --help` documents the lab file (every
//! section, with an example that the parser accepts), every subcommand's help ends with
//! examples, and the console's `--keys` is offered only where it means something.

use clap::CommandFactory;
use upstra_tui::cli::{Cli, LAB_FILE_EXAMPLE, command};

fn help(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_upstra"))
        .args(args)
        .arg("--help")
        .output()
        .expect("upstra runs");
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn apply_help_documents_every_section_of_the_lab_file() {
    let text = help(&["apply"]);
    for section in [
        "[[room]]",
        "[[ups]]",
        "[vcenter]",
        "[[server]]",
        "[plan]",
        "[[vm]]",
    ] {
        assert!(text.contains(section), "apply --help lacks {section}");
    }
    for key in [
        "power_on_stagger",
        "nut =",
        "password_file",
        "policy",
        "tls_fingerprint",
        "ca_file",
        "feeds",
        "feeds_required",
        "depends_on",
        "vsphere_host",
        "host_key",
        "this_host",
        "migrate_to",
        "migrations_per_host",
        "migrate_to_hosts_without_ups",
        "priority",
        "FILE:LINE",
    ] {
        assert!(text.contains(key), "apply --help lacks {key}");
    }
    assert!(
        text.contains(LAB_FILE_EXAMPLE.trim()),
        "the example is shown"
    );
}

#[test]
fn the_lab_file_example_in_the_help_is_a_valid_lab_file() {
    upstra_core::lab::parse(LAB_FILE_EXAMPLE, &Default::default())
        .unwrap_or_else(|e| panic!("the example of apply --help is refused: {e:?}"));
}

#[test]
fn keys_is_a_console_option_only() {
    assert!(help(&[]).contains("--keys"), "the console's option");
    assert!(
        help(&["demo"]).contains("--keys"),
        "the demo opens the console"
    );
    for sub in [
        &["server", "list"][..],
        &["apply"],
        &["login"],
        &["plan", "run"],
    ] {
        let text = help(sub);
        assert!(!text.contains("--keys"), "{sub:?} offers --keys:\n{text}");
    }
}

#[test]
fn every_subcommand_help_ends_with_examples() {
    fn leaves(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        let subs: Vec<_> = cmd
            .get_subcommands()
            .filter(|c| c.get_name() != "help")
            .collect();
        if subs.is_empty() {
            out.push(path);
            return;
        }
        for sub in subs {
            let mut next = path.clone();
            next.push(sub.get_name().to_owned());
            leaves(sub, next, out);
        }
    }
    let mut all = Vec::new();
    leaves(&Cli::command(), Vec::new(), &mut all);
    assert!(all.len() > 40, "{all:?}");
    let mut missing = Vec::new();
    for path in &all {
        let words: Vec<&str> = path.iter().map(String::as_str).collect();
        let text = help(&words);
        if !text.contains("Examples:\n  upstra ") {
            missing.push(path.join(" "));
        }
    }
    assert!(missing.is_empty(), "no examples in: {missing:#?}");
    // The command the binary parses with is the one with the examples.
    let short = command()
        .find_subcommand_mut("apply")
        .map(|c| c.render_help().to_string())
        .unwrap_or_default();
    assert!(short.contains("Examples:"), "{short}");
}
