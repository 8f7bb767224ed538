//! `store.backend = "file"`: access tokens and media ids outlive the process, so a restart
//! neither fetches nor uploads again while they live.

use std::path::Path;

use wxbot::client::{Client, MediaKind};
use wxbot::config::Backend;
use wxbot::emulator::Emulator;
use wxbot::media::MediaCache;
use wxbot::prelude::*;
use wxbot::{Bot, Config};

use crate::common::{ASSETS, TempDir, config};

/// An emulator and a file store in a fresh folder.
struct Setup {
    emulator: Emulator,
    config: Config,
    _dir: TempDir,
}

fn setup(name: &str, tune: impl FnOnce(&mut Config)) -> Setup {
    let emulator = Emulator::start().expect("emulator");
    let dir = TempDir::new(name);
    let mut config = config(&emulator);
    config.store.backend = Backend::File;
    config.store.path = dir.0.join("state");
    config.media.assets_dir = ASSETS.into();
    tune(&mut config);
    Setup {
        emulator,
        config,
        _dir: dir,
    }
}

impl Setup {
    /// A fresh process's view: a new client and cache over the same configuration.
    fn restart(&self) -> (Client, MediaCache) {
        let client = Client::new(&self.config);
        let cache = MediaCache::new(client.clone(), &self.config.media);
        (client, cache)
    }

    /// A new process resolves the demo image; its cache and the id.
    async fn demo_image(&self) -> (MediaCache, MediaId) {
        let (_, cache) = self.restart();
        let id = cache
            .resolve(MediaKind::Image, Path::new("demo.jpg"))
            .await
            .expect("resolve");
        (cache, id)
    }

    fn uploads(&self) -> usize {
        self.emulator.count("/cgi-bin/media/upload")
    }
}

#[tokio::test]
async fn a_restart_reuses_the_stored_media_id() {
    let setup = setup("store-media", |_| {});
    let (_, id) = setup.demo_image().await;
    let (_, again) = setup.demo_image().await;
    assert_eq!(id, again);
    assert_eq!(setup.uploads(), 1);
}

#[tokio::test]
async fn a_restart_reuses_the_stored_token_until_wechat_refuses_it() {
    let setup = setup("store-token", |_| {});
    let (first, _) = setup.restart();
    let token = first.access_token().await.expect("token");
    let (second, _) = setup.restart();
    assert_eq!(second.access_token().await.expect("stored"), token);
    assert_eq!(setup.emulator.count("/cgi-bin/token"), 1);
    setup.emulator.expire_tokens();
    second
        .typing(&OpenId::new("o_u"), true)
        .await
        .expect("refetched after 42001");
    let (third, _) = setup.restart();
    let replaced = third.access_token().await.expect("the new stored token");
    assert_ne!(replaced, token, "the refused token is not handed out again");
    assert_eq!(setup.emulator.count("/cgi-bin/token"), 2);
}

#[tokio::test]
async fn a_stored_id_past_its_refresh_point_is_uploaded_again() {
    // ttl ≤ margin: every stored id is past its refresh point at once.
    let setup = setup("store-stale", |config| {
        config.media.ttl_secs = 60;
        config.media.refresh_margin_secs = 60;
    });
    setup.demo_image().await;
    setup.demo_image().await;
    assert_eq!(setup.uploads(), 2);
}

#[tokio::test]
async fn a_forgotten_id_is_not_reused_by_the_next_run() {
    let setup = setup("store-forget", |_| {});
    let (cache, id) = setup.demo_image().await;
    cache.forget(&Reply::image(id)).await;
    setup.demo_image().await;
    assert_eq!(setup.uploads(), 2);
}

#[test]
fn an_unusable_store_path_stops_the_bot_naming_it() {
    let blocker = TempDir::new("store-bad");
    std::fs::write(blocker.0.join("a-file"), b"x").expect("write");
    let setup = setup("store-bad-config", |config| {
        config.store.path = blocker.0.join("a-file").join("state");
    });
    let err = Bot::new(&setup.config, Router::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("store.path"), "{err}");
}
