//! Confirming an action that stops, moves or trusts something. The operator types the exact
//! name of the target, so a slip of the shell history cannot power off the wrong server.
//!
//! - `--yes`: no question;
//! - a terminal on standard input: ask, and go on only if the typed name matches;
//! - anything else (a script, a pipe): refuse and say to add `--yes`, so a script never hangs
//!   on a question nobody will answer.

use std::io::{self, BufRead, IsTerminal, Write};

use crate::error::CliError;

/// What is about to happen, for the question.
#[derive(Debug, Clone, Copy)]
pub struct Confirm<'a> {
    /// The action in words: "power off server esx-a1".
    pub action: &'a str,
    /// What the operator must type: the target's name.
    pub target: &'a str,
    /// A line shown before the question (a fingerprint to compare, a warning), if any.
    pub detail: Option<&'a str>,
}

/// Asks on the process's terminal unless `yes`.
pub fn confirm(what: Confirm<'_>, yes: bool) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    let stdin = io::stdin();
    let interactive = stdin.is_terminal();
    confirm_with(what, interactive, &mut stdin.lock(), &mut io::stderr())
}

/// [`confirm`] with its input and output given, for tests.
pub fn confirm_with(
    what: Confirm<'_>,
    interactive: bool,
    input: &mut impl BufRead,
    prompt: &mut impl Write,
) -> Result<(), CliError> {
    if !interactive {
        return Err(CliError::Usage(format!(
            "not confirmed: to {} without a terminal to ask on, add --yes",
            what.action
        )));
    }
    let asked = what
        .detail
        // The prompt names what it acts on, which may be a VM as vCenter names it.
        .map_or(Ok(()), |d| writeln!(prompt, "{}", super::shown_lines(d)))
        .and_then(|()| {
            write!(
                prompt,
                "This will {}. Type `{}` to go on: ",
                super::shown(what.action),
                super::shown(what.target)
            )
        })
        .and_then(|()| prompt.flush());
    if let Err(e) = asked {
        return Err(CliError::Failed(format!(
            "cannot ask for confirmation: {e}"
        )));
    }
    let mut line = String::new();
    input
        .read_line(&mut line)
        .map_err(|e| CliError::Failed(format!("cannot read the confirmation: {e}")))?;
    let typed = line.trim();
    if typed == what.target {
        return Ok(());
    }
    Err(CliError::Failed(if typed.is_empty() {
        "not confirmed: nothing was done".to_owned()
    } else {
        format!(
            "not confirmed: you typed `{typed}`, not `{}`; nothing was done",
            what.target
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFF: Confirm<'static> = Confirm {
        action: "power off server esx-a1",
        target: "esx-a1",
        detail: None,
    };

    fn ask(interactive: bool, typed: &str) -> (Result<(), CliError>, String) {
        let mut prompt = Vec::new();
        let result = confirm_with(OFF, interactive, &mut typed.as_bytes(), &mut prompt);
        (result, String::from_utf8(prompt).expect("utf-8"))
    }

    #[test]
    fn the_exact_name_confirms() {
        let (result, prompt) = ask(true, "esx-a1\n");
        assert!(result.is_ok());
        assert_eq!(
            prompt,
            "This will power off server esx-a1. Type `esx-a1` to go on: "
        );
    }

    #[test]
    fn anything_else_does_nothing() {
        let (result, _) = ask(true, "esx-a2\n");
        let err = result.expect_err("wrong name");
        assert_eq!(
            err.to_string(),
            "not confirmed: you typed `esx-a2`, not `esx-a1`; nothing was done"
        );
        assert_eq!(err.exit_code(), 1);
        let (result, _) = ask(true, "");
        assert_eq!(
            result.expect_err("end of input").to_string(),
            "not confirmed: nothing was done"
        );
    }

    #[test]
    fn without_a_terminal_it_says_to_add_yes() {
        let (result, prompt) = ask(false, "esx-a1\n");
        let err = result.expect_err("no terminal");
        assert_eq!(
            err.to_string(),
            "not confirmed: to power off server esx-a1 without a terminal to ask on, add --yes"
        );
        assert_eq!(err.exit_code(), 2);
        assert!(prompt.is_empty(), "nothing asked");
    }

    #[test]
    fn yes_asks_nothing() {
        assert!(confirm(OFF, true).is_ok());
    }
}
