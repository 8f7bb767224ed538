//! The `wxbot dev` command: start the playground, say where it is, optionally open a
//! browser, and stop everything on Ctrl-C or SIGTERM.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use super::playground::{Options, Playground};
use crate::cli::App;
use crate::config::{Config, ConfigError};
use crate::error::Error;
use crate::router::Router;
use crate::shutdown::shutdown_signal;

/// `wxbot dev`: starts the playground, prints `playground on http://127.0.0.1:PORT/` as the
/// first stdout line, optionally opens a browser, and runs until Ctrl-C or SIGTERM.
pub(crate) fn main<S: Clone + Send + Sync + 'static>(
    app: &App,
    router: fn() -> Router<S>,
    file: Option<&Path>,
    port: u16,
    open: bool,
) -> ExitCode {
    let config = match dev_config(file) {
        Ok(config) => config,
        Err(err) => {
            crate::logs::err(format_args!("{}: {err}", app.name()));
            return ExitCode::from(2);
        }
    };
    crate::cli::init_logs(&config);
    let options = Options::default()
        .port(port)
        .title(app.title.clone())
        .suggest(app.suggestions.clone());
    actix_web::rt::System::new().block_on(async move {
        let playground = match Playground::start(config, router(), &options) {
            Ok(playground) => playground,
            Err(err) => {
                crate::logs::err(format_args!("{}: {err}", app.name()));
                // As `serve`: configuration mistakes are 2, a failure to bind is 1.
                return match err {
                    Error::Io(_) => ExitCode::FAILURE,
                    _ => ExitCode::from(2),
                };
            }
        };
        if let Err(err) = announce(&playground) {
            crate::logs::err(format_args!("{}: stdout: {err}", app.name()));
            return ExitCode::FAILURE;
        }
        if open {
            open_browser(playground.url());
        }
        shutdown_signal().await;
        tracing::info!("stopping the playground");
        playground.stop().await;
        ExitCode::SUCCESS
    })
}

/// The configuration `wxbot dev` starts from: `file`, else `wxbot.toml` when it exists, else
/// the defaults. It is not checked here: [`Playground::start`] fills in a made-up account
/// where it has none (a new bot's `wxbot.toml` names none) and then checks the whole, as
/// `serve` would. The `WXBOT_…` variables apply to all three
/// (`WXBOT_SERVER__LATE_REPLY=retries wxbot dev`).
pub(crate) fn dev_config(file: Option<&Path>) -> Result<Config, ConfigError> {
    Config::read(file)
}

/// The first stdout line is the page's URL (tests and scripts read it, then may stop
/// reading); the rest is for people, and failing to print it stops nothing.
fn announce(playground: &Playground) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "playground on {}", playground.url())?;
    stdout.flush()?;
    let rest = format!(
        "  bot callback  {}\n  WeChat API    {} (emulator)\nCtrl-C stops it.\n",
        playground.callback_url(),
        playground.emulator().base_url()
    );
    let _ = stdout.write_all(rest.as_bytes());
    let _ = stdout.flush();
    Ok(())
}

/// Opens `url` in the desktop's browser; any failure is a warning, the playground runs on.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let spawned = Command::new(opener)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(err) => {
            tracing::warn!("cannot open a browser ({opener}: {err}); open {url} yourself");
            return;
        }
    };
    let url = url.to_owned();
    // Reaped on a thread of its own: a browser may take a while, and the server must not wait.
    std::thread::spawn(move || match child.wait() {
        Ok(status) if status.success() => {}
        Ok(status) => tracing::warn!("{opener} failed ({status}); open {url} yourself"),
        Err(err) => tracing::warn!("{opener} failed ({err}); open {url} yourself"),
    });
}
