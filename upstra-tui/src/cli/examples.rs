//! Examples at the end of every subcommand's help, kept in one table rather than beside each
//! argument struct: one place to read them all, and a test (`tests/console/cli_help.rs`) that
//! every subcommand has some. [`command`] is the command line the binary parses, with them.

use clap::{Command, CommandFactory};

use super::Cli;

/// Examples by subcommand path.
const EXAMPLES: &[(&str, &str)] = &[
    ("demo", "upstra demo"),
    (
        "setup",
        "upstra setup --user ada --password-stdin < first-admin.pass",
    ),
    (
        "login",
        "upstra login --user ada --password-stdin\n  upstra login --user ada --password-stdin --totp 123456 < ada.pass",
    ),
    ("logout", "upstra logout"),
    ("whoami", "upstra whoami\n  upstra whoami --json"),
    ("passwd", "upstra passwd --password-stdin"),
    (
        "apply",
        "upstra apply -f lab.toml --dry-run\n  upstra apply -f lab.toml\n  upstra export > lab.toml && upstra apply -f lab.toml --dry-run",
    ),
    ("export", "upstra export > lab.toml\n  upstra export --json"),
    (
        "notify test",
        "upstra notify test ops-mail    # sends a test message, prints the server's answer",
    ),
    (
        "notify list",
        "upstra notify list\n  upstra notify list --limit 200 --json",
    ),
    ("room list", "upstra room list"),
    ("ups list", "upstra ups list\n  upstra ups list --json"),
    (
        "server list",
        "upstra server list\n  upstra server list --json",
    ),
    (
        "server power",
        "upstra server power esx-01 shutdown\n  upstra server power esx-01 on --yes",
    ),
    ("vm list", "upstra vm list\n  upstra vm list --json"),
    (
        "vm power",
        "upstra vm power web-01 shutdown\n  upstra vm power web-01 on",
    ),
    ("vm migrate", "upstra vm migrate web-01 --to esx-02"),
    ("sync", "upstra sync"),
    ("events", "upstra events\n  upstra events --follow --json"),
    ("plan show", "upstra plan show\n  upstra plan show ups-a1"),
    ("plan simulate", "upstra plan simulate ups-a1"),
    (
        "plan run",
        "upstra plan run ups-a1\n  upstra plan run ups-a1 --auto-restore --yes",
    ),
    ("plan cancel", "upstra plan cancel"),
    ("plan restore", "upstra plan restore"),
    (
        "plan status",
        "upstra plan status\n  upstra plan status --json",
    ),
    ("trust bmc", "upstra trust bmc esx-01"),
    ("trust vcenter", "upstra trust vcenter"),
    (
        "user add",
        "upstra user add bob --role operator --password-stdin < bob.pass",
    ),
    ("user list", "upstra user list"),
    ("user disable", "upstra user disable bob"),
    ("user enable", "upstra user enable bob"),
    ("user remove", "upstra user remove bob"),
    ("user set-role", "upstra user set-role bob viewer"),
    ("user reset-password", "upstra user reset-password bob"),
    ("role list", "upstra role list"),
    (
        "role create",
        "upstra role create night-shift --permissions read,power,plan",
    ),
    ("role remove", "upstra role remove night-shift"),
    ("grant list", "upstra grant list"),
    ("grant add", "upstra grant add bob operator room:lab-a"),
    (
        "grant remove",
        "upstra grant remove bob operator room:lab-a",
    ),
    ("2fa enroll", "upstra 2fa enroll"),
    ("2fa confirm", "upstra 2fa confirm 123456"),
    ("2fa disable", "upstra 2fa disable --totp 123456"),
    ("settings show", "upstra settings show"),
    (
        "settings require-2fa",
        "upstra settings require-2fa roles admin,operator\n  upstra settings require-2fa nobody",
    ),
    ("session list", "upstra session list"),
    ("session revoke", "upstra session revoke 3f2a"),
    ("session revoke-user", "upstra session revoke-user bob"),
    ("who", "upstra who"),
    (
        "audit",
        "upstra audit --action apply\n  upstra audit verify",
    ),
    ("audit verify", "upstra audit verify"),
    ("backup", "upstra backup --out /var/backups/upstra.db"),
    (
        "ssh",
        "upstra ssh esx-01\n  upstra ssh esx-01 --user root -i ~/.ssh/lab_ed25519",
    ),
    (
        "completions",
        "upstra completions bash > /etc/bash_completion.d/upstra",
    ),
    ("man", "upstra man | man -l -"),
];

/// The command line `upstra` parses: [`Cli`]'s, with the examples and the lab file's
/// documentation on `apply`.
pub fn command() -> Command {
    with_examples(Cli::command(), "")
}

fn with_examples(mut cmd: Command, path: &str) -> Command {
    if let Some((_, text)) = EXAMPLES.iter().find(|(p, _)| *p == path) {
        let examples = format!("Examples:\n  {text}");
        let long = match (path, cmd.get_after_long_help()) {
            ("apply", _) => format!("{}\n\n{examples}", super::lab_help::apply_long_help()),
            (_, Some(long)) => format!("{long}\n\n{examples}"),
            (_, None) => examples.clone(),
        };
        cmd = cmd.after_help(examples).after_long_help(long);
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    for name in names {
        let sub_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        cmd = cmd.mut_subcommand(&name, |sub| with_examples(sub, &sub_path));
    }
    cmd
}
