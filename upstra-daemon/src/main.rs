//! `upstrad`: parse the command line, load the config, set up logging, open the store, bind the
//! socket and run until SIGTERM or SIGINT; SIGHUP reloads the config.

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use upstra_daemon::config::{self, Overrides};
use upstra_daemon::store::{KeySource, Store};
use upstra_daemon::{Error, exit, server};

/// The daemon's allocator. With glibc's, a sync of 10,000 VMs left its transient memory (the
/// inventory answer, its parse, the mapped records) spread over one arena per worker thread,
/// where freed chunks stay mapped: RSS grew from sync to sync to several times the live data.
/// mimalloc frees whole pages back to the system soon after they empty, so RSS follows what is
/// live (figures: `cargo bench -p upstra-daemon --bench memory`). Only the binary sets it: the
/// library, its tests and the console keep the system allocator.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Most worker threads the async runtime starts. Its default is one per core; the daemon's
/// work is waiting on peers and a few requests, and each worker keeps its own allocator pages
/// and stack, so on a large server the default cost memory for nothing. Password hashing and
/// the store run on threads of their own.
const MAX_RUNTIME_WORKERS: usize = 4;

fn runtime_workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, MAX_RUNTIME_WORKERS)
}

/// The Upstra daemon: owns the encrypted store and the lab, and serves the console.
#[derive(Parser, Debug)]
#[command(version, about, long_about = None, after_help = EXIT_CODES)]
struct Cli {
    /// Config file (default: /etc/upstra/upstrad.toml when it exists).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// The Unix socket to serve (wins over the config file and UPSTRA_SOCKET).
    #[arg(long, global = true, value_name = "PATH")]
    socket: Option<PathBuf>,
    /// Where the store and its key live (wins over the config file and UPSTRA_DATA_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate the configuration and print the effective values (secrets are never shown).
    CheckConfig,
    /// Put a backup from `upstra backup` in place of the store, the daemon stopped.
    Restore(RestoreArgs),
    /// Print the manual page upstrad(8), in roff (`upstrad man > upstrad.8`).
    #[command(hide = true)]
    Man,
}

/// `upstrad restore`: into --data-dir (or the configured data directory).
#[derive(clap::Args, Debug)]
#[command(after_help = "\
The backup is copied next to the store and checked with the key before anything is replaced.
Every session in it is ended. Files it replaces are renamed aside (*.before-restore-*), never
deleted. Exit codes: 0 restored, 1 the backup is damaged or unreadable, 2 the directory holds a
store (add --force), 3 no key opens it, 4 a daemon is still running.")]
struct RestoreArgs {
    /// The backup file `upstra backup --out` wrote.
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    /// The store key the backup was taken under (default: store.key in the data directory,
    /// or the systemd credential). It is installed as the data directory's key.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// Replace the store already in the data directory.
    #[arg(long)]
    force: bool,
    /// The backup was taken with `upstra backup --passphrase-stdin`: read that passphrase from
    /// the first line of standard input. The restored store is put under the key (--key, the
    /// data directory's, or a new one made there when there is none).
    #[arg(long)]
    passphrase_stdin: bool,
}

/// Longest passphrase line read: the daemon's bound on passwords.
const MAX_PASSPHRASE_BYTES: u64 = upstra_core::bounds::PASSWORD as u64;

/// The passphrase on the first line of standard input, without its line ending.
fn read_passphrase() -> Result<upstra_core::secret::Secret, String> {
    use std::io::{BufRead, Read};
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .take(MAX_PASSPHRASE_BYTES + 1)
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the passphrase from standard input: {e}"))?;
    if line.len() as u64 > MAX_PASSPHRASE_BYTES {
        return Err(format!(
            "the passphrase on standard input is longer than {MAX_PASSPHRASE_BYTES} bytes"
        ));
    }
    let text = line.trim_end_matches(['\n', '\r']);
    if text.is_empty() {
        return Err("the passphrase on standard input is empty".into());
    }
    Ok(upstra_core::secret::Secret::new(text))
}

const EXIT_CODES: &str = "Exit codes:
  0  stopped cleanly (also after SIGTERM or SIGINT)
  1  runtime failure (socket, I/O)
  2  bad command line or configuration
  3  the store cannot be unlocked: its key is missing, unreadable or wrong
  4  another upstrad already serves the socket";

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before the config is read: building the page needs none, and a packager runs it on a
    // machine without one.
    if let Some(Command::Man) = cli.command {
        return print_man_page();
    }
    let env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("UPSTRA_"))
        .collect();
    let overrides = Overrides {
        socket: cli.socket.clone(),
        data_dir: cli.data_dir.clone(),
    };
    // Resolved once: a reload reads the file the daemon started with.
    let source = upstra_daemon::reload::Source {
        file: config::file_to_read(cli.config.as_deref()),
        env,
        overrides,
    };
    let config = match config::load(source.file.as_deref(), &source.env, &source.overrides) {
        Ok(c) => c,
        Err(e) => return fail(&Error::Config(e)),
    };
    let credentials = std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from);
    let key_source = KeySource::locate(&config.data_dir, credentials.as_deref());
    match &cli.command {
        Some(Command::CheckConfig) => {
            print!("{}", config.to_toml(&key_source.describe()));
            return ExitCode::SUCCESS;
        }
        Some(Command::Restore(args)) => return restore(&config, args, credentials),
        Some(Command::Man) | None => {}
    }
    let log = init_tracing(&config.log);
    server::raise_descriptor_limit();
    // Before the runtime's threads exist: taking the socket unsets LISTEN_PID and LISTEN_FDS.
    let passed = match server::take_passed() {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(runtime_workers())
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("upstrad: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILURE as u8);
        }
    };
    let result = runtime.block_on(serve(config, key_source, passed, source, log));
    // Dropping the runtime drops the tasks still holding a store handle; the last one joins
    // the store thread, so the connection is closed before the process runs its exit handlers.
    drop(runtime);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

async fn serve(
    config: config::Config,
    key_source: KeySource,
    passed: Option<std::os::unix::net::UnixListener>,
    source: upstra_daemon::reload::Source,
    log: upstra_daemon::reload::LogFilter,
) -> Result<(), Error> {
    // Handlers first: a SIGTERM that arrives right after READY must drain, not kill, and a
    // SIGHUP must reload, not end the process (its default action).
    let signal_error = |source| Error::Socket {
        path: config.socket.clone(),
        source,
    };
    let shutdown = shutdown_signal().map_err(signal_error)?;
    let hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .map_err(signal_error)?;
    let reloader = upstra_daemon::reload::Reloader {
        hangups,
        source,
        log,
    };
    let store = Store::open(&config.data_dir, &key_source)?;
    let group = config.socket_group.as_deref();
    // A passed socket belongs to the service manager, which keeps it across restarts: the
    // daemon must not remove its file when it stops. A socket it bound itself, it removes.
    let (listener, own_socket) = match passed {
        Some(passed) => {
            let (listener, path) = server::adopt(passed, &config.socket, group)?;
            tracing::info!(socket = %path.display(), data_dir = %config.data_dir.display(), "listening on the socket passed by the service manager");
            (listener, None)
        }
        None => {
            let listener = server::bind(&config.socket, group)?;
            tracing::info!(socket = %config.socket.display(), data_dir = %config.data_dir.display(), "listening");
            (listener, Some(config.socket.clone()))
        }
    };
    if std::env::var_os("NOTIFY_SOCKET").is_some()
        && let Err(e) = sd_notify::notify(&[sd_notify::NotifyState::Ready])
    {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
    let result =
        upstra_daemon::run_reloadable(config, store, listener, shutdown, Some(reloader)).await;
    // Leave no stale socket behind for the next start to clean up.
    if let Some(socket) = own_socket {
        let _ = std::fs::remove_file(&socket);
    }
    result
}

/// Registers SIGTERM and SIGINT now and returns a future that completes on either.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received"),
            _ = int.recv() => tracing::info!("SIGINT received"),
        }
    })
}

/// The filter in force for the config's `log`: tarpc warns of every connection that ends with
/// an error, the ones the daemon closes to protect itself included, so connection churn from
/// anyone on the socket would become log lines. The daemon logs what it closes and why
/// itself; name tarpc to see its own.
fn effective_filter(log: &str) -> String {
    if log.contains("tarpc") {
        log.to_owned()
    } else {
        format!("{log},tarpc=error")
    }
}

/// Logs to stderr with the config's filter (checked when the config was read); returns what
/// puts a new filter in force, for a reload.
fn init_tracing(filter: &str) -> upstra_daemon::reload::LogFilter {
    let filter = effective_filter(filter);
    let filter = tracing_subscriber::EnvFilter::try_new(&filter).unwrap_or_else(|e| {
        eprintln!("upstrad: log filter `{filter}` is invalid ({e}); using `info`");
        tracing_subscriber::EnvFilter::new("info")
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(upstra_daemon::logline::Escaping(std::io::stderr))
        // Never colours, terminal or not: stderr is the journal under systemd, and on a
        // terminal the escaping writer would show each colour code as text (`\e[2m`), since
        // it cannot tell the formatter's ESC from one a peer put in a field.
        .with_ansi(false)
        // Last: the reload handle's type names the layers below it.
        .with_filter_reloading();
    let handle = builder.reload_handle();
    builder.init();
    Box::new(move |log: &str| {
        let filter = tracing_subscriber::EnvFilter::try_new(effective_filter(log))
            .map_err(|e| e.to_string())?;
        handle.reload(filter).map_err(|e| e.to_string())
    })
}

fn restore(config: &config::Config, args: &RestoreArgs, credentials: Option<PathBuf>) -> ExitCode {
    let passphrase = if args.passphrase_stdin {
        match read_passphrase() {
            Ok(p) => Some(p),
            Err(e) => {
                eprintln!("upstrad restore: {e}");
                return ExitCode::from(exit::CONFIG as u8);
            }
        }
    } else {
        None
    };
    let req = upstra_daemon::restore::Restore {
        from: args.from.clone(),
        data_dir: config.data_dir.clone(),
        key: args.key.clone(),
        force: args.force,
        socket: config.socket.clone(),
        credentials,
        passphrase,
    };
    match upstra_daemon::restore::run(&req) {
        Ok(done) => {
            print!("{done}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("upstrad restore: {e}");
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(exit::FAILURE as u8))
        }
    }
}

fn print_man_page() -> ExitCode {
    use clap::CommandFactory;
    use std::io::Write;
    let written = upstra_daemon::man_page::render(Cli::command())
        .and_then(|page| std::io::stdout().lock().write_all(&page));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("upstrad man: cannot write the manual page: {e}");
            ExitCode::from(exit::FAILURE as u8)
        }
    }
}

fn fail(e: &Error) -> ExitCode {
    eprintln!("upstrad: {e}");
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(exit::FAILURE as u8))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
        assert_eq!(exit::STORE_LOCKED, 3);
    }

    /// upstrad(8) is generated from this command: every command and long flag an operator
    /// can type is on it, and `man`, which only a packager runs, is not.
    #[test]
    fn the_manual_page_names_every_command_and_long_flag() {
        let page = upstra_daemon::man_page::render(Cli::command()).unwrap();
        // roff writes a hyphen-minus as `\-`.
        let page = String::from_utf8(page).unwrap().replace("\\-", "-");
        let mut cli = Cli::command();
        cli.build();
        let long_flags = |cmd: &clap::Command| -> Vec<String> {
            cmd.get_arguments()
                .filter_map(|a| a.get_long())
                .map(|l| format!("--{l}"))
                .collect()
        };
        for flag in long_flags(&cli) {
            assert!(page.contains(&flag), "{flag} is missing:\n{page}");
        }
        let mut commands = 0;
        for sub in cli.get_subcommands() {
            let heading = format!(".SS \"upstrad {}\"", sub.get_name());
            if sub.is_hide_set() || sub.get_name() == "help" {
                assert!(!page.contains(&heading), "{heading} is hidden:\n{page}");
                continue;
            }
            commands += 1;
            assert!(page.contains(&heading), "{heading} is missing:\n{page}");
            for flag in long_flags(sub) {
                assert!(page.contains(&flag), "{flag} is missing:\n{page}");
            }
        }
        assert_eq!(commands, 2, "check-config and restore:\n{page}");
    }
}
