//! The operator's endpoints: `/healthz`, `/readyz` (false when the store is down or no token
//! can be had) and `/metrics`, each metric moving when its event happens; `server.ops_bind`
//! through the real binary.

use std::time::Duration;

use actix_web::test::TestRequest;
use wxbot::emulator::{Emulator, Fault};
use wxbot::prelude::*;
use wxbot::testing::{Msg, TestBot, TestResponse, signed};

use crate::common::{Running, TempDir, config, demo_config, get, write_demo_toml};
use crate::instances::shared;
use crate::redis_server::RedisServer;

async fn call<S: Clone + Send + Sync + 'static>(bot: &TestBot<S>, path: &str) -> TestResponse {
    bot.call(TestRequest::get().uri(path)).await
}

/// The value of the sample `series` (name and labels, as rendered), or 0 when absent.
async fn sample<S: Clone + Send + Sync + 'static>(bot: &TestBot<S>, series: &str) -> f64 {
    let metrics = call(bot, "/metrics").await;
    assert_eq!(metrics.status, 200);
    metrics
        .body
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().expect("a number"))
}

async fn echo(text: Text) -> String {
    text.content
}

async fn cat(_: Text) -> Reply {
    Reply::image("demo.jpg")
}

async fn slow(text: Text) -> String {
    tokio::time::sleep(Duration::from_millis(300)).await;
    text.content
}

#[actix_web::test]
async fn healthz_answers_and_readyz_needs_a_token_it_can_get() {
    let emulator = Emulator::start().expect("emulator");
    let bot = TestBot::with_config(&config(&emulator), Router::new().on(echo));
    let health = call(&bot, "/healthz").await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    let ready = call(&bot, "/readyz").await;
    assert_eq!((ready.status, ready.body.as_str()), (200, "ready"));

    // Another bot, no token cached, and WeChat refusing the fetch: not ready, and the
    // answer names what is missing, not how the bot is configured.
    let refused = TestBot::with_config(&config(&emulator), Router::new().on(echo));
    for _ in 0..4 {
        emulator.script(
            "/cgi-bin/token",
            Fault::Errcode(40164, "ip not allowed".into()),
        );
    }
    let not_ready = call(&refused, "/readyz").await;
    assert_eq!(not_ready.status, 503, "{}", not_ready.body);
    assert_eq!(not_ready.body, "not ready: no access token can be had");
    assert!(!not_ready.body.contains(emulator.appid()));
    // Probes right after do not fetch again: WeChat's token quota is daily.
    let fetches = emulator.count("/cgi-bin/token");
    assert_eq!(call(&refused, "/readyz").await.status, 503);
    assert_eq!(
        emulator.count("/cgi-bin/token"),
        fetches,
        "the failure was reused"
    );
}

#[actix_web::test]
async fn readyz_is_false_while_redis_is_down_and_metrics_show_it() {
    let emulator = Emulator::start().expect("emulator");
    let mut redis = RedisServer::start();
    let bot = TestBot::with_config(&shared(config(&emulator), &redis), Router::new().on(echo));
    bot.bot().connect().await.expect("connects");
    assert_eq!(call(&bot, "/readyz").await.status, 200);
    assert_eq!(sample(&bot, "wxbot_redis_up").await, 1.0);

    redis.stop();
    // Messages are still answered, and the store's failures counted.
    assert_eq!(bot.deliver(&Msg::text("hi")).await.text(), Some("hi"));
    assert!(sample(&bot, "wxbot_store_errors_total").await >= 1.0);
    assert_eq!(sample(&bot, "wxbot_redis_up").await, 0.0);
    let down = call(&bot, "/readyz").await;
    assert_eq!(down.status, 503, "{}", down.body);
    assert_eq!(down.body, "not ready: the store does not answer");
}

#[actix_web::test]
async fn callbacks_replies_and_replays_are_counted() {
    let bot = TestBot::new(Router::new().on(echo));
    let text = Msg::text("hello");
    bot.deliver(&text).await;
    bot.deliver(&text).await; // WeChat's retry: the first delivery's reply again
    let series = "wxbot_callbacks_total{msg_type=\"text\",event=\"\",status=\"200\"}";
    assert_eq!(sample(&bot, series).await, 2.0);
    assert_eq!(
        sample(&bot, "wxbot_replies_total{kind=\"text\"}").await,
        1.0
    );
    assert_eq!(sample(&bot, "wxbot_dedupe_replays_total").await, 1.0);
    assert_eq!(
        sample(&bot, "wxbot_handler_duration_seconds_count").await,
        1.0
    );
    // No Redis, no gauge: a 0 would read as an outage.
    assert!(!call(&bot, "/metrics").await.body.contains("wxbot_redis_up"));

    // Refusals count with their status, and a click no route takes answers success.
    let mut forged = signed(bot.bot().config());
    forged.signature = Some("0".repeat(40));
    bot.post(&forged, b"<xml/>").await;
    let refused = "wxbot_callbacks_total{msg_type=\"\",event=\"\",status=\"403\"}";
    assert_eq!(sample(&bot, refused).await, 1.0);
    bot.deliver(&Msg::click("MENU")).await;
    let click = "wxbot_callbacks_total{msg_type=\"event\",event=\"click\",status=\"200\"}";
    assert_eq!(sample(&bot, click).await, 1.0);
}

#[actix_web::test]
async fn every_reply_kind_has_its_series() {
    // The counters are a fixed table: a reply kind missing from it would go uncounted.
    let bot = TestBot::new(Router::new().on(echo));
    let kinds = [
        Reply::text("t").msg_type(),
        Reply::image(MediaId::from("m")).msg_type(),
        Reply::voice(MediaId::from("m")).msg_type(),
        Reply::from(Reply::video(MediaId::from("m"))).msg_type(),
        Reply::from(Reply::music("https://e.com/a.mp3", MediaId::from("m"))).msg_type(),
        Reply::news([]).msg_type(),
        Reply::transfer_customer_service().msg_type(),
    ];
    let metrics = call(&bot, "/metrics").await.body;
    for kind in kinds.into_iter().chain(["success"]) {
        let series = format!("wxbot_replies_total{{kind=\"{kind}\"}} 0");
        assert!(metrics.contains(&series), "{series} missing");
    }
}

#[actix_web::test]
async fn a_job_report_no_route_takes_is_counted_and_answered_success() {
    let bot = TestBot::new(Router::new().on(echo));
    // One report delivered three times: were a dedupe slot taken, two would be replays.
    let report = "<xml><ToUserName>gh_test</ToUserName><FromUserName>o_user</FromUserName>\
        <CreateTime>1700000000</CreateTime><MsgType>event</MsgType>\
        <Event>TEMPLATESENDJOBFINISH</Event><MsgID>42</MsgID><Status>success</Status></xml>";
    for _ in 0..3 {
        assert!(bot.send(report).await.is_success());
    }
    let series = "wxbot_bulk_events_total{event=\"templatesendjobfinish\"}";
    assert_eq!(sample(&bot, series).await, 3.0);
    // No dedupe slot was taken: nothing counted as a replay.
    assert_eq!(sample(&bot, "wxbot_dedupe_replays_total").await, 0.0);
}

#[actix_web::test]
async fn uploads_cache_hits_tokens_and_late_sends_are_counted() {
    let emulator = Emulator::start().expect("emulator");
    let bot = TestBot::with_config(&demo_config(&emulator), Router::new().on(cat));
    bot.deliver(&Msg::text("cat")).await;
    bot.deliver(&Msg::text("cat")).await;
    assert_eq!(
        sample(&bot, "wxbot_media_uploads_total{result=\"ok\"}").await,
        1.0
    );
    assert_eq!(
        sample(&bot, "wxbot_media_cache_total{result=\"miss\"}").await,
        1.0
    );
    assert_eq!(
        sample(&bot, "wxbot_media_cache_total{result=\"hit\"}").await,
        1.0
    );
    assert_eq!(
        sample(&bot, "wxbot_token_fetches_total{result=\"ok\"}").await,
        1.0
    );

    let mut late = config(&emulator);
    late.server.reply_deadline_ms = 50;
    let slow_bot = TestBot::with_config(&late, Router::new().on(slow));
    assert!(slow_bot.deliver(&Msg::text("later")).await.is_success());
    // Drained: the late reply has gone out and its answer is counted.
    let abandoned = slow_bot.bot().drain(Duration::from_secs(10)).await;
    assert_eq!(abandoned, 0);
    assert_eq!(emulator.sent().len(), 1, "sent by customer service");
    assert_eq!(
        sample(&slow_bot, "wxbot_deadline_fallbacks_total").await,
        1.0
    );
    let sent = "wxbot_customer_service_sends_total{errcode=\"0\"}";
    assert_eq!(sample(&slow_bot, sent).await, 1.0);
}

#[test]
fn ops_bind_serves_health_apart_from_the_callback_port() {
    let dir = TempDir::new("ops-bind");
    let emulator = Emulator::start().expect("emulator");
    write_demo_toml(&dir.0, &emulator);
    let mut running = Running::serve(&dir.0, &[], &[("WXBOT_SERVER__OPS_BIND", "127.0.0.1:0")]);
    let ops = running.next_stdout_line();
    let ops = ops.strip_prefix("ops on http://").expect("the ops line");
    assert_eq!(get(ops, "/healthz").0, 200);
    assert!(
        get(ops, "/metrics")
            .1
            .contains("wxbot_deadline_fallbacks_total 0")
    );
    assert_eq!(
        get(&running.addr, "/healthz").0,
        404,
        "not on the public port"
    );
    assert!(running.stop().success());

    // Without ops_bind they share the callback's port.
    let mut running = Running::serve(&dir.0, &[], &[]);
    assert_eq!(get(&running.addr, "/healthz").0, 200);
    assert!(running.stop().success());
}
