//! The command line and configuration through the real binary: help, config errors (exit 2, one line naming the
//! key), the port-0 line, the environment overlay, the per-request log line, closed output
//! pipes, and SIGTERM with and without a late reply on its way.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use wxbot::emulator::{Emulator, Fault};
use wxbot::testing::{self, text_message};

use crate::common::{
    Reaped, Running, TempDir, get, post, signed_uri, sigterm, wait_exit, wait_until,
    write_demo_toml,
};

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

/// The subcommands `wxbot --help` lists under `Commands:` (clap's own `help` left out).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| line.trim() != "Commands:")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn help_lists_serve_and_every_subcommand_has_help() {
    let dir = TempDir::new("help");
    let help = wxbot(&dir.0, &["--help"], &[]);
    assert!(help.status.success());
    let commands = subcommands(&String::from_utf8_lossy(&help.stdout));
    assert_eq!(
        commands,
        ["serve", "dev", "menu", "qr", "new"],
        "the commands of src/cli.rs"
    );
    // What each command's own help must name: its usage line and every option it takes.
    let options: &[(&str, &[&str])] = &[
        ("serve", &["--config <FILE>"]),
        ("dev", &["--config <FILE>", "--port <PORT>", "--open"]),
        ("menu", &["push", "show", "delete", "--config <FILE>"]),
        ("qr", &["<SCENE>", "--expire <SECS>", "--config <FILE>"]),
        (
            "new",
            &["<PATH>", "--wxbot-path <DIR>", "--wxbot-git <URL>"],
        ),
    ];
    for command in &commands {
        let own = wxbot(&dir.0, &[command, "--help"], &[]);
        let text = String::from_utf8_lossy(&own.stdout);
        assert!(own.status.success(), "{command} --help: {}", stderr(&own));
        assert!(
            text.contains(&format!("Usage: wxbot {command}")),
            "{command} --help: {text}"
        );
        let (_, expected) = options
            .iter()
            .find(|(name, _)| name == command)
            .unwrap_or_else(|| panic!("no expectation for `{command}`: add its options here"));
        for option in *expected {
            assert!(
                text.contains(option),
                "{option} missing from {command} --help: {text}"
            );
        }
    }
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

/// The access-log lines among `lines` (`wxbot::endpoint`'s `request` event).
fn access_lines(lines: &[String]) -> Vec<&String> {
    lines
        .iter()
        .filter(|line| line.contains("wxbot::endpoint: request "))
        .collect()
}

#[test]
fn one_log_line_per_request_with_status_latency_type_and_id() {
    let dir = TempDir::new("log");
    let mut server = Running::serve(
        &dir.0,
        &[],
        &[PORT0, ("WXBOT_ACCOUNT__TOKEN", testing::TOKEN)],
    );
    let config = testing::config();
    let uri = signed_uri(&config);
    let content = "the words of a private chat";
    let message = text_message(content);
    let header = wxbot::message::parse(message.as_bytes())
        .expect("parse")
        .header;
    let (openid, msg_id) = (header.from.to_string(), header.msg_id.expect("id"));
    let (status, _) = post(&server.addr, &uri, message.as_bytes());
    assert_eq!(status, 200);
    let (status, _) = post(&server.addr, "/wechat?signature=bad", b"<xml/>");
    assert_eq!(status, 403);
    let (status, _) = get(&server.addr, &format!("{uri}&echostr=hi"));
    assert_eq!(status, 200);
    assert!(server.stop().success());
    let lines = server.rest_of_stderr();
    let access = access_lines(&lines);
    assert_eq!(access.len(), 3, "one line per request: {lines:#?}");
    let [message_line, refused_line, verify_line] = access[..] else {
        unreachable!()
    };
    for needle in [
        "INFO",
        "method=POST",
        "path=\"/wechat\"",
        "status=200",
        "latency=",
        "msg_type=\"text\"",
        &format!("msg_id=\"{msg_id}\""),
    ] {
        assert!(
            message_line.contains(needle),
            "{needle} missing from {message_line}"
        );
    }
    assert!(refused_line.contains("status=403"), "{refused_line}");
    assert!(
        refused_line.contains("signature"),
        "the refusal says why: {refused_line}"
    );
    assert!(verify_line.contains("method=GET"), "{verify_line}");
    assert!(verify_line.contains("status=200"), "{verify_line}");
    // Nothing at info level, on any line, names the user or what they wrote.
    for line in &lines {
        assert!(!line.contains(&openid), "the openid is logged: {line}");
        assert!(
            !line.contains(content),
            "the message text is logged: {line}"
        );
    }
}

#[test]
fn serve_answers_and_stops_after_its_output_pipes_close() {
    let dir = TempDir::new("closed-pipes");
    let child = Command::new(env!("CARGO_BIN_EXE_wxbot"))
        .arg("serve")
        .envs([PORT0, ("WXBOT_ACCOUNT__TOKEN", testing::TOKEN)])
        .env("RUST_LOG", "info")
        .current_dir(&dir.0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wxbot");
    let mut child = Reaped(child);
    let mut stdout = BufReader::new(child.0.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("read");
    let addr = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first stdout line was {first:?}"))
        .to_owned();
    // Up to its start-up log line, so the pipes close while it serves.
    let mut stderr = BufReader::new(child.0.stderr.take().expect("stderr"));
    let mut line = String::new();
    while !line.contains("serving") {
        line.clear();
        let read = stderr.read_line(&mut line).expect("read stderr");
        assert!(read > 0, "stderr ended before the start-up line");
    }
    // As `wxbot serve 2>&1 | head -1`: the reader of both pipes goes away.
    drop(stdout);
    drop(stderr);
    let config = testing::config();
    let uri = signed_uri(&config);
    assert_eq!(
        get(&addr, &format!("{uri}&echostr=still-here")),
        (200, "still-here".to_owned()),
        "a signed GET is answered"
    );
    let (status, body) = post(&addr, &uri, text_message("still serving").as_bytes());
    let answer = testing::TestResponse::new(status, body);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.text(), Some("still serving"), "a POST is answered");
    sigterm(&child.0);
    let status = wait_exit(&mut child.0, Duration::from_secs(20));
    assert!(status.success(), "SIGTERM stops it cleanly: {status}");
}

#[test]
fn sigterm_stops_an_idle_server_with_status_0() {
    let dir = TempDir::new("sigterm-idle");
    let mut server = Running::serve(
        &dir.0,
        &[],
        &[PORT0, ("WXBOT_ACCOUNT__TOKEN", testing::TOKEN)],
    );
    let uri = format!("{}&echostr=up", signed_uri(&testing::config()));
    assert_eq!(get(&server.addr, &uri), (200, "up".to_owned()));
    let status = server.stop();
    assert!(status.success(), "{status}");
    let lines = server.rest_of_stderr();
    assert!(
        lines.iter().any(|line| line.contains("shutting down")),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|line| line.contains("abandoned")),
        "{lines:#?}"
    );
}

/// The demo bot on `emulator` with `envs`, asked for `image` with a 200 ms reply deadline
/// while the emulator holds the upload for `upload_delay`: the reply is late, and still on
/// its way when this returns.
fn serve_a_late_image(
    dir: &TempDir,
    emulator: &Emulator,
    upload_delay: Duration,
    envs: &[(&str, &str)],
) -> Running {
    write_demo_toml(&dir.0, emulator);
    emulator.script("/cgi-bin/media/upload", Fault::Delay(upload_delay));
    let mut all = vec![("WXBOT_SERVER__REPLY_DEADLINE_MS", "200")];
    all.extend_from_slice(envs);
    let server = Running::serve(&dir.0, &[], &all);
    let uri = signed_uri(&testing::config());
    let (status, body) = post(&server.addr, &uri, text_message("image").as_bytes());
    assert_eq!(
        (status, body.as_str()),
        (200, "success"),
        "past the deadline"
    );
    wait_until(Duration::from_secs(20), "the upload to start", || {
        (emulator.count("/cgi-bin/media/upload") == 1).then_some(())
    });
    server
}

/// The index of the first of `lines` containing `needle`.
fn position(lines: &[String], needle: &str) -> usize {
    lines
        .iter()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no line containing {needle:?}: {lines:#?}"))
}

#[test]
fn sigterm_waits_for_a_late_reply_then_exits_0() {
    let dir = TempDir::new("sigterm-drain");
    let emulator = Emulator::start().expect("emulator");
    let mut server = serve_a_late_image(
        &dir,
        &emulator,
        Duration::from_secs(5),
        &[("WXBOT_SERVER__SHUTDOWN_TIMEOUT_SECS", "60")],
    );
    // SIGTERM while the upload is held: the process must wait for the reply to go out.
    let status = server.stop();
    assert!(status.success(), "{status}");
    let uploads = emulator.uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(
        emulator.sent(),
        [
            serde_json::json!({"touser": "o_test_user", "msgtype": "image", "image": {"media_id": uploads[0].media_id}})
        ],
        "the late reply went out before the process ended"
    );
    let lines = server.rest_of_stderr();
    assert!(
        position(&lines, "shutting down")
            < position(&lines, "late reply sent through customer service"),
        "sent during the shutdown: {lines:#?}"
    );
    assert!(
        !lines.iter().any(|line| line.contains("abandoned")),
        "{lines:#?}"
    );
}

#[test]
fn sigterm_abandons_a_late_reply_after_shutdown_timeout_secs() {
    let dir = TempDir::new("sigterm-abandon");
    let emulator = Emulator::start().expect("emulator");
    // The upload outlasts the hang guard below, so only the shutdown timeout can end it.
    let mut server = serve_a_late_image(
        &dir,
        &emulator,
        Duration::from_secs(120),
        &[
            ("WXBOT_SERVER__SHUTDOWN_TIMEOUT_SECS", "1"),
            ("WXBOT_API__TIMEOUT_SECS", "300"),
        ],
    );
    let asked = Instant::now();
    let status = server.stop();
    assert!(status.success(), "{status}");
    assert!(
        asked.elapsed() >= Duration::from_secs(1),
        "it waited server.shutdown_timeout_secs first: {:?}",
        asked.elapsed()
    );
    assert!(emulator.sent().is_empty());
    let lines = server.rest_of_stderr();
    let abandoned = position(&lines, "late replies abandoned at shutdown");
    assert!(position(&lines, "shutting down") < abandoned, "{lines:#?}");
    assert!(lines[abandoned].contains("WARN"), "{}", lines[abandoned]);
    assert!(
        lines[abandoned].contains("abandoned=1"),
        "{}",
        lines[abandoned]
    );
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

#[test]
fn dev_logs_one_line_per_delivered_callback() {
    let dir = TempDir::new("dev-log");
    let mut playground = Running::dev(&dir.0);
    let message = br#"{"message": {"type": "text", "content": "ping"}}"#;
    let (status, answer) = post(&playground.addr, "/api/send", message);
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("pong"), "{answer}");
    assert!(playground.stop().success());
    let lines = playground.rest_of_stderr();
    let access = access_lines(&lines);
    assert_eq!(
        access.len(),
        1,
        "the callback, not the page's API: {lines:#?}"
    );
    for needle in [
        "method=POST",
        "path=\"/wechat\"",
        "status=200",
        "msg_type=\"text\"",
    ] {
        assert!(
            access[0].contains(needle),
            "{needle} missing: {}",
            access[0]
        );
    }
}

#[test]
fn serve_logs_a_request_to_another_path_as_404() {
    let dir = TempDir::new("log-404");
    let mut server = Running::serve(
        &dir.0,
        &[],
        &[PORT0, ("WXBOT_ACCOUNT__TOKEN", testing::TOKEN)],
    );
    assert_eq!(get(&server.addr, "/elsewhere").0, 404);
    assert!(server.stop().success());
    let lines = server.rest_of_stderr();
    let access = access_lines(&lines);
    assert_eq!(access.len(), 1, "{lines:#?}");
    assert!(access[0].contains("path=\"/elsewhere\"") && access[0].contains("status=404"));
}
