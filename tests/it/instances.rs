//! Instances of a bot for the tests of several instances: each its own bot and HTTP server,
//! their store a real Redis.

use std::time::Duration;

use actix_web::{App, HttpServer};
use wxbot::config::Backend;
use wxbot::prelude::*;
use wxbot::testing::TestResponse;
use wxbot::{Bot, Config, endpoint};

use crate::common::{local_client, signed_uri};
use crate::redis_server::RedisServer;

/// One instance: a bot of its own and its HTTP server on a free port, in a thread of its own.
pub struct Instance<S = ()> {
    pub bot: Bot<S>,
    url: String,
    config: Config,
    server: actix_web::dev::ServerHandle,
    /// One client for all its requests, so concurrent requests are concurrent.
    client: reqwest::Client,
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
            client: local_client(),
        }
    }

    /// Delivers `xml` as WeChat does (a signed POST); the answer.
    pub async fn send(&self, xml: &str) -> TestResponse {
        let url = format!("{}{}", self.url, signed_uri(&self.config));
        let response = (self.client)
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
