//! The command line of every bot: `serve [--config FILE]` and `dev` (the playground), named
//! and versioned after the bot's own crate ([`App`]); the `wxbot` binary adds `new`.

mod app;
mod platform;
mod scaffold;

pub use app::App;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{HttpResponse, HttpServer, web};
use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

use crate::bot::Bot;
use crate::config::{Config, LogFormat};
use crate::endpoint;
use crate::logs;
use crate::router::Router;
use crate::shutdown::shutdown_signal;

/// The commands every bot has; `about`, name and version come from its [`App`] at run time.
#[derive(Debug, Parser)]
#[command(name = "wxbot")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the bot's callback endpoint, for WeChat to call.
    Serve {
        /// The config file [default: wxbot.toml in the working directory, when it exists].
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Run the local playground: the bot, a WeChat API emulator and a chat page.
    Dev {
        /// The config file [default: wxbot.toml when it exists; a made-up account fills
        /// what it leaves out].
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The port on 127.0.0.1; 0 picks a free one.
        #[arg(long, default_value_t = crate::dev::DEFAULT_PORT)]
        port: u16,
        /// Open the page in the desktop's browser.
        #[arg(long)]
        open: bool,
    },
    /// Push, show or delete the account's custom menu ([menu] in the config).
    Menu {
        #[command(subcommand)]
        action: platform::MenuAction,
        /// The config file [default: wxbot.toml in the working directory, when it exists].
        #[arg(long, value_name = "FILE", global = true)]
        config: Option<PathBuf>,
    },
    /// Create a QR code whose follows and scans carry SCENE (a number or a string), and
    /// print its image URL.
    Qr {
        /// The scene: 1 to 100000 or a string of up to 64 bytes (any positive 32-bit
        /// number with --expire).
        scene: String,
        /// Make a temporary code living SECS seconds (at most 2592000, 30 days); without
        /// it, a permanent one.
        #[arg(long, value_name = "SECS")]
        expire: Option<u64>,
        /// The config file [default: wxbot.toml in the working directory, when it exists].
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

/// Runs the command line for `app`, with the bot `router` builds (see [`App::run`]).
pub(crate) fn main<S: Clone + Send + Sync + 'static>(
    app: &App,
    router: fn() -> Router<S>,
) -> ExitCode {
    let matches = command(app).get_matches();
    if let Some(("new", _)) = matches.subcommand() {
        return scaffold::main(app, &matches);
    }
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit());
    // Each command starts the log once its configuration says in which format.
    match cli.command {
        Command::Serve { config } => serve_command(app, config.as_deref(), router),
        Command::Dev { config, port, open } => {
            crate::dev::main(app, router, config.as_deref(), port, open)
        }
        Command::Menu { action, config } => platform::menu(app, action, config.as_deref()),
        Command::Qr {
            scene,
            expire,
            config,
        } => platform::qr(app, &scene, expire, config.as_deref()),
    }
}

/// The command line as `app` shows it: its name, version and about; `new` when it scaffolds.
fn command(app: &App) -> clap::Command {
    let mut command = Cli::command();
    if app.scaffolding {
        command = scaffold::New::augment_subcommands(command);
    }
    // After the subcommands: the derive gives the parent command an `about` of its own.
    command
        .name(app.name)
        .bin_name(app.name)
        .version(app.version)
        .about(app.about)
}

/// `serve`: loads and checks everything before binding, then serves until stopped.
fn serve_command<S: Clone + Send + Sync + 'static>(
    app: &App,
    config: Option<&Path>,
    router: fn() -> Router<S>,
) -> ExitCode {
    let name = app.name;
    // Read before the log starts, to know its format; a config that cannot be read is
    // reported in plain text. `Bot::new` validates it, under the chosen format.
    let config = match Config::read(config) {
        Ok(config) => config,
        Err(err) => {
            logs::err(format_args!("{name}: {err}"));
            return ExitCode::from(2);
        }
    };
    init_logs(&config);
    let bot = match Bot::new(&config, router()) {
        Ok(bot) => bot,
        Err(err) => {
            logs::err(format_args!("{name}: {err}"));
            return ExitCode::from(2);
        }
    };
    let system = actix_web::rt::System::new();
    if let Err(err) = system.block_on(bot.connect()) {
        logs::err(format_args!("{name}: {err}"));
        return ExitCode::from(2);
    }
    match system.block_on(serve(bot)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            logs::err(format_args!("{name}: server: {err}"));
            ExitCode::FAILURE
        }
    }
}

/// Starts the log on stderr in `server.log_format`.
pub(crate) fn init_logs(config: &Config) {
    let json = config.server.log_format == LogFormat::Json;
    logs::init(json);
    // A number is what a JSON log's readers sum and chart; people read `1.2ms`.
    endpoint::latency_in_ms(json);
}

/// Binds `server.bind`, prints `listening on http://ADDR:PORT` as the first stdout line, and
/// serves until Ctrl-C or SIGTERM (see [`serve_until`]).
pub(crate) async fn serve<S: Clone + Send + Sync + 'static>(bot: Bot<S>) -> std::io::Result<()> {
    serve_until(bot, shutdown_signal()).await
}

/// Serves until `shutdown` completes, then shuts down without losing replies: it stops
/// accepting connections, waits up to `server.shutdown_timeout_secs` for replies still on
/// their way through customer service (logging any it abandons), and returns.
pub(crate) async fn serve_until<S: Clone + Send + Sync + 'static>(
    bot: Bot<S>,
    shutdown: impl Future<Output = ()> + 'static,
) -> std::io::Result<()> {
    let addr = bot.config().server.bind_addr()?;
    let ops = ops_server(&bot)?;
    let factory = bot.clone();
    // The operator's endpoints sit beside the callback unless they have an address of their own.
    let ops_here = ops.is_none();
    let server = HttpServer::new(move || {
        // The endpoint logs its own requests; other paths get a logged 404.
        actix_web::App::new()
            .configure(endpoint::configure(factory.clone()))
            .configure(|cfg| {
                if ops_here {
                    endpoint::ops(factory.clone())(cfg);
                }
            })
            .default_service(web::route().to(HttpResponse::NotFound).wrap(Condition::new(
                endpoint::logging(),
                from_fn(endpoint::log_request),
            )))
    })
    .disable_signals()
    .shutdown_timeout(5)
    .bind(addr)
    .map_err(|err| std::io::Error::new(err.kind(), format!("cannot bind {addr}: {err}")))?;
    let bound = server.addrs().first().copied().unwrap_or(addr);
    // Scripts read this line and may close the pipe after it: serving goes on regardless.
    logs::out(format_args!("listening on http://{bound}"));
    tracing::info!(%bound, path = %bot.config().server.path, "serving");
    let ops_handle = ops.map(|(ops, bound)| {
        logs::out(format_args!("ops on http://{bound}"));
        let handle = ops.handle();
        actix_web::rt::spawn(ops);
        handle
    });
    let server = server.run();
    let limit = Duration::from_secs(bot.config().server.shutdown_timeout_secs);
    // Late replies run here, on the main runtime, which outlives the workers.
    bot.run_late_work_on(tokio::runtime::Handle::current());
    let stopping = stop_on(shutdown, server.handle(), ops_handle, bot.clone(), limit);
    actix_web::rt::spawn(stopping);
    server.await?;
    // Requests on open connections during the graceful stop may have left late work too.
    let abandoned = bot.drain(limit).await;
    if abandoned > 0 {
        tracing::warn!(abandoned, "late replies abandoned at shutdown");
    }
    Ok(())
}

/// Once `shutdown` completes: stop accepting, wait up to `limit` for late replies, then stop
/// the callback's server and the operator's.
async fn stop_on<S: Clone + Send + Sync + 'static>(
    shutdown: impl Future<Output = ()>,
    server: ServerHandle,
    ops: Option<ServerHandle>,
    bot: Bot<S>,
    limit: Duration,
) {
    shutdown.await;
    tracing::info!("shutting down: no new connections; waiting for late replies");
    server.pause().await;
    bot.drain(limit).await;
    server.stop(true).await;
    if let Some(ops) = ops {
        ops.stop(true).await;
    }
}

/// The server of `/healthz`, `/readyz` and `/metrics` on `server.ops_bind`, bound (with the
/// address it got), when that is set.
fn ops_server<S: Clone + Send + Sync + 'static>(
    bot: &Bot<S>,
) -> std::io::Result<Option<(actix_web::dev::Server, std::net::SocketAddr)>> {
    let ops_bind = &bot.config().server.ops_bind;
    if ops_bind.is_empty() {
        return Ok(None);
    }
    let factory = bot.clone();
    let server =
        HttpServer::new(move || actix_web::App::new().configure(endpoint::ops(factory.clone())))
            .workers(1)
            .disable_signals()
            .bind(ops_bind.as_str())
            .map_err(|err| {
                std::io::Error::new(
                    err.kind(),
                    format!("cannot bind server.ops_bind {ops_bind}: {err}"),
                )
            })?;
    let bound = server.addrs().first().copied();
    Ok(bound.map(|bound| (server.run(), bound)))
}

#[cfg(test)]
mod tests {
    use super::{App, command};

    #[test]
    fn a_bot_has_its_own_name_version_and_help() {
        let app = App::new("tea-shop", "1.2.3").about("Tea for the account's followers");
        let mut cli = command(&app);
        assert_eq!(cli.render_version(), "tea-shop 1.2.3\n");
        let help = cli.render_help().to_string();
        assert!(
            help.starts_with("Tea for the account's followers"),
            "{help}"
        );
        assert!(help.contains("Usage: tea-shop <COMMAND>"), "{help}");
        assert!(!help.contains("wxbot"), "{help}");
        // `new` is the wxbot binary's alone.
        assert!(cli.find_subcommand("new").is_none());
        let scaffolding = command(&app.with_new_command());
        assert!(scaffolding.find_subcommand("new").is_some());
    }

    #[test]
    fn an_empty_description_keeps_the_default_about() {
        let help = command(&App::new("bot", "0.1.0").about(" ")).render_help();
        assert!(
            help.to_string()
                .starts_with("A WeChat Official Account bot")
        );
    }
}
