//! `upstra`: the Upstra console and scripting CLI. Everything lives in the library; this file
//! parses the command line, builds the runtime and turns the outcome into an exit code.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::FromArgMatches;
use upstra_tui::cli::Cli;
use upstra_tui::error::CliError;

fn main() -> ExitCode {
    // Usage errors exit with 2 and `--help` with 0, both printed by clap.
    let cli = Cli::from_arg_matches(&upstra_tui::cli::command().get_matches())
        .unwrap_or_else(|e| e.exit());
    let outcome = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(upstra_tui::commands::run(cli)),
        Err(e) => Err(CliError::Failed(format!(
            "cannot start the async runtime: {e}"
        ))),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e @ CliError::RemoteStatus(_)) => ExitCode::from(e.exit_code()),
        Err(e) => {
            // Errors quote names (a VM's, a file's problems); see `commands::shown_lines`.
            eprintln!(
                "error: {}",
                upstra_tui::commands::shown_lines(&e.to_string())
            );
            ExitCode::from(e.exit_code())
        }
    }
}
