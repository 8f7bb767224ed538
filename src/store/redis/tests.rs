//! The Redis backend against a real `redis-server` started on a free port (`scripts/test`
//! installs it; missing, the tests fail saying so).

use std::time::Duration;

use super::{Redis, Waiting};
use crate::store::tests::{LONG, keeps_the_contract};
use crate::store::{Claimed, Store, StoreError};

#[tokio::test]
async fn redis_keeps_the_contract() {
    let server = RedisServer::start();
    let store = Redis::open(&server.url()).unwrap();
    store.connect().await.expect("redis answers");
    keeps_the_contract(&store, async |span| tokio::time::sleep(span).await).await;
}

#[tokio::test]
async fn a_redis_that_is_not_there_fails_at_once_and_is_not_asked_again_at_once() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let store = Redis::open(&format!("redis://127.0.0.1:{port}/0")).unwrap();
    assert!(store.connect().await.is_err());
    let first = store.get("k").await;
    assert!(matches!(first, Err(StoreError::Redis(_))), "{first:?}");
    assert!(
        matches!(store.get("k").await, Err(StoreError::Down)),
        "resting"
    );
}

/// A `redis-server` of this test's own on a free port, killed on drop.
struct RedisServer {
    port: u16,
    child: std::process::Child,
}

impl RedisServer {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server not found: run scripts/test (it installs Debian's redis-server)");
        let server = Self { port, child };
        for _ in 0..500 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("redis-server did not listen on port {port}");
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_claim_takes_a_users_reply_only_while_the_account_is_marked() {
    let server = RedisServer::start();
    let (claimer, keeper) = (
        Redis::open(&server.url()).unwrap(),
        Redis::open(&server.url()).unwrap(),
    );
    claimer.connect().await.expect("redis answers");
    let waiting = Some(Waiting {
        mark: "mark",
        reply: "pending:alice",
    });
    let claim = async |message| {
        (claimer
            .take_or_claim(waiting, message, "pending me", LONG)
            .await)
            .expect("claimed")
    };
    // Under a user's key but without the mark: no claim reads it.
    keeper.put("pending:alice", "stray", LONG).await.unwrap();
    assert_eq!(claim("msg:1").await, Claimed::Mine);
    let stray = keeper.get("pending:alice").await.unwrap();
    assert_eq!(stray.as_deref(), Some("stray"), "left alone");
    // Kept with the mark by another instance: the claimer sees the mark for the first time,
    // then knows it is there; either way the reply is taken once.
    for (message, reply) in [("msg:2", "late one"), ("msg:3", "late two")] {
        keeper
            .keep_waiting("mark", "pending:alice", reply, LONG)
            .await
            .unwrap();
        assert_eq!(claim(message).await, Claimed::Waiting(reply.to_owned()));
        assert_eq!(keeper.get("pending:alice").await.unwrap(), None, "taken");
    }
    assert_eq!(claim("msg:3").await, Claimed::Taken);
    assert_eq!(claim("msg:4").await, Claimed::Mine, "nothing waits now");
    assert_eq!(
        keeper.get("msg:4").await.unwrap().as_deref(),
        Some("pending me")
    );
}

#[test]
fn connections_send_at_once_and_probe_when_idle() {
    let info = redis::IntoConnectionInfo::into_connection_info("redis://127.0.0.1:1/0").unwrap();
    let tcp = info.set_tcp_settings(super::tcp());
    let settings = tcp.tcp_settings();
    assert!(settings.nodelay(), "Nagle off");
    assert!(settings.keepalive().is_some(), "keepalive probes");
}

#[tokio::test]
async fn a_queued_write_that_is_lost_counts_as_a_store_error() {
    let server = RedisServer::start();
    let redis = Redis::open(&server.url()).unwrap();
    redis.connect().await.expect("redis answers");
    let metrics = crate::metrics::Metrics::new(true);
    redis.count_lost_writes_in(metrics.clone());
    drop(server);
    let errors = || {
        let rendered = metrics.render();
        rendered.contains("wxbot_store_errors_total 1\n")
    };
    assert!(
        redis.put_later("k", "v", LONG).is_ok(),
        "queued: not known down yet"
    );
    // The write leaves within 2 ms and fails at once; the count follows.
    let counted = tokio::time::Instant::now() + Duration::from_secs(5);
    while !errors() {
        assert!(
            tokio::time::Instant::now() < counted,
            "{}",
            metrics.render()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(
        matches!(redis.put_later("k", "v", LONG), Err(StoreError::Down)),
        "known down now: refused at once"
    );
}

#[tokio::test]
async fn the_mark_lives_as_long_as_the_longest_kept_reply() {
    let server = RedisServer::start();
    let redis = Redis::open(&server.url()).unwrap();
    redis.connect().await.expect("redis answers");
    let long = Duration::from_secs(600);
    (redis
        .keep_waiting("mark", "pending:alice", "later", long)
        .await)
        .unwrap();
    (redis
        .keep_waiting("mark", "pending:bob", "soon", Duration::from_secs(1))
        .await)
        .unwrap();
    let client = redis::Client::open(server.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let ttl = |key: &'static str| redis::cmd("PTTL").arg(key).clone();
    let mark: i64 = ttl("mark").query_async(&mut connection).await.unwrap();
    assert!(mark > 590_000, "not shortened: {mark} ms");
    let bob: i64 = ttl("pending:bob")
        .query_async(&mut connection)
        .await
        .unwrap();
    assert!(
        (1..=1_000).contains(&bob),
        "each reply keeps its own life: {bob} ms"
    );
}
