//! Several instances act as one through a real Redis: each instance its own bot and HTTP
//! server, all sharing one emulator (WeChat) and one `redis-server` started for the test.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpServer};
use wxbot::config::Backend;
use wxbot::emulator::{Emulator, Fault};
use wxbot::prelude::*;
use wxbot::testing::{TestBot, TestResponse, text_message};
use wxbot::{Bot, Config, endpoint};

use crate::common::{demo_config, local_client, signed_uri};
use crate::dedup::{Logs, Probe, slow};
use crate::redis_server::RedisServer;

/// One instance: a bot of its own and its HTTP server on a free port, in a thread of its own.
pub struct Instance<S = ()> {
    pub bot: Bot<S>,
    url: String,
    config: Config,
    server: actix_web::dev::ServerHandle,
}

impl<S: Clone + Send + Sync + 'static> Instance<S> {
    pub fn start(config: &Config, router: Router<S>) -> Self {
        let bot = Bot::new(config, router).expect("bot");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let (ready, started) = std::sync::mpsc::channel();
        let served = bot.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new().configure(endpoint::configure(served.clone()))
                })
                .workers(1)
                .disable_signals()
                // A loaded test machine may take a while to send a request's head.
                .client_request_timeout(Duration::from_secs(60))
                .listen(listener)
                .expect("listen")
                .run();
                ready.send(server.handle()).expect("ready");
                server.await.expect("instance");
            });
        });
        let server = started.recv().expect("instance started");
        Self {
            bot,
            url,
            config: config.clone(),
            server,
        }
    }

    /// Delivers `xml` as WeChat does (a signed POST); the answer.
    pub async fn send(&self, xml: &str) -> TestResponse {
        let url = format!("{}{}", self.url, signed_uri(&self.config));
        let response = local_client()
            .post(url)
            .body(xml.to_owned())
            .send()
            .await
            .expect("post");
        let status = response.status().as_u16();
        TestResponse::new(status, response.text().await.expect("body"))
    }
}

impl<S> Drop for Instance<S> {
    fn drop(&mut self) {
        drop(self.server.stop(false));
    }
}

/// `config` with the store at `redis`.
pub fn shared(mut config: Config, redis: &RedisServer) -> Config {
    config.store.backend = Backend::Redis;
    config.store.url = redis.url().as_str().into();
    config
}

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
    let second = actix_web::rt::spawn({
        let message = message.clone();
        async move { b.send(&message).await }
    });
    // B has claimed nothing and runs nothing: it waits for A's answer.
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

#[actix_web::test]
async fn without_redis_both_instances_answer_and_sharing_resumes_when_it_is_back() {
    let (logs, _guard) = Logs::capture();
    let (emulator, mut redis) = (Emulator::start().expect("emulator"), RedisServer::start());
    let config = shared(crate::common::config(&emulator), &redis);
    let probe = Probe::new();
    let a = TestBot::with_config(&config, probe_router(&probe).on(echo));
    let b = TestBot::with_config(&config, probe_router(&probe).on(echo));
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
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while logs.lines("sharing resumes").len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "sharing never resumed"
        );
        a.send(&text_message("ping")).await;
        b.send(&text_message("ping")).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let message = text_message("shared again");
    let before = probe.runs();
    let (first, second) = (a.send(&message).await, b.send(&message).await);
    assert_eq!(first.text(), Some("shared again"), "{}", first.body);
    assert_eq!(first, second);
    assert_eq!(probe.runs() - before, 1, "B replayed A's reply");
}

/// Echoes, counting its runs.
async fn echo(ctx: Ctx<Probe>, text: Text) -> String {
    ctx.state()
        .runs
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    text.content
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
