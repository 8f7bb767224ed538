//! Helpers shared by the integration tests: raw HTTP over real sockets, signed URIs, the
//! `wxbot` binary, the demo bot, the emulator's account and the playground.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use actix_web::App;
use actix_web::test::{self as actix_test, TestRequest};
use serde_json::Value;
use wxbot::dev::{Options, Playground};
use wxbot::emulator::Emulator;
use wxbot::testing::{TestBot, TestResponse};
use wxbot::{Bot, Config, endpoint};

/// The committed demo assets (`media.assets_dir` of the demo bot).
pub const ASSETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets");

/// The test account on `emulator`: its appid, secret and base URL.
pub fn config(emulator: &Emulator) -> Config {
    let mut config = wxbot::testing::config();
    config.account.appid = emulator.appid().to_owned();
    config.account.secret = emulator.secret().into();
    config.api.base_url = emulator.base_url();
    config
}

/// [`config`] with the committed [`ASSETS`], as the demo bot's media rows need.
pub fn demo_config(emulator: &Emulator) -> Config {
    let mut config = config(emulator);
    config.media.assets_dir = ASSETS.into();
    config
}

/// The demo bot (`handlers::router()`) on the test account.
pub fn demo_bot() -> TestBot {
    TestBot::new(crate::handlers::router())
}

/// The demo bot on `config`.
pub fn demo_bot_with(config: &Config) -> TestBot {
    TestBot::with_config(config, crate::handlers::router())
}

/// `bot.send(xml)` as a task of its own, for a delivery that waits while the test goes on
/// (on the test's thread: the actix service the test kit drives is not `Send`).
pub fn spawn_send<S: Clone + Send + Sync + 'static>(
    bot: &TestBot<S>,
    xml: &str,
) -> tokio::task::JoinHandle<TestResponse> {
    let (bot, xml) = (bot.clone(), xml.to_owned());
    actix_web::rt::spawn(async move { bot.send(&xml).await })
}

/// The next customer-service message the emulator accepts; a missing one fails the test
/// after 15 s (long enough for a 6-second upload first) instead of hanging it.
pub async fn next_sent(emulator: &Emulator) -> Value {
    tokio::time::timeout(Duration::from_secs(15), emulator.next_sent())
        .await
        .expect("a customer-service send")
}

/// `request` through the real endpoint of `bot`, in process; `(status, body)`.
pub async fn call<S: Clone + Send + Sync + 'static>(
    bot: Bot<S>,
    request: TestRequest,
) -> (u16, String) {
    let app = actix_test::init_service(App::new().configure(endpoint::configure(bot))).await;
    let response = actix_test::call_service(&app, request.to_request()).await;
    let status = response.status().as_u16();
    let body = actix_test::read_body(response).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// The demo bot's playground on `config`, on a free port, with WeChat's rules.
pub fn demo_playground(config: Config) -> Playground {
    Playground::start(
        config,
        crate::handlers::router(),
        &Options::default().port(0),
    )
    .expect("playground")
}

/// An HTTP client for the local servers: no proxy from the environment in between.
pub fn local_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// The callback URI for `config`, with a valid signature.
pub fn signed_uri(config: &Config) -> String {
    format!(
        "{}?{}",
        config.server.path,
        wxbot::testing::signed_query(config)
    )
}

/// One HTTP/1.1 request over a fresh connection; `(status, body)`.
pub fn http(addr: &str, request_head: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    stream
        .write_all(request_head.as_bytes())
        .expect("write head");
    stream.write_all(body).expect("write body");
    let mut raw = Vec::new();
    // The server may close early (413 before the body is read): keep what arrived.
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// A POST with Content-Length.
pub fn post(addr: &str, uri: &str, body: &[u8]) -> (u16, String) {
    let head = format!(
        "POST {uri} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    http(addr, &head, body)
}

/// A GET.
pub fn get(addr: &str, uri: &str) -> (u16, String) {
    http(
        addr,
        &format!("GET {uri} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
        b"",
    )
}

/// The release or debug `wxbot` binary of this build, running, with its output lines.
pub struct Running {
    pub child: Child,
    /// `127.0.0.1:PORT`, from the first stdout line.
    pub addr: String,
    pub stderr: mpsc::Receiver<String>,
    /// The rest of stdout, after the first line.
    stdout: BufReader<std::process::ChildStdout>,
}

impl Running {
    /// Starts `wxbot serve` with `args` and `envs` in `dir`, and waits for its first stdout line.
    pub fn serve(dir: &std::path::Path, args: &[&str], envs: &[(&str, &str)]) -> Self {
        Self::start(dir, "serve", args, envs, "listening on http://")
    }

    /// [`Running::serve`] with `RUST_LOG=rust_log` rather than `info`.
    pub fn serve_logging(dir: &std::path::Path, envs: &[(&str, &str)], rust_log: &str) -> Self {
        let mut envs = envs.to_vec();
        envs.push(("RUST_LOG", rust_log));
        Self::start(dir, "serve", &[], &envs, "listening on http://")
    }

    /// Starts `wxbot dev --port 0` in `dir`, and waits for its first stdout line.
    pub fn dev(dir: &std::path::Path) -> Self {
        Self::start(dir, "dev", &["--port", "0"], &[], "playground on http://")
    }

    /// Starts `wxbot COMMAND args…`; the first stdout line is `announce` and the address.
    fn start(
        dir: &std::path::Path,
        command: &str,
        args: &[&str],
        envs: &[(&str, &str)],
        announce: &str,
    ) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wxbot"))
            .arg(command)
            .args(args)
            // `info` unless `envs` say otherwise.
            .env("RUST_LOG", "info")
            .envs(envs.iter().copied())
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn wxbot");
        let mut first = String::new();
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        stdout.read_line(&mut first).expect("read");
        let addr = first
            .trim()
            .strip_prefix(announce)
            .map(|url| url.trim_end_matches('/'))
            .unwrap_or_else(|| panic!("first stdout line was {first:?}"))
            .to_owned();
        let (tx, stderr) = mpsc::channel();
        let err = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            addr,
            stderr,
            stdout,
        }
    }

    /// The next stdout line after the first, trimmed.
    pub fn next_stdout_line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read stdout");
        line.trim().to_owned()
    }

    /// The next stderr line containing `needle` (bounded wait: the line is a signal).
    pub fn stderr_line(&self, needle: &str) -> String {
        loop {
            let line = self
                .stderr
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("no stderr line containing {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    }
}

impl Running {
    /// SIGTERM, then the exit status (a hang fails the test after 30 s).
    pub fn stop(&mut self) -> ExitStatus {
        sigterm(&self.child);
        wait_exit(&mut self.child, Duration::from_secs(30))
    }

    /// Every stderr line not yet read, up to the end of the stream: call it after [`stop`]
    /// (the stream ends with the process; a stream still open after 20 s fails the test).
    ///
    /// [`stop`]: Self::stop
    pub fn rest_of_stderr(&self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            match self.stderr.recv_timeout(Duration::from_secs(20)) {
                Ok(line) => lines.push(line),
                Err(mpsc::RecvTimeoutError::Disconnected) => return lines,
                Err(mpsc::RecvTimeoutError::Timeout) => panic!("stderr still open: {lines:#?}"),
            }
        }
    }
}

/// Sends SIGTERM to `child` through `kill(1)`, as a service manager would.
pub fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -TERM {}: {status}", child.id());
}

/// Waits for `child` to exit; `limit` only guards against a hang (the test fails past it).
pub fn wait_exit(child: &mut Child, limit: Duration) -> ExitStatus {
    wait_until(limit, &format!("process {} to exit", child.id()), || {
        child.try_wait().expect("try_wait")
    })
}

/// Polls `check` until it returns something, for a condition another process makes true;
/// fails the test after `limit`, naming `what` it waited for.
pub fn wait_until<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let give_up = Instant::now() + limit;
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < give_up, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A child process killed and reaped when dropped, so a failing test leaves none behind.
pub struct Reaped(pub Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Writes `wxbot.toml` in `dir` for the binary: a free port, the test account on `emulator`
/// and the committed demo assets; anything else comes from `WXBOT_…` variables.
pub fn write_demo_toml(dir: &std::path::Path, emulator: &Emulator) {
    let toml = format!(
        "[server]\nbind = \"127.0.0.1:0\"\n\
         [account]\ntoken = {:?}\nappid = {:?}\nsecret = {:?}\n\
         [api]\nbase_url = {:?}\n\
         [media]\nassets_dir = {:?}\n",
        wxbot::testing::TOKEN,
        emulator.appid(),
        emulator.secret(),
        emulator.base_url(),
        ASSETS,
    );
    std::fs::write(dir.join("wxbot.toml"), toml).expect("write wxbot.toml");
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh temporary directory under the target dir, removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("wxbot-it-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
