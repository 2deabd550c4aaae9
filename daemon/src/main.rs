//! `spotterd`: parses flags and hands over to the library.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand, ValueEnum};
use spotter_daemon::{
    boot,
    config::{Config, Effective},
    crypto::{Key, KeyError, read_key_file, write_key_file},
    domains::admin::rotation::{
        discard_staged_key, install_new_key, rotate_encryption_key, settle_staged_key,
        stage_new_key,
    },
    lock::InstanceLock,
    logging, notify,
    store::Store,
    transport,
};
use spotter_proto::locations::Mode;
use tokio::signal::unix::{SignalKind, signal};

/// Exit status for an invalid configuration (distinct from runtime failures).
const EXIT_CONFIG: u8 = 2;

#[derive(Parser)]
#[command(
    name = "spotterd",
    version,
    about = "The spotter daemon: gRPC over a Unix socket, encrypted SQLite store"
)]
struct Cli {
    /// personal (per user, XDG directories) or system (systemd service).
    #[arg(
        long,
        value_enum,
        env = "SPOTTER_MODE",
        default_value = "personal",
        global = true
    )]
    mode: ModeArg,
    /// Configuration file (default: config.toml in the mode's config directory).
    #[arg(long, env = "SPOTTER_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Personal,
    System,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon (the default).
    Run,
    /// Print the effective configuration with secrets masked; exit non-zero if invalid.
    CheckConfig,
    /// Offline administration (the daemon must be stopped where noted).
    #[command(subcommand)]
    Admin(Admin),
}

#[derive(Subcommand)]
enum Admin {
    /// Re-seal every stored credential under a new key. The current key comes from the
    /// usual sources; the daemon must be stopped.
    RotateKey {
        /// File holding the new key (64 hex characters or base64 of 32 bytes).
        #[arg(long)]
        new_key_file: PathBuf,
    },
    /// Write a fresh random key to a new file (mode 0600).
    GenKey {
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    // Everything this process creates is private unless made otherwise on purpose
    // (the system-mode socket is chmod'ed to 0660 explicitly).
    rustix::process::umask(rustix::fs::Mode::from_bits_truncate(0o077));
    logging::install_panic_hook();
    let cli = Cli::parse();
    let mode = match cli.mode {
        ModeArg::Personal => Mode::Personal,
        ModeArg::System => Mode::System,
    };
    if let Some(Command::Admin(Admin::GenKey { out })) = &cli.command {
        return gen_key(out);
    }
    let config = match Config::load(mode, cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("spotterd: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    match cli.command.unwrap_or(Command::Run) {
        Command::CheckConfig => check_config(&config),
        Command::Run => {
            logging::init(&config.settings.log.level);
            runtime().block_on(run(config))
        }
        Command::Admin(Admin::RotateKey { new_key_file }) => {
            logging::init(&config.settings.log.level);
            runtime().block_on(rotate_key(config, new_key_file))
        }
        Command::Admin(Admin::GenKey { .. }) => unreachable!("handled above"),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

async fn run(config: Config) -> ExitCode {
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    // A daemon started from a terminal must outlive it.
    let mut hup = signal(SignalKind::hangup()).expect("SIGHUP handler");
    let running = match boot(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("spotterd: {e}");
            return ExitCode::FAILURE;
        }
    };
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => tracing::info!("SIGHUP ignored"),
        }
    }
    tracing::info!("shutting down (a second signal exits at once)");
    notify::stopping();
    let socket = running.socket_path().to_path_buf();
    let activated = running.activated();
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        tracing::warn!("second signal: exiting now");
        transport::remove(&socket, activated);
        std::process::exit(130);
    });
    running.shutdown().await;
    ExitCode::SUCCESS
}

fn check_config(config: &Config) -> ExitCode {
    print!("{}", Effective(config));
    match config.key_inputs.load_existing() {
        Ok((key, source)) => {
            println!("# encryption key: id {} from {source}", key.id());
            ExitCode::SUCCESS
        }
        Err(KeyError::Missing(_)) if config.mode == Mode::Personal => {
            let path = config
                .key_inputs
                .generated_key_path
                .as_ref()
                .map(|p| p.display().to_string());
            println!(
                "# encryption key: none yet; generated on first start at {}",
                path.unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("spotterd: {e}");
            ExitCode::from(EXIT_CONFIG)
        }
    }
}

fn gen_key(out: &std::path::Path) -> ExitCode {
    let key = Key::generate();
    match write_key_file(out, &key) {
        Ok(()) => {
            println!("wrote a new key (id {}) to {}", key.id(), out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("spotterd: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn rotate_key(config: Config, new_key_file: PathBuf) -> ExitCode {
    match try_rotate_key(config, new_key_file).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("spotterd: key rotation failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn try_rotate_key(config: Config, new_key_file: PathBuf) -> anyhow::Result<()> {
    let (old_key, source) = config.key_inputs.load_existing()?;
    let new_key = read_key_file(&new_key_file)?;
    let db = config.database_path();
    if !db.exists() {
        anyhow::bail!("no database at {}: nothing to rotate", db.display());
    }
    // Refuses while a daemon holds the database.
    let _lock = InstanceLock::acquire(&config.data_dir)?;
    let store = Store::open(&db).await?;
    // An earlier rotation cut short may have left the key in use staged beside the
    // key file: settle that first, as the daemon does at start.
    let current = settle_staged_key(&store, &source, old_key).await?;
    let old_id = current.primary_id();
    stage_new_key(&source, &new_key)?;
    let report = match rotate_encryption_key(&store, &current, &new_key).await {
        Ok(report) => report,
        Err(e) => {
            discard_staged_key(&source, &new_key);
            return Err(e.into());
        }
    };
    store.close().await;
    tracing::info!(old_key_id = %old_id, new_key_id = %new_key.id(), values = report.total(), "encryption key rotated");
    println!(
        "re-sealed {} values under key {} (was {old_id}):",
        report.total(),
        report.new_key_id,
    );
    for c in &report.columns {
        println!("  {}.{}: {}", c.table, c.column, c.resealed);
    }
    println!("{}", install_new_key(&source, &new_key)?);
    Ok(())
}
