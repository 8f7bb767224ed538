//! A real `redis-server` per test: its own free loopback port and folder, no persistence,
//! stopped (and its folder removed) on drop. `stop` and `resume` take it away and bring it
//! back, empty, on the same port, as an outage would. `command` speaks RESP over a raw
//! socket, so a test can look at the keys a store left behind.
//!
//! The binary is Debian's `redis-server` (scripts/test installs it); a missing one fails
//! the test, never skips it.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::TempDir;

/// How long a server has to answer PING after it is started.
const STARTUP: Duration = Duration::from_secs(10);
/// How often PING is tried while it starts.
const POLL: Duration = Duration::from_millis(10);
/// How long one command may take (connect, write, reply).
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// One RESP (v2) reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resp {
    /// `+OK`: a simple string.
    Simple(String),
    /// `-ERR ...`: an error, its text without the `-`.
    Error(String),
    /// `:42`: an integer.
    Int(i64),
    /// `$3 abc`: a bulk string; `None` for nil (`$-1`, and the nil array `*-1`).
    Bulk(Option<Vec<u8>>),
    /// `*2 ...`: an array of replies.
    Array(Vec<Self>),
}

impl Resp {
    /// A bulk string reply holding `text`, to compare replies with.
    pub fn bulk(text: &str) -> Self {
        Self::Bulk(Some(text.as_bytes().to_vec()))
    }

    /// The text of a simple or (non-nil) bulk string, lossily decoded; `None` otherwise.
    pub fn text(&self) -> Option<String> {
        match self {
            Self::Simple(text) => Some(text.clone()),
            Self::Bulk(Some(bytes)) => Some(String::from_utf8_lossy(bytes).into_owned()),
            _ => None,
        }
    }

    /// The value of an integer reply; `None` otherwise.
    pub fn int(&self) -> Option<i64> {
        match self {
            Self::Int(value) => Some(*value),
            _ => None,
        }
    }

    /// The texts of an array reply's strings, sorted (as `KEYS *` comes in no order);
    /// `None` if it is not an array of strings.
    pub fn sorted_texts(&self) -> Option<Vec<String>> {
        let Self::Array(items) = self else {
            return None;
        };
        let mut texts = items.iter().map(Self::text).collect::<Option<Vec<_>>>()?;
        texts.sort();
        Some(texts)
    }
}

/// A real redis-server for one test: its own port and folder, stopped on drop.
pub struct RedisServer {
    /// The running server; `None` between `stop` and `resume`.
    child: Option<Child>,
    port: u16,
    /// Its working folder (`--dir`) and its output, `redis.log`.
    dir: TempDir,
    binary: PathBuf,
}

impl RedisServer {
    /// Starts `redis-server` on a free loopback port (no persistence: `--save ""
    /// --appendonly no`, `--dir` a fresh temp folder), waiting until it answers PING.
    ///
    /// Panics if the binary is missing (run scripts/test, which installs Debian's
    /// `redis-server`), or if the server does not answer within 10 s (with its output).
    pub fn start() -> Self {
        let binary = find_binary();
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port")
            .port();
        let mut server = Self {
            child: None,
            port,
            dir: TempDir::new(&format!("redis-{port}")),
            binary,
        };
        // `server` is whole before the child exists: a panic while it starts still ends it.
        server.spawn();
        server
    }

    /// `redis://127.0.0.1:PORT/0`
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The loopback port it listens on, the same across `stop` and `resume`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stalls the server (SIGSTOP) or lets it go on (SIGCONT): while stalled, connections stay
    /// open and nothing answers, as a Redis stuck in a long command or a network that drops
    /// packets.
    pub fn stall(&self, stalled: bool) {
        let child = self.child.as_ref().expect("redis-server is running");
        let signal = if stalled { "-STOP" } else { "-CONT" };
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill {signal}");
    }

    /// Stops the server (it is killed, as nothing needs flushing, and waited for), keeping
    /// the port number for `resume`. Once it returns, connections to the port are refused.
    /// Stopping a stopped server does nothing.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            child.wait().expect("waiting for redis-server to exit");
        }
    }

    /// Starts it again on the same port (empty data), waiting for PING.
    ///
    /// Panics if it is running (stop it first), or as [`RedisServer::start`] does.
    pub fn resume(&mut self) {
        assert!(
            self.child.is_none(),
            "resume: redis-server on port {} is running; stop it first",
            self.port
        );
        self.spawn();
    }

    /// Runs one command over a fresh connection and returns its reply, e.g.
    /// `command(&["KEYS", "*"])`, `command(&["TTL", key])`, `command(&["GET", key])`.
    ///
    /// Panics if the server cannot be reached or its reply cannot be read; a Redis error
    /// is a reply, [`Resp::Error`].
    pub fn command(&self, args: &[&str]) -> Resp {
        exchange(self.port, args, IO_TIMEOUT).unwrap_or_else(|err| {
            panic!("redis-server on port {}: {args:?} failed: {err}", self.port)
        })
    }

    /// Starts the process on `self.port` and waits until it answers PING.
    fn spawn(&mut self) {
        let log_path = self.dir.0.join("redis.log");
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .unwrap_or_else(|err| panic!("cannot open {}: {err}", log_path.display()));
        let log_err = log.try_clone().expect("a second handle on redis.log");
        let child = Command::new(&self.binary)
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir.0)
            .args(["--logfile", "", "--daemonize", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .spawn()
            .unwrap_or_else(|err| {
                if err.kind() == io::ErrorKind::NotFound {
                    panic!("{NOT_FOUND}");
                }
                panic!("cannot start {}: {err}", self.binary.display())
            });
        let child = self.child.insert(child);

        let deadline = Instant::now() + STARTUP;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                panic!(
                    "redis-server on port {} exited at start-up ({status}); its output:\n{}",
                    self.port,
                    read_log(&log_path)
                );
            }
            if matches!(exchange(self.port, &["PING"], Duration::from_secs(1)), Ok(Resp::Simple(pong)) if pong == "PONG")
            {
                return;
            }
            if Instant::now() >= deadline {
                panic!(
                    "redis-server on port {} did not answer PING within {STARTUP:?}; its output:\n{}",
                    self.port,
                    read_log(&log_path)
                );
            }
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for RedisServer {
    /// Kills the server; its folder goes with `dir`, dropped after this.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The failure when there is no `redis-server` to run.
const NOT_FOUND: &str = "redis-server not found: run scripts/test (it installs Debian's \
                         redis-server) or install it yourself";

/// `/usr/bin/redis-server`, or the first `redis-server` on `PATH`.
fn find_binary() -> PathBuf {
    let standard = Path::new("/usr/bin/redis-server");
    if standard.is_file() {
        return standard.to_owned();
    }
    std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("redis-server"))
                .find(|candidate| candidate.is_file())
        })
        .unwrap_or_else(|| panic!("{NOT_FOUND}"))
}

/// What the server wrote so far, or why it cannot be read.
fn read_log(path: &Path) -> String {
    let mut text = String::new();
    match File::open(path).and_then(|mut file| file.read_to_string(&mut text)) {
        Ok(_) => text,
        Err(err) => format!("(cannot read {}: {err})", path.display()),
    }
}

/// One command on a fresh connection to `127.0.0.1:port`, each step within `timeout`.
fn exchange(port: u16, args: &[&str], timeout: Duration) -> io::Result<Resp> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut request = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        request.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        request.extend_from_slice(arg.as_bytes());
        request.extend_from_slice(b"\r\n");
    }
    stream.write_all(&request)?;
    read_reply(&mut BufReader::new(stream))
}

/// One RESP reply from `reader`.
fn read_reply(reader: &mut impl io::BufRead) -> io::Result<Resp> {
    let line = read_line(reader)?;
    let (kind, rest) = line
        .split_at_checked(1)
        .ok_or_else(|| invalid("an empty reply line"))?;
    let number = || {
        rest.parse::<i64>()
            .map_err(|_| invalid(&format!("not a number in {line:?}")))
    };
    match kind {
        "+" => Ok(Resp::Simple(rest.to_owned())),
        "-" => Ok(Resp::Error(rest.to_owned())),
        ":" => Ok(Resp::Int(number()?)),
        "$" => {
            let Ok(len) = usize::try_from(number()?) else {
                return Ok(Resp::Bulk(None));
            };
            let mut bytes = vec![0; len + 2];
            reader.read_exact(&mut bytes)?;
            if !bytes.ends_with(b"\r\n") {
                return Err(invalid(&format!(
                    "a bulk string of {len} bytes without CRLF"
                )));
            }
            bytes.truncate(len);
            Ok(Resp::Bulk(Some(bytes)))
        }
        "*" => {
            let Ok(len) = usize::try_from(number()?) else {
                return Ok(Resp::Bulk(None));
            };
            (0..len)
                .map(|_| read_reply(reader))
                .collect::<io::Result<_>>()
                .map(Resp::Array)
        }
        _ => Err(invalid(&format!("an unknown reply type in {line:?}"))),
    }
}

/// One CRLF-terminated line, without the CRLF.
fn read_line(reader: &mut impl io::BufRead) -> io::Result<String> {
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line)?;
    if !line.ends_with(b"\r\n") {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed mid-reply",
        ));
    }
    line.truncate(line.len() - 2);
    String::from_utf8(line).map_err(|_| invalid("a reply line that is not UTF-8"))
}

/// A reply that is not RESP.
fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("RESP: {what}"))
}

#[test]
fn start_answers_ping_set_and_get() {
    let server = RedisServer::start();
    assert_eq!(
        server.url(),
        format!("redis://127.0.0.1:{}/0", server.port())
    );
    assert_eq!(server.command(&["PING"]).text().as_deref(), Some("PONG"));
    assert_eq!(
        server.command(&["SET", "greeting", "hello", "EX", "60"]),
        Resp::Simple("OK".to_owned())
    );
    assert_eq!(server.command(&["GET", "greeting"]), Resp::bulk("hello"));
    assert_eq!(server.command(&["GET", "absent"]), Resp::Bulk(None));
    let ttl = server
        .command(&["TTL", "greeting"])
        .int()
        .expect("TTL is an integer");
    assert!((1..=60).contains(&ttl), "TTL {ttl}");
    server.command(&["SET", "another", "x"]);
    assert_eq!(
        server.command(&["KEYS", "*"]).sorted_texts(),
        Some(vec!["another".to_owned(), "greeting".to_owned()])
    );
    assert!(
        matches!(server.command(&["NOSUCHCOMMAND"]), Resp::Error(err) if err.starts_with("ERR")),
        "an unknown command is an error reply"
    );
}

#[test]
fn stop_refuses_connections_and_resume_comes_back_empty_on_the_same_port() {
    let mut server = RedisServer::start();
    let port = server.port();
    server.command(&["SET", "before", "1"]);

    server.stop();
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "port {port} still accepts connections after stop"
    );
    server.stop(); // a second stop does nothing

    server.resume();
    assert_eq!(server.port(), port);
    assert_eq!(server.command(&["PING"]), Resp::Simple("PONG".to_owned()));
    assert_eq!(
        server.command(&["GET", "before"]),
        Resp::Bulk(None),
        "data is gone"
    );
}
