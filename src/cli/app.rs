//! [`App`]: who the binary says it is (name, version, help, playground title), and the
//! [`app!`](crate::app) and [`run!`](crate::run) macros that fill it in from the caller's crate.

use std::process::ExitCode;

use crate::router::Router;

/// A bot's binary: its name, version and help text on the command line, and its title and
/// suggested messages in the playground. [`run`](Self::run) is a whole `main`.
///
/// [`app!`](crate::app) makes one from the calling crate's `Cargo.toml`, so a bot is
/// `my-bot 0.3.0` in `--version` and "my-bot" on the playground's chat bar, not wxbot:
///
/// ```no_run
/// use wxbot::prelude::*;
///
/// async fn hello(_: Text) -> &'static str { "Hello!" }
///
/// fn main() -> std::process::ExitCode {
///     wxbot::app!()
///         .title("Tea shop")
///         .suggest(["hello", "menu"])
///         .run(|| Router::new().text_exact("hello", hello))
/// }
/// ```
#[derive(Debug, Clone)]
pub struct App {
    pub(crate) name: &'static str,
    pub(crate) version: &'static str,
    pub(crate) about: &'static str,
    pub(crate) title: String,
    pub(crate) suggestions: Vec<String>,
    pub(crate) scaffolding: bool,
}

impl App {
    /// An app named `name` at `version`; the playground's title is its name. Usually made by
    /// [`app!`](crate::app), which passes the crate's own.
    pub fn new(name: &'static str, version: &'static str) -> Self {
        Self {
            name,
            version,
            about: "A WeChat Official Account bot",
            title: name.to_owned(),
            suggestions: Vec::new(),
            scaffolding: false,
        }
    }

    /// The one-line description `--help` starts with (an empty one keeps the default).
    #[must_use]
    pub fn about(mut self, about: &'static str) -> Self {
        if !about.trim().is_empty() {
            self.about = about;
        }
        self
    }

    /// The account's name on the playground's chat bar (default: the app's name).
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Messages the playground suggests trying, e.g. the bot's keywords.
    #[must_use]
    pub fn suggest<I, T>(mut self, messages: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.suggestions = messages.into_iter().map(Into::into).collect();
        self
    }

    /// Adds the `new NAME` command, which writes a ready crate for a bot of one's own: the
    /// `wxbot` binary has it, a user's bot has no use for it.
    #[doc(hidden)]
    #[must_use]
    pub fn with_new_command(mut self) -> Self {
        self.scaffolding = true;
        self
    }

    /// The app's name, as `--version` prints it.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Runs the command line (`serve`, `dev`) with the bot's router: the whole of `main`.
    ///
    /// Exit status: 0 after a clean shutdown, 2 for a usage or configuration error or a store
    /// that cannot be reached (before binding), 1 when the server cannot bind or fails.
    pub fn run<S: Clone + Send + Sync + 'static>(self, router: fn() -> Router<S>) -> ExitCode {
        super::main(&self, router)
    }
}

/// An [`App`] named, versioned and described from the calling crate's `Cargo.toml`.
#[macro_export]
macro_rules! app {
    () => {
        $crate::App::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            .about(env!("CARGO_PKG_DESCRIPTION"))
    };
}

/// The whole of a bot's `main`: the command line (`serve`, `dev`, `--help`, `--version`) under
/// the calling crate's name and version, around the router `router` builds.
///
/// ```no_run
/// use wxbot::prelude::*;
///
/// async fn echo(text: Text) -> String { text.content }
///
/// fn main() -> std::process::ExitCode {
///     wxbot::run!(|| Router::new().on(echo))
/// }
/// ```
///
/// It is [`app!`](crate::app)`().run(router)`; use that to set a playground title or
/// suggestions.
#[macro_export]
macro_rules! run {
    ($router:expr $(,)?) => {
        $crate::app!().run($router)
    };
}
