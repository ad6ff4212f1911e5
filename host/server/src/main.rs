//! The `exthost` command: `exthost serve` runs the platform; `exthost seed`
//! fills a database with demo data; `exthost plugin check` inspects a component.

use anyhow::Context;
use clap::{Parser, Subcommand};
use exthost::config::Config;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "exthost",
    version,
    about = "A WebAssembly extension host for a customer-engagement platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the platform (admin API, request pipeline, built-in extensions).
    Serve {
        /// A TOML config file; EXTHOST_* environment variables override it.
        #[arg(long, env = "EXTHOST_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Fill the database with realistic data for demos and benchmarks, the
    /// same rows for the same seed (into an empty database).
    Seed {
        /// A TOML config file naming the database; EXTHOST_* variables override it.
        #[arg(long, env = "EXTHOST_CONFIG")]
        config: Option<PathBuf>,
        /// The database, instead of the configured one.
        #[arg(long)]
        database: Option<String>,
        /// How many threads.
        #[arg(long, default_value_t = 1_000)]
        threads: u64,
        /// Messages in each thread.
        #[arg(long, default_value_t = 10)]
        messages_per_thread: u64,
        /// Share of threads idle for more than 30 days.
        #[arg(long, default_value_t = 0.5)]
        idle_share: f64,
        /// The generator's seed: the same seed gives the same rows.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The clock the data is placed around, in unix milliseconds (default:
        /// now): with it, the same seed gives the same rows byte for byte.
        #[arg(long)]
        now: Option<i64>,
    },
    /// Work with extension components.
    Plugin {
        #[command(subcommand)]
        command: PluginCommand,
    },
}

#[derive(Subcommand)]
enum PluginCommand {
    /// Load a component and report what the contract sees, or why it is refused.
    Check {
        /// The component, e.g. target/wasm32-wasip2/release/my_extension.wasm.
        file: PathBuf,
    },
    /// Create a new extension project, and print the commands that build and install it.
    New {
        /// The extension's name: lower-case letters, digits and `-`, e.g. `hello-world`.
        name: String,
        /// The language: rust, python or js.
        #[arg(long)]
        lang: String,
        /// Where to create it (default: ./NAME); must not exist, or be empty.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// The hooks it exports, comma-separated: on-request, on-message, on-login, on-purge-tick.
        #[arg(long, value_delimiter = ',', default_value = "on-request")]
        hooks: Vec<String>,
        /// Rust: the plugins/sdk folder of an exthost checkout (default: this binary's own).
        #[arg(long)]
        sdk: Option<PathBuf>,
    },
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if std::env::var("EXTHOST_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing open requests");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_logging();
    let cli = Cli::parse();
    match cli.command {
        Command::Plugin {
            command: PluginCommand::Check { file },
        } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            match exthost::plugin_check::check(&bytes) {
                Ok(report) => print!("{report}"),
                Err(e) => {
                    eprintln!("{}: {e}", file.display());
                    std::process::exit(1);
                }
            }
        }
        Command::Plugin {
            command:
                PluginCommand::New {
                    name,
                    lang,
                    dir,
                    hooks,
                    sdk,
                },
        } => {
            let project = exthost::scaffold::NewProject {
                dir: dir.unwrap_or_else(|| PathBuf::from(&name)),
                name,
                lang: lang.parse()?,
                hooks,
                sdk,
            };
            match exthost::scaffold::create(&project) {
                Ok(next) => print!("{next}"),
                Err(e) => {
                    eprintln!("exthost plugin new: {e}");
                    std::process::exit(2);
                }
            }
        }
        Command::Seed {
            config,
            database,
            threads,
            messages_per_thread,
            idle_share,
            seed,
            now,
        } => {
            let mut config = Config::load(config.as_deref())?;
            if database.is_some() {
                config.database_url = database;
            }
            if !(0.0..=1.0).contains(&idle_share) {
                anyhow::bail!("--idle-share must be between 0 and 1, not {idle_share}");
            }
            let url = config.database_url();
            // A plain file path (the default is one, in the data dir): make its directory.
            if !url.contains(':')
                && let Some(dir) = std::path::Path::new(&url)
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let store = exthost::store::Store::open(&url).await?;
            let options = exthost::seed::SeedOptions {
                tenant: config.tenant.clone(),
                threads,
                messages_per_thread,
                idle_share,
                seed,
                now: now.unwrap_or_else(exthost::store::now_ms),
            };
            let started = std::time::Instant::now();
            let report = exthost::seed::seed(&store, &options)
                .await
                .context("seeding failed (the database must not already hold seeded rows)")?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            println!("seeded in {:.1} s", started.elapsed().as_secs_f64());
            store.close().await;
        }
        Command::Serve { config } => {
            let config = Config::load(config.as_deref())?;
            let running = exthost::server::start(config, shutdown_signal())
                .await
                .context("exthost could not start")?;
            if let Some(first) = &running.first_start {
                println!("First start: created the admin account.");
                println!("  email:    {}", first.email);
                println!(
                    "  password: {}  (shown once; change it after logging in)",
                    first.password
                );
                if let Some(token) = &first.token {
                    println!("  API token: {token}  (shown once)");
                    println!(
                        "  try: curl -H 'Authorization: Bearer {token}' http://{}/api/v1/extensions",
                        running.addr
                    );
                }
            }
            tracing::info!(addr = %running.addr, "exthost is serving");
            running.wait().await?;
        }
    }
    Ok(())
}
