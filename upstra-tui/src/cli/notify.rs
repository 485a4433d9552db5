//! `upstra notify`: the daemon's notification channels (admin).

use clap::{Args, Subcommand};

/// `upstra notify ...`.
#[derive(Debug, Subcommand)]
pub enum NotifyVerb {
    /// Send a test message to a channel now and print what its server answered.
    #[command(after_long_help = "\
Example:
  upstra notify test ops-hook
The channels are declared in upstrad.toml ([[notify.channel]]). Exits 1 when the message was
not delivered, with the server's answer or the error.")]
    Test(NotifyTestArgs),
    /// Recent deliveries and failures: when, channel, event, state, attempts, answer.
    #[command(after_long_help = "\
Example:
  upstra notify list --limit 20")]
    List(NotifyListArgs),
}

#[derive(Debug, Args)]
pub struct NotifyTestArgs {
    /// The channel's name, as in upstrad.toml.
    pub name: String,
    /// Print the API's JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct NotifyListArgs {
    /// Print the API's JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// How many, newest first (at most 1000).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,
}
