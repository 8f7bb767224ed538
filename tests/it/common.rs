//! Helpers shared by the integration tests: raw HTTP over real sockets, signed URIs.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use wxbot::Config;

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
    pub addr: String,
    pub stderr: mpsc::Receiver<String>,
}

impl Running {
    /// Starts `wxbot serve` with `args` and `envs` in `dir`, and waits for its first stdout line.
    pub fn serve(dir: &std::path::Path, args: &[&str], envs: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wxbot"))
            .arg("serve")
            .args(args)
            .envs(envs.iter().copied())
            .env("RUST_LOG", "info")
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn wxbot");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("read");
        let addr = first
            .trim()
            .strip_prefix("listening on http://")
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
        }
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
