//! `upstrad(8)`: the page `upstrad man` prints, which the package installs. The command line's
//! part (synopsis, options, each command and its options) is generated from the clap command,
//! so it cannot drift from the binary; what clap cannot know (the store key, signals, exit
//! status, environment, files, the unit's sandbox) is written by hand in `man_page/sections.roff`.

use std::io::{self, Write};

use clap_mangen::Man;

/// The hand-written sections, in roff, appended after the generated ones.
const SECTIONS: &str = include_str!("man_page/sections.roff");

/// The page's name, whatever the package calls the binary's command.
const NAME: &str = "upstrad";
/// Section 8: a daemon for the administrator.
const SECTION: &str = "8";
const MANUAL: &str = "System Administration";
/// The NAME line's words, and the DESCRIPTION: longer than `--help`'s summary.
const SUMMARY: &str = "the Upstra daemon: UPS monitoring and power-outage orchestration";
const DESCRIPTION: &str = "upstrad owns the encrypted store (users, sessions, the declared \
lab, the audit trail), watches the UPS units, servers and VMs of the lab, and serves the upstra(1) \
console and scripts on a Unix socket (default /run/upstra/upstra.sock, mode 0660). Run without a \
command, it serves until SIGTERM.";

/// clap_mangen starts every piece it renders with these two lines (they define the
/// apostrophe its text uses); the page needs them once, at the top.
const PRELUDE: [&str; 2] = [".ie \\n(.g .ds Aq \\(aq", ".el .ds Aq '"];

/// The whole page for `cmd`, the daemon's clap command.
pub fn render(cmd: clap::Command) -> io::Result<Vec<u8>> {
    let declared = cmd
        .name(NAME)
        .about(SUMMARY)
        .long_about(DESCRIPTION)
        .disable_help_subcommand(true);
    let mut cmd = declared.clone();
    cmd.build();
    let man = Man::new(cmd);
    let mut body = Vec::new();
    man.render_name_section(&mut body)?;
    man.render_synopsis_section(&mut body)?;
    man.render_description_section(&mut body)?;
    man.render_options_section(&mut body)?;
    // As declared, before building: building copies the shared (global) flags into every
    // command, and they are under OPTIONS already.
    commands(&declared, &mut body)?;
    let mut page = Vec::new();
    for line in PRELUDE {
        writeln!(page, "{line}")?;
    }
    // Written here rather than by clap_mangen, which drops an empty date argument and so
    // shifts the source and manual into the date's place.
    writeln!(
        page,
        ".TH {} {SECTION} \"\" \"upstra {}\" \"{MANUAL}\"",
        NAME.to_uppercase(),
        env!("CARGO_PKG_VERSION")
    )?;
    let body = String::from_utf8_lossy(&body);
    for line in body.lines().filter(|l| !PRELUDE.contains(l)) {
        writeln!(page, "{line}")?;
    }
    page.write_all(SECTIONS.as_bytes())?;
    Ok(page)
}

/// A COMMANDS section with, for each visible subcommand, its synopsis, what it does, its own
/// options and its notes. clap_mangen would instead point at one page per subcommand, which
/// the package does not install.
fn commands(cmd: &clap::Command, page: &mut Vec<u8>) -> io::Result<()> {
    let visible: Vec<_> = cmd.get_subcommands().filter(|s| !s.is_hide_set()).collect();
    if visible.is_empty() {
        return Ok(());
    }
    writeln!(page, ".SH COMMANDS")?;
    for sub in visible {
        let name = format!("{} {}", cmd.get_name(), sub.get_name());
        writeln!(page, ".SS \"{name}\"")?;
        // Named as typed, in the synopsis.
        let alone = sub.clone().bin_name(name);
        let man = Man::new(alone.clone());
        let mut part = Vec::new();
        man.render_synopsis_section(&mut part)?;
        man.render_description_section(&mut part)?;
        man.render_options_section(&mut part)?;
        if alone.get_after_help().is_some() {
            man.render_extra_section(&mut part)?;
        }
        page.write_all(&without_headings(&part))?;
    }
    Ok(())
}

/// `part` with a paragraph break for each `.SH` line: the pieces of one command go under its
/// `.SS`, and a second OPTIONS section would read as the daemon's own.
fn without_headings(part: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(part);
    let mut kept = String::with_capacity(text.len());
    for line in text.lines() {
        kept.push_str(if line.starts_with(".SH ") {
            ".PP"
        } else {
            line
        });
        kept.push('\n');
    }
    kept.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hand_written_sections_are_all_there_and_name_every_variable() {
        for heading in [
            ".SH CONFIGURATION",
            ".SH STORE KEY",
            ".SH SIGNALS",
            ".SH SYSTEMD",
            ".SH EXIT STATUS",
            ".SH ENVIRONMENT",
            ".SH FILES",
            ".SH SEE ALSO",
        ] {
            assert!(SECTIONS.contains(heading), "{heading}");
        }
        for variable in crate::config::ENV_KEYS {
            assert!(SECTIONS.contains(variable), "ENVIRONMENT lacks {variable}");
        }
        for code in 0..=crate::exit::ALREADY_RUNNING {
            assert!(
                SECTIONS.contains(&format!(".B {code}\n")),
                "exit status {code}"
            );
        }
    }

    #[test]
    fn the_page_is_section_8_with_a_heading_per_command() {
        let cmd = clap::Command::new("upstrad")
            .about("a daemon")
            .arg(clap::Arg::new("config").long("config").global(true))
            .subcommand(
                clap::Command::new("restore")
                    .about("restores")
                    .arg(clap::Arg::new("from").long("from")),
            )
            .subcommand(clap::Command::new("secret").hide(true));
        let page = String::from_utf8(render(cmd).expect("rendered")).expect("utf-8");
        assert!(page.contains(".TH UPSTRAD 8 "), "{page}");
        assert!(page.contains(".SS \"upstrad restore\""), "{page}");
        assert!(!page.contains("upstrad secret"), "{page}");
        // One OPTIONS section, the daemon's: a command's options sit under its heading.
        assert_eq!(page.matches(".SH OPTIONS").count(), 1, "{page}");
        // The shared flag is the daemon's, not repeated under each command.
        let from = page.find(".SS").expect("a command heading");
        let to = page
            .find(".SH CONFIGURATION")
            .expect("the hand-written part");
        let restore = &page[from..to];
        assert!(
            restore.contains("from") && !restore.contains("config"),
            "{page}"
        );
    }
}
