//! The README tells the truth about itself: its config block is `wxbot.example.toml`, its Rust
//! is formatted as `cargo fmt` would leave it and hides no lines, and "the two commands" are
//! two.

use std::io::Write as _;
use std::process::{Command, Stdio};

const README: &str = include_str!("../../README.md");

/// The fenced blocks of `markdown`: (info string, content).
fn blocks(markdown: &str) -> Vec<(&str, String)> {
    let mut found = Vec::new();
    let mut open: Option<(&str, String)> = None;
    for line in markdown.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.trim(), String::new())),
            (Some(_), Some(_)) => found.extend(open.take()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    found
}

fn rust_blocks() -> Vec<String> {
    blocks(README)
        .into_iter()
        // `rs` marks Rust that rustdoc must not compile alone (it names files beside it).
        .filter(|(info, _)| matches!(info.split(',').next(), Some("rust" | "rs")))
        .map(|(_, body)| body)
        .collect()
}

#[test]
fn the_config_block_is_the_example_file() {
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/wxbot.example.toml"))
            .expect("wxbot.example.toml");
    let shown = blocks(README)
        .into_iter()
        .any(|(info, body)| info == "toml" && body == example);
    assert!(
        shown,
        "the README's toml block differs from wxbot.example.toml"
    );
}

#[test]
fn rust_blocks_hide_no_lines() {
    for block in rust_blocks() {
        let hidden = block
            .lines()
            .find(|line| line.trim() == "#" || line.trim_start().starts_with("# "));
        assert_eq!(
            hidden, None,
            "a hidden doc-test line shows on forges:\n{block}"
        );
    }
}

#[test]
fn rust_blocks_are_formatted() {
    for block in rust_blocks() {
        let mut rustfmt = Command::new("rustfmt")
            .args(["--edition", "2024", "--emit", "stdout"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rustfmt (comes with rustup's default profile)");
        rustfmt
            .stdin
            .take()
            .expect("stdin")
            .write_all(block.as_bytes())
            .expect("write");
        let output = rustfmt.wait_with_output().expect("rustfmt runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}\n{block}");
        let formatted = String::from_utf8_lossy(&output.stdout);
        assert_eq!(formatted, block, "cargo fmt would change this README block");
    }
}

#[test]
fn the_two_commands_are_two() {
    let section = README
        .split("## The two commands")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a section called The two commands");
    let commands: Vec<String> = blocks(section)
        .into_iter()
        .filter(|(info, _)| *info == "sh")
        .map(|(_, body)| body.trim().to_owned())
        .collect();
    assert_eq!(commands, ["cargo run --release -- dev", "scripts/test"]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test");
    assert!(std::path::Path::new(script).is_file(), "{script}");
}
