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
use std::sync::atomic::{AtomicBool, Ordering};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime as _, SystemTime};

/// Whether [`init`] chose JSON: [`err`]'s lines follow suit.
static JSON: AtomicBool = AtomicBool::new(false);

/// Logs go to stderr, one line of text per event, or one JSON object per line when `json`;
/// `RUST_LOG` sets the level (default `info`). A log line that cannot be written is lost, and
/// nothing else happens.
pub(crate) fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // On a failed write the layer would `eprintln!`, which panics on a closed stderr: hence
    // `log_internal_errors(false)` in both.
    let installed = if json {
        tracing_subscriber::fmt()
            .json()
            // The event's fields at the top (`method`, `status`…), as collectors index them;
            // the request's span (its `request_id`) under `span`.
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .with_writer(Stderr)
            .log_internal_errors(false)
            .try_init()
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(Stderr)
            .with_ansi(io::stderr().is_terminal())
            .log_internal_errors(false)
            .try_init()
    };
    // Only the first call installs: a second (a bot calling `run` twice) keeps the first's.
    if installed.is_ok() {
        JSON.store(json, Ordering::Relaxed);
    }
}

/// A line on stdout; a failure to write it is ignored.
pub(crate) fn out(line: fmt::Arguments<'_>) {
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
}

/// A line on stderr, whatever `RUST_LOG` says (a refusal to start must be seen); once
/// [`init`] chose JSON, a JSON object as the log's own `ERROR` lines are. A failure to write
/// it is ignored.
pub(crate) fn err(line: fmt::Arguments<'_>) {
    let mut stderr = Lossy(io::stderr().lock());
    let _ = if JSON.load(Ordering::Relaxed) {
        writeln!(stderr, "{}", json_line(&line.to_string()))
    } else {
        writeln!(stderr, "{line}")
    };
}

/// `message` as the JSON layer writes an `ERROR` event: timestamp, level, message, target.
fn json_line(message: &str) -> String {
    let mut timestamp = String::new();
    let _ = SystemTime.format_time(&mut Writer::new(&mut timestamp));
    serde_json::json!({
        "timestamp": timestamp,
        "level": "ERROR",
        "message": message,
        "target": "wxbot",
    })
    .to_string()
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
    fn an_error_line_in_json_is_one_object() {
        let line = json_line("wxbot: config: server.bind \"x\" has no port");
        assert!(!line.contains('\n'));
        let value: serde_json::Value = serde_json::from_str(&line).expect("json");
        assert_eq!(value["level"], "ERROR");
        assert_eq!(
            value["message"],
            "wxbot: config: server.bind \"x\" has no port"
        );
        assert!(
            value["timestamp"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z'))
        );
    }

    #[test]
    fn a_closed_pipe_is_not_an_error() {
        let mut lossy = Lossy(ClosedPipe);
        assert!(lossy.write_all(b"a log line\n").is_ok());
        assert!(writeln!(lossy, "{}", 42).is_ok());
        assert!(lossy.flush().is_ok());
    }
}
