//! The manual pages the package installs, as the binaries print them (`upstrad man`,
//! `upstra man`): roff that `man` and groff read without a single warning. Which flags and
//! commands upstrad(8) names is checked against the clap command itself, in the binary's tests.
#![allow(clippy::unwrap_used)] // a test that cannot set up should fail right there

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The path of `name` on PATH, or `None`: the test then skips, except under CI.
fn tool(name: &str, package: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{name} is missing: install {package}"
        );
        eprintln!("skipping: {name} is not installed (install {package})");
    }
    found
}

fn upstrad() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_upstrad"))
}

/// The console's binary, built next to the daemon; `None` (the test skips) when it was not.
fn upstra() -> Option<PathBuf> {
    let cli = upstrad().with_file_name("upstra");
    if cli.is_file() {
        return Some(cli);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the `upstra` binary is not built next to upstrad, and CI=true"
    );
    eprintln!("skipping: the `upstra` binary is not built next to upstrad: build the workspace");
    None
}

/// What `binary man` prints, written to `dir/file`.
fn page(binary: &Path, dir: &Path, file: &str) -> PathBuf {
    let out = Command::new(binary)
        .arg("man")
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{} man: {:?}\n{}",
        binary.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let path = dir.join(file);
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

/// Everything the formatter said on stderr, with the command's status.
fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        if out.status.success() {
            String::new()
        } else {
            format!(" ({:?})", out.status)
        }
    )
}

/// groff with every warning, as `man` renders it (`man --warnings -l`), and groff itself on
/// the raw file (which also refuses bytes that are not ASCII, which some formatters misread).
fn assert_formats_cleanly(page: &Path) {
    let (Some(man), Some(groff)) = (tool("man", "man-db"), tool("groff", "groff-base")) else {
        return;
    };
    let by_man = Command::new(man)
        .args(["--warnings", "-l"])
        .arg(page)
        .env("MANPAGER", "cat")
        .output()
        .unwrap();
    assert!(
        by_man.status.success() && by_man.stderr.is_empty() && !by_man.stdout.is_empty(),
        "man --warnings -l {}: {}",
        page.display(),
        said(&by_man)
    );
    let by_groff = Command::new(groff)
        .args(["-man", "-ww", "-z"])
        .arg(page)
        .output()
        .unwrap();
    assert!(
        by_groff.status.success() && by_groff.stderr.is_empty(),
        "groff -man -ww -z {}: {}",
        page.display(),
        said(&by_groff)
    );
}

#[test]
fn upstrad_8_is_clean_roff_in_section_8() {
    let dir = tempfile::tempdir().unwrap();
    let page = page(&upstrad(), dir.path(), "upstrad.8");
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(
        text.contains(".TH UPSTRAD 8 \"\" \"upstra ")
            && text.contains(" \"System Administration\""),
        "{text}"
    );
    assert_formats_cleanly(&page);
}

#[test]
fn upstra_1_is_clean_roff_in_section_1() {
    let Some(upstra) = upstra() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = page(&upstra, dir.path(), "upstra.1");
    let text = std::fs::read_to_string(&page).unwrap();
    // Title, section, date (empty), source, manual: a missing date shifts the others.
    assert!(
        text.lines()
            .any(|l| l.starts_with(".TH upstra 1 \\& \"upstra ")
                && l.ends_with(" \"User Commands\"")),
        "{text}"
    );
    assert_formats_cleanly(&page);
}
