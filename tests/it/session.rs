//! `Session<T>`: a user's state across messages — in memory, across a restart with the file
//! store, across instances with Redis — with concurrent messages of one user serialized,
//! undecodable state reset, and the silence timer.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use wxbot::config::Backend;
use wxbot::prelude::*;
use wxbot::testing::{TestBot, text_message};

use crate::common::{TempDir, demo_bot_with, spawn_send};
use crate::instances::shared;
use crate::redis_server::RedisServer;

fn from(user: &str, content: &str) -> String {
    text_message(content).replace("o_test_user", user)
}

async fn count(bot: &TestBot, user: &str) -> String {
    let answer = bot.send(&from(user, "count")).await;
    answer.text().expect("a text reply").to_owned()
}

#[actix_web::test]
async fn the_demo_counts_per_user_across_messages() {
    let bot = demo_bot_with(&wxbot::testing::config());
    assert_eq!(count(&bot, "o_a").await, "count 1");
    assert_eq!(count(&bot, "o_a").await, "count 2");
    assert_eq!(
        count(&bot, "o_b").await,
        "count 1",
        "each user has their own"
    );
    assert_eq!(count(&bot, "o_a").await, "count 3");
}

#[actix_web::test]
async fn a_restart_keeps_sessions_with_the_file_store() {
    let dir = TempDir::new("session-file");
    let mut config = wxbot::testing::config();
    config.store.backend = Backend::File;
    config.store.path = dir.0.join("state");
    assert_eq!(count(&demo_bot_with(&config), "o_a").await, "count 1");
    let restarted = demo_bot_with(&config);
    assert_eq!(count(&restarted, "o_a").await, "count 2");
}

#[actix_web::test]
async fn instances_sharing_redis_share_sessions() {
    let redis = RedisServer::start();
    let config = shared(wxbot::testing::config(), &redis);
    let (a, b) = (demo_bot_with(&config), demo_bot_with(&config));
    assert_eq!(count(&a, "o_a").await, "count 1");
    assert_eq!(count(&b, "o_a").await, "count 2");
    assert_eq!(count(&a, "o_a").await, "count 3");
    let keys = redis
        .command(&["KEYS", "*:session:*"])
        .sorted_texts()
        .expect("keys");
    assert_eq!(keys.len(), 1, "{keys:?}");
    let ttl = redis.command(&["TTL", &keys[0]]).int().expect("ttl");
    assert!((1790..=1800).contains(&ttl), "session.ttl_secs: {ttl}");
}

#[actix_web::test]
async fn session_ttl_zero_keeps_nothing() {
    let mut config = wxbot::testing::config();
    config.session.ttl_secs = 0;
    let bot = demo_bot_with(&config);
    assert_eq!(count(&bot, "o_a").await, "count 1");
    assert_eq!(count(&bot, "o_a").await, "count 1");
}

/// A counter whose handler waits at a gate between reading and writing.
#[derive(Default, Serialize, Deserialize)]
struct Tally {
    n: u32,
}

#[derive(Clone)]
struct Gate {
    started: Arc<Semaphore>,
    open: Arc<Semaphore>,
}

async fn bump(ctx: Ctx<Gate>, mut tally: Session<Tally>, _: Text) -> String {
    let read = tally.n;
    ctx.state().started.add_permits(1);
    ctx.state().open.acquire().await.expect("open").forget();
    tally.n = read + 1;
    format!("tally {}", tally.n)
}

#[actix_web::test]
async fn two_messages_of_one_user_at_once_keep_both_updates() {
    let gate = Gate {
        started: Arc::new(Semaphore::new(0)),
        open: Arc::new(Semaphore::new(0)),
    };
    let bot = TestBot::new(Router::with_state(gate.clone()).on(bump));
    let first = spawn_send(&bot, &text_message("one"));
    gate.started.acquire().await.expect("started").forget();
    let second = spawn_send(&bot, &text_message("two"));
    // Without the user's lock the second would read 0 too, and both would answer "tally 1".
    gate.open.add_permits(2);
    let mut answers = vec![
        first.await.expect("first").text().map(str::to_owned),
        second.await.expect("second").text().map(str::to_owned),
    ];
    answers.sort();
    assert_eq!(
        answers,
        [Some("tally 1".to_owned()), Some("tally 2".to_owned())]
    );
}

/// The next version of a state type: a field changed its type.
#[derive(Default, Serialize, Deserialize)]
struct Steps {
    steps: Vec<String>,
}

async fn step(mut steps: Session<Steps>, text: Text) -> String {
    steps.steps.push(text.content);
    steps.steps.join(",")
}

#[actix_web::test]
async fn state_that_no_longer_decodes_starts_over() {
    let redis = RedisServer::start();
    let config = shared(wxbot::testing::config(), &redis);
    let key = format!(
        "wxbot:{{{}}}:session:o_test_user:{}",
        config.account.appid,
        std::any::type_name::<Steps>()
    );
    redis.command(&["SET", &key, r#"{"steps": 3}"#]);
    let bot = TestBot::with_config(&config, Router::new().on(step));
    let answer = bot.send(&text_message("a")).await;
    assert_eq!(answer.text(), Some("a"), "{}", answer.body);
    assert_eq!(bot.send(&text_message("b")).await.text(), Some("a,b"));
}

#[actix_web::test]
async fn a_session_expires_after_its_silence() {
    let mut config = wxbot::testing::config();
    config.session.ttl_secs = 60;
    let bot = demo_bot_with(&config);
    tokio::time::pause();
    assert_eq!(count(&bot, "o_a").await, "count 1");
    tokio::time::advance(Duration::from_secs(59)).await;
    assert_eq!(count(&bot, "o_a").await, "count 2", "59 s of silence");
    tokio::time::advance(Duration::from_secs(61)).await;
    assert_eq!(
        count(&bot, "o_a").await,
        "count 1",
        "61 s of silence: a new session"
    );
}

/// Waits at the gate forever (the test never opens it) with the session open.
async fn stuck(ctx: Ctx<Gate>, mut tally: Session<Tally>, _: Text) -> String {
    tally.n += 1;
    ctx.state().started.add_permits(1);
    ctx.state().open.acquire().await.expect("open").forget();
    "never".to_owned()
}

/// Gives the handler 100 ms.
async fn impatient(_: Ctx<Gate>, next: Next) -> HandlerResult {
    match tokio::time::timeout(Duration::from_millis(100), next.run()).await {
        Ok(result) => result,
        Err(_) => Ok(Some(Reply::text("timed out"))),
    }
}

#[actix_web::test]
async fn a_session_handler_dropped_midway_releases_the_users_lock() {
    let gate = Gate {
        started: Arc::new(Semaphore::new(0)),
        open: Arc::new(Semaphore::new(0)),
    };
    let router = Router::with_state(gate.clone())
        .text_exact("stuck", stuck)
        .around(impatient)
        .on(bump);
    let bot = TestBot::new(router);
    assert_eq!(
        bot.send(&text_message("stuck")).await.text(),
        Some("timed out")
    );
    // The next message takes the lock at once, not after the 10 s lease; and the dropped
    // handler's change was not saved.
    gate.open.add_permits(1);
    let next = tokio::time::timeout(Duration::from_secs(3), bot.send(&text_message("b"))).await;
    assert_eq!(
        next.expect("not held up by the lease").text(),
        Some("tally 1")
    );
}

#[actix_web::test]
async fn a_session_the_store_cannot_read_is_not_written_over() {
    let redis = RedisServer::start();
    let config = shared(wxbot::testing::config(), &redis);
    let key = format!(
        "wxbot:{{{}}}:session:o_a:{}",
        config.account.appid,
        std::any::type_name::<Steps>()
    );
    // Not a string: GET fails, as a read can fail while the state is still there.
    redis.command(&["HSET", &key, "kept", "yes"]);
    let bot = TestBot::with_config(&config, Router::new().on(step));
    let answer = bot.send(&from("o_a", "a")).await;
    assert_eq!(answer.text(), Some("a"), "the handler ran on the default");
    let kind = redis.command(&["TYPE", &key]).text();
    assert_eq!(
        kind.as_deref(),
        Some("hash"),
        "what the store held is untouched"
    );
}
