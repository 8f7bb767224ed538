//! Redis failing: stopped or stalled while both instances run, unreachable at start-up,
//! holding values that do not decode; and `store.prefix`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wxbot::Bot;
use wxbot::emulator::Emulator;
use wxbot::message::parse;
use wxbot::prelude::*;
use wxbot::testing::{TestBot, text_message};

use crate::dedup::{Logs, Probe};
use crate::instances::{Instance, shared};
use crate::redis_server::RedisServer;

fn echo_router(probe: &Probe) -> Router<Probe> {
    Router::with_state(probe.clone()).on(echo)
}

#[actix_web::test]
async fn without_redis_both_instances_answer_and_sharing_resumes_when_it_is_back() {
    let (logs, _guard) = Logs::capture();
    let (emulator, mut redis) = (Emulator::start().expect("emulator"), RedisServer::start());
    let config = shared(crate::common::config(&emulator), &redis);
    let probe = Probe::new();
    let a = TestBot::with_config(&config, echo_router(&probe));
    let b = TestBot::with_config(&config, echo_router(&probe));
    // Connected first: the outage breaks live connections.
    a.bot().connect().await.expect("a connects");
    b.bot().connect().await.expect("b connects");
    redis.stop();
    for n in 0..5 {
        for bot in [&a, &b] {
            let said = format!("hello {n}");
            assert_eq!(
                bot.send(&text_message(&said)).await.text(),
                Some(said.as_str())
            );
        }
    }
    assert_eq!(
        logs.lines("redis is unreachable").len(),
        2,
        "one line per instance"
    );

    redis.resume();
    // Each instance's probe finds it back by itself: no message needed.
    logs.at_least(2, "sharing resumes").await;
    let message = text_message("shared again");
    let before = probe.runs();
    let (first, second) = (a.send(&message).await, b.send(&message).await);
    assert_eq!(first.text(), Some("shared again"), "{}", first.body);
    assert_eq!(first, second);
    assert_eq!(probe.runs() - before, 1, "B replayed A's reply");
}

#[test]
fn serve_with_an_unreachable_redis_exits_2_naming_store_url_without_its_password() {
    let dir = crate::common::TempDir::new("redis-unreachable");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port();
    let url = format!("redis://:hunter2@127.0.0.1:{port}/0");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_wxbot"))
        .arg("serve")
        .envs([
            ("WXBOT_ACCOUNT__TOKEN", wxbot::testing::TOKEN),
            ("WXBOT_SERVER__BIND", "127.0.0.1:0"),
            ("WXBOT_STORE__BACKEND", "redis"),
            ("WXBOT_STORE__URL", url.as_str()),
        ])
        .current_dir(&dir.0)
        .output()
        .expect("run wxbot");
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("store.url"), "{err}");
    assert!(
        err.contains(&format!("redis://:***@127.0.0.1:{port}/0")),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
    assert!(output.stdout.is_empty(), "nothing was bound");
}

#[actix_web::test]
async fn a_value_in_redis_that_does_not_decode_is_ignored_and_replaced() {
    let (emulator, redis) = (Emulator::start().expect("emulator"), RedisServer::start());
    let config = shared(crate::common::config(&emulator), &redis);
    let key = format!("wxbot:{{{}}}:token", emulator.appid());
    redis.command(&["SET", &key, "not a record"]);
    let bot = Bot::new(&config, Router::new()).expect("bot");
    let token = bot.client().access_token().await.expect("fetched instead");
    assert_eq!(emulator.count("/cgi-bin/token"), 1);
    let stored = redis.command(&["GET", &key]).text().expect("stored");
    assert!(stored.contains(&*token), "replaced: {stored}");
}

#[actix_web::test]
async fn store_prefix_namespaces_every_key() {
    let (emulator, redis) = (Emulator::start().expect("emulator"), RedisServer::start());
    let mut config = shared(crate::common::config(&emulator), &redis);
    config.store.prefix = "staging".to_owned();
    let bot = Bot::new(&config, Router::new()).expect("bot");
    bot.client().access_token().await.expect("token");
    let keys = redis.command(&["KEYS", "*"]).sorted_texts().expect("keys");
    assert_eq!(keys, [format!("staging:{{{}}}:token", emulator.appid())]);
}

/// Echoes, counting its runs.
async fn echo(ctx: Ctx<Probe>, text: Text) -> String {
    ctx.state()
        .runs
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    text.content
}

#[actix_web::test]
async fn a_stalled_redis_costs_one_slow_answer_then_none_until_it_is_back() {
    let (logs, _guard) = Logs::capture();
    let (emulator, redis) = (Emulator::start().expect("emulator"), RedisServer::start());
    let config = shared(crate::common::config(&emulator), &redis);
    let probe = Probe::new();
    let bot = TestBot::with_config(&config, echo_router(&probe));
    bot.bot().connect().await.expect("connects");
    redis.stall(true);
    // Messages over three seconds, through several of the probe's pauses.
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < Duration::from_secs(3) {
        let said = format!("stalled {n}");
        let sent = Instant::now();
        let answer = bot.send(&text_message(&said)).await;
        assert_eq!(answer.text(), Some(said.as_str()));
        let took = sent.elapsed();
        // The first waits out the command's time limit; the rest answer from local state.
        let limit = if n == 0 {
            Duration::from_secs(3)
        } else {
            Duration::from_millis(500)
        };
        assert!(took < limit, "message {n} took {took:?}");
        n += 1;
    }
    assert_eq!(
        logs.lines("redis is unreachable").len(),
        1,
        "one line for the outage"
    );
    redis.stall(false);
    logs.line("sharing resumes").await;
    let answer = bot.send(&text_message("after")).await;
    assert_eq!(answer.text(), Some("after"));
}

#[actix_web::test]
async fn a_key_of_another_type_reads_as_absent_and_is_no_outage() {
    let (logs, _guard) = Logs::capture();
    let (emulator, redis) = (Emulator::start().expect("emulator"), RedisServer::start());
    let config = shared(crate::common::config(&emulator), &redis);
    let key = format!("wxbot:{{{}}}:token", emulator.appid());
    redis.command(&["HSET", &key, "field", "value"]);
    let bot = Bot::new(&config, Router::new()).expect("bot");
    bot.client().access_token().await.expect("fetched instead");
    assert_eq!(emulator.count("/cgi-bin/token"), 1);
    assert!(!logs.lines("redis refused a command").is_empty());
    assert!(
        logs.lines("unreachable").is_empty(),
        "Redis is up: no outage"
    );
}

/// A request can be dropped mid-claim (its client gone). The claim may already be in Redis,
/// so the message must still be run and its answer published, or a retry on another
/// instance would wait on a claim nobody works on and answer `success`, the message lost.
#[actix_web::test]
async fn a_delivery_dropped_while_claiming_is_still_run_and_its_answer_published() {
    let (emulator, redis) = (Emulator::start().expect("emulator"), RedisServer::start());
    let config = shared(crate::common::config(&emulator), &redis);
    let (ran_on_a, ran_on_b) = (Probe::new(), Probe::new());
    let a = Instance::start(&config, echo_router(&ran_on_a));
    let b = Instance::start(&config, echo_router(&ran_on_b));
    a.bot.connect().await.expect("connects");
    let body = text_message("dropped");
    let message = Arc::new(parse(body.as_bytes()).expect("parses"));
    // The claim leaves for a stalled Redis; the delivery is dropped well within the claim's
    // time limit, then Redis answers it.
    redis.stall(true);
    let dropped = tokio::time::timeout(Duration::from_millis(200), a.bot.dispatch(message));
    assert!(dropped.await.is_err(), "no answer from a stalled Redis");
    redis.stall(false);
    // The retry lands on B, which finds A's claim and waits for A's answer.
    let retry = b.send(&body).await;
    assert_eq!(retry.text(), Some("dropped"), "{}", retry.body);
    assert_eq!((ran_on_a.runs(), ran_on_b.runs()), (1, 0), "run once, by A");
}
