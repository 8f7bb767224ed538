//! The crate's [`Error`]: what can stop a bot from starting or serving.

/// Everything that can stop a bot from starting or serving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid; every problem is listed.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The router has routes that can never run, or bad patterns.
    #[error(transparent)]
    Router(#[from] crate::router::RouterError),
    /// The configured store cannot be reached: one line naming `store.url`.
    #[error("{0}")]
    Store(String),
    /// The server could not bind or run.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// A crate-wide result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
