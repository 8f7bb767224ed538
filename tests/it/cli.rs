//! CONTRACT §1–2 through the real binary: help, config errors (exit 2, one line naming the
//! key), the port-0 line, the environment overlay, and the per-request log line.

use std::process::{Command, Output};

use wxbot::testing::{self, text_message};

use crate::common::{Running, TempDir, get, post, signed_uri};

fn wxbot(dir: &std::path::Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wxbot"))
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(dir)
        .output()
        .expect("run wxbot")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const PORT0: (&str, &str) = ("WXBOT_SERVER__BIND", "127.0.0.1:0");

#[test]
fn help_lists_serve_and_every_subcommand_has_help() {
    let dir = TempDir::new("help");
    let help = wxbot(&dir.0, &["--help"], &[]);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("serve"));
    let serve = wxbot(&dir.0, &["serve", "--help"], &[]);
    assert!(serve.status.success());
    assert!(String::from_utf8_lossy(&serve.stdout).contains("--config"));
}

#[test]
fn missing_token_exits_2_with_one_line_naming_it() {
    let dir = TempDir::new("missing-token");
    let output = wxbot(&dir.0, &["serve"], &[PORT0]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("account.token"), "{err}");
    assert!(output.stdout.is_empty(), "nothing was bound");
}

#[test]
fn invalid_value_from_env_exits_2_naming_key_and_variable() {
    let dir = TempDir::new("bad-env");
    let envs = [
        ("WXBOT_ACCOUNT__TOKEN", "tok123"),
        ("WXBOT_SERVER__BODY_LIMIT_BYTES", "lots"),
    ];
    let output = wxbot(&dir.0, &["serve"], &envs);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("server.body_limit_bytes"), "{err}");
    assert!(err.contains("WXBOT_SERVER__BODY_LIMIT_BYTES"), "{err}");
}

#[test]
fn unknown_key_and_bad_mode_in_file_exit_2() {
    let dir = TempDir::new("bad-file");
    let file = dir.0.join("bot.toml");
    std::fs::write(&file, "[account]\ntoken = \"tok123\"\ntokne = \"x\"\n").expect("write");
    let output = wxbot(&dir.0, &["serve", "--config", "bot.toml"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("account.tokne"),
        "{}",
        stderr(&output)
    );
    std::fs::write(&file, "[account]\ntoken = \"tok123\"\nmode = \"secret\"\n").expect("write");
    let output = wxbot(&dir.0, &["serve", "--config", "bot.toml"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("account.mode"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn missing_config_file_exits_2() {
    let dir = TempDir::new("no-file");
    let output = wxbot(&dir.0, &["serve", "--config", "nope.toml"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("nope.toml"), "{}", stderr(&output));
}

#[test]
fn port_zero_prints_the_real_address_and_serves() {
    let dir = TempDir::new("port0");
    let server = Running::serve(
        &dir.0,
        &[],
        &[PORT0, ("WXBOT_ACCOUNT__TOKEN", testing::TOKEN)],
    );
    assert!(!server.addr.ends_with(":0"), "{}", server.addr);
    let uri = format!("{}&echostr=ready", signed_uri(&testing::config()));
    assert_eq!(get(&server.addr, &uri), (200, "ready".to_owned()));
}

#[test]
fn wxbot_toml_in_the_working_directory_is_read_and_env_overrides_it() {
    let dir = TempDir::new("overlay");
    let toml =
        "[server]\nbind = \"127.0.0.1:0\"\npath = \"/cb\"\n[account]\ntoken = \"filetoken\"\n";
    std::fs::write(dir.0.join("wxbot.toml"), toml).expect("write");
    let server = Running::serve(&dir.0, &[], &[("WXBOT_ACCOUNT__TOKEN", testing::TOKEN)]);
    // The path comes from the file, the token from the environment.
    let mut config = testing::config();
    config.server.path = "/cb".to_owned();
    let uri = format!("{}&echostr=env-wins", signed_uri(&config));
    assert_eq!(get(&server.addr, &uri), (200, "env-wins".to_owned()));
}

#[test]
fn one_log_line_per_request_with_status_latency_type_and_id() {
    let dir = TempDir::new("log");
    let server = Running::serve(
        &dir.0,
        &[],
        &[PORT0, ("WXBOT_ACCOUNT__TOKEN", testing::TOKEN)],
    );
    let uri = signed_uri(&testing::config());
    let ping = text_message("ping");
    let msg_id = wxbot::message::parse(ping.as_bytes())
        .expect("parse")
        .header
        .msg_id
        .expect("id");
    let (status, _) = post(&server.addr, &uri, ping.as_bytes());
    assert_eq!(status, 200);
    let line = server.stderr_line("status=200");
    for needle in [
        "POST",
        "/wechat",
        "latency=",
        "msg_type=\"text\"",
        &format!("msg_id=\"{msg_id}\""),
    ] {
        assert!(line.contains(needle), "{needle} missing from {line}");
    }
    assert!(
        !line.contains("ping"),
        "message content stays out of info logs: {line}"
    );
    let (status, _) = post(&server.addr, "/wechat?signature=bad", b"<xml/>");
    assert_eq!(status, 403);
    let line = server.stderr_line("status=403");
    assert!(line.contains("signature"), "the refusal says why: {line}");
}

#[test]
fn safe_mode_with_a_bad_key_exits_2_naming_it() {
    let dir = TempDir::new("bad-key");
    let envs = [
        ("WXBOT_ACCOUNT__TOKEN", "tok123"),
        ("WXBOT_ACCOUNT__APPID", "wx0123456789abcdef"),
        ("WXBOT_ACCOUNT__MODE", "safe"),
        ("WXBOT_ACCOUNT__ENCODING_AES_KEY", "tooshort"),
    ];
    let output = wxbot(&dir.0, &["serve"], &envs);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("account.encoding_aes_key"), "{err}");
}

#[test]
fn a_numeric_token_from_env_keeps_its_leading_zero() {
    let dir = TempDir::new("zero-token");
    let server = Running::serve(&dir.0, &[], &[PORT0, ("WXBOT_ACCOUNT__TOKEN", "0123456")]);
    let mut config = testing::config();
    config.account.token = "0123456".into();
    let uri = format!("{}&echostr=zero", signed_uri(&config));
    assert_eq!(get(&server.addr, &uri), (200, "zero".to_owned()));
}

#[test]
fn a_toml_syntax_error_is_one_line() {
    let dir = TempDir::new("toml-syntax");
    std::fs::write(dir.0.join("wxbot.toml"), "[account]\ntoken = \n").expect("write");
    let output = wxbot(&dir.0, &["serve"], &[]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("line 2"), "{err}");
}
