//! Where the command line's output goes: logs to stderr, lines for people and scripts to
//! stdout, and never a panic or a changed exit status when either is a closed pipe.
//!
//! Rust ignores SIGPIPE, so writing to a pipe whose reader is gone (`wxbot serve | head -1`)
//! fails with `EPIPE` instead of killing the process. `println!`/`eprintln!` panic on that
//! error, and tracing-subscriber's fmt layer answers a failed write with an `eprintln!` of its
//! own: a panic in an actix worker drops the request it was serving, and one in the shutdown
//! task leaves the server running after SIGTERM. Everything the binary writes goes through
//! here instead, and a write that fails is dropped.

use std::fmt;
use std::io::{self, IsTerminal as _, Write};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Logs go to stderr; `RUST_LOG` sets the level (default `info`). A log line that cannot be
/// written is lost, and nothing else happens.
pub(crate) fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Stderr)
        .with_ansi(io::stderr().is_terminal())
        // On a failed write the layer would `eprintln!`, which panics on a closed stderr.
        .log_internal_errors(false)
        .init();
}

/// A line on stdout; a failure to write it is ignored.
pub(crate) fn out(line: fmt::Arguments<'_>) {
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
}

/// A line on stderr; a failure to write it is ignored.
pub(crate) fn err(line: fmt::Arguments<'_>) {
    let _ = writeln!(Lossy(io::stderr().lock()), "{line}");
}

/// stderr for tracing-subscriber, through [`Lossy`].
#[derive(Debug, Clone, Copy)]
struct Stderr;

impl<'a> MakeWriter<'a> for Stderr {
    type Writer = Lossy<io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        Lossy(io::stderr())
    }
}

/// A writer whose writes always succeed: what the inner writer refuses is dropped.
#[derive(Debug)]
struct Lossy<W>(W);

impl<W: Write> Write for Lossy<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = self.0.write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails as a closed pipe does.
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }

        fn flush(&mut self) -> io::Result<()> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_closed_pipe_is_not_an_error() {
        let mut lossy = Lossy(ClosedPipe);
        assert!(lossy.write_all(b"a log line\n").is_ok());
        assert!(writeln!(lossy, "{}", 42).is_ok());
        assert!(lossy.flush().is_ok());
    }
}
