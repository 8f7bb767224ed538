//! The `wxbot` command line: `serve [--config FILE]` and `dev` (the playground).

use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use clap::{Parser, Subcommand};

use crate::bot::Bot;
use crate::config::Config;
use crate::endpoint;
use crate::logs;
use crate::router::Router;
use crate::shutdown::shutdown_signal;

/// A WeChat Official Account bot.
#[derive(Debug, Parser)]
#[command(name = "wxbot", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the callback endpoint with the bot built from handlers/.
    Serve {
        /// The config file [default: wxbot.toml in the working directory, when it exists].
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Run the local playground: the bot, a WeChat API emulator and a chat page.
    Dev {
        /// The config file [default: wxbot.toml when it exists, else a made-up dev account].
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The port on 127.0.0.1; 0 picks a free one.
        #[arg(long, default_value_t = crate::dev::DEFAULT_PORT)]
        port: u16,
        /// Open the page in the desktop's browser.
        #[arg(long)]
        open: bool,
    },
}

/// Runs the command line with the bot's router; `main.rs` is one call to this.
///
/// Exit status: 0 after a clean shutdown, 2 for a usage or configuration error or a store
/// that cannot be reached (before binding), 1 when the server cannot bind or fails.
pub fn main<S: Clone + Send + Sync + 'static>(router: fn() -> Router<S>) -> ExitCode {
    let cli = Cli::parse();
    logs::init();
    match cli.command {
        Command::Serve { config } => {
            let bot = match Config::load(config.as_deref())
                .map_err(crate::Error::from)
                .and_then(|config| Bot::new(&config, router()))
            {
                Ok(bot) => bot,
                Err(err) => {
                    logs::err(format_args!("wxbot: {err}"));
                    return ExitCode::from(2);
                }
            };
            let system = actix_web::rt::System::new();
            if let Err(err) = system.block_on(bot.connect()) {
                logs::err(format_args!("wxbot: {err}"));
                return ExitCode::from(2);
            }
            match system.block_on(serve(bot)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    logs::err(format_args!("wxbot: server: {err}"));
                    ExitCode::FAILURE
                }
            }
        }
        Command::Dev { config, port, open } => {
            crate::dev::main(router, config.as_deref(), port, open)
        }
    }
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
    let factory = bot.clone();
    let server = HttpServer::new(move || {
        // The endpoint logs its own requests; other paths get a logged 404.
        App::new()
            .configure(endpoint::configure(factory.clone()))
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
    let server = server.run();
    let handle = server.handle();
    let limit = Duration::from_secs(bot.config().server.shutdown_timeout_secs);
    // Late replies run here, on the main runtime, which outlives the workers.
    bot.run_late_work_on(tokio::runtime::Handle::current());
    let draining = bot.clone();
    actix_web::rt::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: no new connections; waiting for late replies");
        handle.pause().await;
        draining.drain(limit).await;
        handle.stop(true).await;
    });
    server.await?;
    // Requests on open connections during the graceful stop may have left late work too.
    let abandoned = bot.drain(limit).await;
    if abandoned > 0 {
        tracing::warn!(abandoned, "late replies abandoned at shutdown");
    }
    Ok(())
}
