//! The deployment files agree with the crate: the image's Rust is Cargo.toml's `rust-version`,
//! its build context leaves out what must not be in it, and systemd waits longer than the
//! drain it asks for.

use wxbot::Config;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// The value of the first line of `text` that starts with `key`.
fn value_of<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find_map(|line| line.trim().strip_prefix(key))
        .unwrap_or_else(|| panic!("no {key} line"))
        .trim()
}

#[test]
fn the_image_builds_with_the_crates_rust_and_runs_serve_unprivileged() {
    let dockerfile = read("Dockerfile");
    let cargo = read("Cargo.toml");
    let rust = value_of(&cargo, "rust-version =").trim_matches('"');
    assert_eq!(value_of(&dockerfile, "ARG RUST_VERSION="), rust);
    for line in [
        "FROM rust:${RUST_VERSION}-bookworm AS builder",
        "FROM debian:bookworm-slim",
        "USER wxbot",
        "EXPOSE 8080",
        r#"ENTRYPOINT ["wxbot"]"#,
        r#"CMD ["serve"]"#,
    ] {
        assert!(dockerfile.lines().any(|l| l.trim() == line), "{line}");
    }
    assert!(dockerfile.contains("cargo build --release --locked"));
    assert!(dockerfile.contains("WXBOT_SERVER__BIND=0.0.0.0:8080"));
    let ignored = read(".dockerignore");
    for path in ["target/", ".git/", "wxbot.toml", "wxbot-state/"] {
        assert!(ignored.lines().any(|l| l.trim() == path), "{path}");
    }
}

#[test]
fn systemd_outwaits_the_drain() {
    let unit = read("deploy/wxbot.service");
    let stop = value_of(&unit, "TimeoutStopSec=");
    let stop: u64 = stop.trim_end_matches('s').parse().expect("seconds");
    assert!(stop > Config::default().server.shutdown_timeout_secs);
    for line in [
        "KillSignal=SIGTERM",
        "Restart=on-failure",
        "EnvironmentFile=/etc/wxbot/env",
        "StateDirectory=wxbot",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
    ] {
        assert!(unit.lines().any(|l| l.trim() == line), "{line}");
    }
    assert_eq!(value_of(&unit, "User="), "wxbot");
}
