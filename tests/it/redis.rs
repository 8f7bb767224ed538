//! Several instances act as one through a real Redis: each instance its own bot and HTTP
//! server, all sharing one emulator (WeChat) and one `redis-server` started for the test.

use std::sync::Arc;
use std::time::Duration;

use wxbot::Bot;
use wxbot::emulator::{Emulator, Fault};
use wxbot::prelude::*;
use wxbot::testing::text_message;

use crate::common::demo_config;
use crate::dedup::{Probe, slow};
use crate::instances::{Instance, shared};
use crate::redis_server::RedisServer;

fn probe_router(probe: &Probe) -> Router<Probe> {
    Router::with_state(probe.clone()).text_prefix("slow", slow)
}

#[actix_web::test]
async fn fifty_cold_requests_across_two_instances_make_one_token_fetch_and_one_upload() {
    let (emulator, redis) = (Emulator::start().expect("emulator"), RedisServer::start());
    let config = shared(demo_config(&emulator), &redis);
    let (a, b) = (
        Instance::start(&config, crate::handlers::router()),
        Instance::start(&config, crate::handlers::router()),
    );
    // Slow enough that both instances ask while the first fetch and upload are under way.
    emulator.script("/cgi-bin/token", Fault::Delay(Duration::from_millis(300)));
    emulator.script(
        "/cgi-bin/media/upload",
        Fault::Delay(Duration::from_millis(300)),
    );
    let (a, b) = (Arc::new(a), Arc::new(b));
    let asks: Vec<_> = (0..50)
        .map(|n| {
            let instance = Arc::clone(if n % 2 == 0 { &a } else { &b });
            actix_web::rt::spawn(async move { instance.send(&text_message("image")).await })
        })
        .collect();
    let mut ids = Vec::new();
    for ask in asks {
        let answer = ask.await.expect("answer");
        assert_eq!(answer.msg_type(), Some("image"), "{}", answer.body);
        ids.push(answer.field("MediaId").expect("MediaId").to_owned());
    }
    assert_eq!(
        emulator.count("/cgi-bin/token"),
        1,
        "one token fetch for both"
    );
    let uploads = emulator.uploads();
    assert_eq!(uploads.len(), 1, "one upload for both");
    assert!(ids.iter().all(|id| *id == uploads[0].media_id), "{ids:?}");

    // What Redis holds: namespaced keys, each living as long as its data, no secret.
    let keys = redis.command(&["KEYS", "*"]).sorted_texts().expect("keys");
    let account = format!("wxbot:{{{}}}:", emulator.appid());
    assert!(keys.iter().all(|key| key.starts_with(&account)), "{keys:?}");
    assert!(!keys.iter().any(|key| key.contains(emulator.secret())));
    assert!(
        !keys.iter().any(|key| key.contains(":lock:")),
        "locks released: {keys:?}"
    );
    let ttl = |name: &str| {
        let key = format!("{account}{name}");
        assert!(keys.contains(&key), "{key} in {keys:?}");
        redis.command(&["TTL", &key]).int().expect("ttl")
    };
    assert!(
        (7000..=7200).contains(&ttl("token")),
        "the token's expires_in"
    );
    let media = keys
        .iter()
        .find(|key| key.contains(":media:image:"))
        .expect("media");
    let media_ttl = ttl(&media[account.len()..]);
    assert!((259_000..=259_200).contains(&media_ttl), "media.ttl_secs");
    let messages = keys
        .iter()
        .filter(|key| key.contains(":msg:o_test_user:"))
        .count();
    assert_eq!(messages, 50, "one outcome per message: {keys:?}");
}

#[actix_web::test]
async fn a_retry_on_another_instance_gets_the_owners_reply_and_the_handler_runs_once() {
    let (emulator, redis) = (Emulator::start().expect("emulator"), RedisServer::start());
    let config = shared(crate::common::config(&emulator), &redis);
    let probe = Probe::new();
    let a = Arc::new(Instance::start(&config, probe_router(&probe)));
    let b = Instance::start(&config, probe_router(&probe));
    let message = text_message("slow one");
    let first = {
        let (a, message) = (Arc::clone(&a), message.clone());
        actix_web::rt::spawn(async move { a.send(&message).await })
    };
    probe.started().await;
    let mut second = actix_web::rt::spawn({
        let message = message.clone();
        async move { b.send(&message).await }
    });
    // B finds A's claim and waits for A's answer, running nothing.
    let waiting = tokio::time::timeout(Duration::from_millis(300), &mut second).await;
    assert!(waiting.is_err(), "B answered before A's handler finished");
    let claims = redis
        .command(&["KEYS", "*:msg:*"])
        .sorted_texts()
        .expect("keys");
    assert_eq!(claims.len(), 1, "{claims:?}");
    let claim = redis.command(&["GET", &claims[0]]).text().expect("claim");
    assert!(
        claim.starts_with("pending "),
        "A still works on it: {claim}"
    );
    assert_eq!(probe.runs(), 1);
    probe.open();
    let (first, second) = (first.await.expect("a"), second.await.expect("b"));
    assert_eq!(first.text(), Some("done: slow one"));
    assert_eq!(first, second, "the very same reply on both instances");
    assert_eq!(probe.runs(), 1, "the handler ran once");
}

#[actix_web::test]
async fn a_reply_past_the_deadline_goes_out_once_whichever_instance_gets_the_retries() {
    let (emulator, redis) = (Emulator::start().expect("emulator"), RedisServer::start());
    let mut config = shared(crate::common::config(&emulator), &redis);
    config.server.reply_deadline_ms = 200;
    let probe = Probe::new();
    let (a, b) = (
        Instance::start(&config, probe_router(&probe)),
        Instance::start(&config, probe_router(&probe)),
    );
    let message = text_message("slow late");
    let first = a.send(&message).await;
    assert_eq!(first.body, "success", "A's deadline passed");
    // WeChat's retries, to B and to A: success, no second run.
    assert_eq!(b.send(&message).await.body, "success");
    assert_eq!(a.send(&message).await.body, "success");
    probe.open();
    let sent = crate::common::next_sent(&emulator).await;
    assert_eq!(sent["text"]["content"], "done: slow late");
    assert_eq!(a.bot.drain(Duration::from_secs(10)).await, 0);
    assert_eq!(b.bot.drain(Duration::from_secs(10)).await, 0);
    assert_eq!(emulator.sent().len(), 1, "one customer-service send in all");
    assert_eq!(probe.runs(), 1);
}

#[actix_web::test]
async fn two_instances_needing_a_token_at_once_fetch_it_once() {
    let (emulator, redis) = (Emulator::start().expect("emulator"), RedisServer::start());
    let config = shared(crate::common::config(&emulator), &redis);
    let (a, b) = (
        Bot::new(&config, Router::new()).expect("a"),
        Bot::new(&config, Router::new()).expect("b"),
    );
    // The first fetch is slow: the other instance asks meanwhile and waits for it.
    emulator.script("/cgi-bin/token", Fault::Delay(Duration::from_millis(500)));
    let (from_a, from_b) = tokio::join!(a.client().access_token(), b.client().access_token());
    assert_eq!(from_a.expect("a"), from_b.expect("b"), "one token for both");
    assert_eq!(emulator.count("/cgi-bin/token"), 1, "fetched once");
}

#[actix_web::test]
async fn a_refused_token_is_fetched_again_once_and_the_other_instance_takes_the_new_one() {
    let (emulator, redis) = (Emulator::start().expect("emulator"), RedisServer::start());
    let config = shared(crate::common::config(&emulator), &redis);
    let (a, b) = (
        Bot::new(&config, Router::new()).expect("a"),
        Bot::new(&config, Router::new()).expect("b"),
    );
    let user = OpenId::new("o_test_user");
    let old = a.client().access_token().await.expect("token");
    assert_eq!(
        b.client().access_token().await.expect("token"),
        old,
        "B read A's"
    );
    assert_eq!(emulator.count("/cgi-bin/token"), 1);

    emulator.expire_tokens();
    a.client()
        .typing(&user, true)
        .await
        .expect("A's call, retried once");
    assert_eq!(emulator.count("/cgi-bin/token"), 2, "A fetched once");
    b.client()
        .typing(&user, true)
        .await
        .expect("B's call, retried once");
    assert_eq!(emulator.count("/cgi-bin/token"), 2, "B took A's new token");
    let new = a.client().access_token().await.expect("token");
    assert_ne!(new, old);
    assert_eq!(b.client().access_token().await.expect("token"), new);
}

#[actix_web::test]
async fn under_retries_the_last_delivery_on_another_instance_gives_the_notice_and_the_reply_waits()
{
    let (emulator, redis) = (Emulator::start().expect("emulator"), RedisServer::start());
    let mut config = shared(crate::common::config(&emulator), &redis);
    config.server.late_reply = wxbot::config::LateReply::Retries;
    config.server.reply_deadline_ms = 300;
    let probe = Probe::new();
    let a = Arc::new(Instance::start(&config, crate::dedup::router(&probe)));
    let b = Arc::new(Instance::start(&config, crate::dedup::router(&probe)));
    let message = text_message("slow thought");
    let deliver = |instance: &Arc<Instance<Probe>>| {
        let (instance, message) = (Arc::clone(instance), message.clone());
        actix_web::rt::spawn(async move { instance.send(&message).await })
    };
    // WeChat's three deliveries: the first to A, the others to B.
    let first = deliver(&a);
    probe.started().await;
    let second = deliver(&b);
    // WeChat's deliveries are 5 s apart: the third comes after the second has counted itself.
    let counted = tokio::time::Instant::now() + Duration::from_secs(10);
    while redis
        .command(&["KEYS", "*:delivery:2"])
        .sorted_texts()
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            tokio::time::Instant::now() < counted,
            "the second delivery never counted"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let third = b.send(&message).await;
    assert_eq!(
        third.text(),
        Some(wxbot::Config::default().session.pending_notice.as_str()),
        "{}",
        third.body
    );
    probe.open();
    // The held deliveries get the reply once it is ready (WeChat stopped listening by then).
    assert_eq!(first.await.expect("a").text(), Some("done: slow thought"));
    assert_eq!(second.await.expect("b").text(), Some("done: slow thought"));
    assert_eq!(a.bot.drain(Duration::from_secs(10)).await, 0);
    // The user's next message, on either instance, gets the reply and is not routed.
    let next = b.send(&text_message("anything")).await;
    assert_eq!(next.text(), Some("done: slow thought"), "{}", next.body);
    assert_eq!(
        probe.runs(),
        1,
        "neither a second run nor the next message's handler"
    );
    assert!(emulator.sent().is_empty(), "no customer-service call");
}

#[actix_web::test]
async fn stable_token_is_forced_only_when_it_hands_back_the_refused_token() {
    let (emulator, redis) = (Emulator::start().expect("emulator"), RedisServer::start());
    let mut config = shared(crate::common::config(&emulator), &redis);
    config.account.token_endpoint = wxbot::config::TokenEndpoint::Stable;
    let bot = Bot::new(&config, Router::new()).expect("bot");
    let (client, user) = (bot.client(), OpenId::new("o_test_user"));
    let old = client.access_token().await.expect("token");
    // WeChat refuses the token while stable_token would still hand it out: a normal fetch
    // gives it back, so one forced fetch follows.
    let refused = Fault::Errcode(40001, "invalid credential".into());
    emulator.script("/cgi-bin/message/custom/typing", refused);
    client
        .typing(&user, true)
        .await
        .expect("retried with a new token");
    assert_eq!(
        emulator.count("/cgi-bin/stable_token"),
        3,
        "first, normal, forced"
    );
    let new = client.access_token().await.expect("token");
    assert_ne!(
        new, old,
        "forced: WeChat would have refused the old one again"
    );
    // Expired: a normal fetch gives a new token, and nothing is forced.
    emulator.expire_tokens();
    client
        .typing(&user, true)
        .await
        .expect("retried with a new token");
    assert_eq!(
        emulator.count("/cgi-bin/stable_token"),
        4,
        "one normal fetch"
    );
    assert_ne!(client.access_token().await.expect("token"), new);
}
