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

fn file_store(emulator: &Emulator, dir: &TempDir) -> Config {
    let mut config = config(emulator);
    config.store.backend = Backend::File;
    config.store.path = dir.0.join("state");
    config.media.assets_dir = ASSETS.into();
    config
}

/// A fresh process's view: a new client and cache over the same configuration.
fn restart(config: &Config) -> (Client, MediaCache) {
    let client = Client::new(config);
    let cache = MediaCache::new(client.clone(), &config.media);
    (client, cache)
}

#[tokio::test]
async fn a_restart_reuses_the_stored_media_id() {
    let emulator = Emulator::start().expect("emulator");
    let dir = TempDir::new("store-media");
    let config = file_store(&emulator, &dir);
    let (_, first) = restart(&config);
    let id = first
        .resolve(MediaKind::Image, Path::new("demo.jpg"))
        .await
        .expect("upload");
    let (_, second) = restart(&config);
    let again = second
        .resolve(MediaKind::Image, Path::new("demo.jpg"))
        .await
        .expect("reuse");
    assert_eq!(id, again);
    assert_eq!(emulator.count("/cgi-bin/media/upload"), 1);
}

#[tokio::test]
async fn a_restart_reuses_the_stored_token_until_wechat_refuses_it() {
    let emulator = Emulator::start().expect("emulator");
    let dir = TempDir::new("store-token");
    let config = file_store(&emulator, &dir);
    let (first, _) = restart(&config);
    let token = first.access_token().await.expect("token");
    let (second, _) = restart(&config);
    assert_eq!(second.access_token().await.expect("stored"), token);
    assert_eq!(emulator.count("/cgi-bin/token"), 1);
    emulator.expire_tokens();
    second
        .typing(&OpenId::new("o_u"), true)
        .await
        .expect("refetched after 42001");
    let (third, _) = restart(&config);
    let replaced = third.access_token().await.expect("the new stored token");
    assert_ne!(replaced, token, "the refused token is not handed out again");
    assert_eq!(emulator.count("/cgi-bin/token"), 2);
}

#[tokio::test]
async fn a_stored_id_past_its_refresh_point_is_uploaded_again() {
    let emulator = Emulator::start().expect("emulator");
    let dir = TempDir::new("store-stale");
    let mut config = file_store(&emulator, &dir);
    config.media.ttl_secs = 60;
    config.media.refresh_margin_secs = 60;
    let (_, first) = restart(&config);
    first
        .resolve(MediaKind::Image, Path::new("demo.jpg"))
        .await
        .expect("upload");
    let (_, second) = restart(&config);
    second
        .resolve(MediaKind::Image, Path::new("demo.jpg"))
        .await
        .expect("upload again");
    assert_eq!(emulator.count("/cgi-bin/media/upload"), 2);
}

#[tokio::test]
async fn a_forgotten_id_is_not_reused_by_the_next_run() {
    let emulator = Emulator::start().expect("emulator");
    let dir = TempDir::new("store-forget");
    let config = file_store(&emulator, &dir);
    let (_, first) = restart(&config);
    let id = first
        .resolve(MediaKind::Image, Path::new("demo.jpg"))
        .await
        .expect("upload");
    first.forget(&Reply::image(id)).await;
    let (_, second) = restart(&config);
    second
        .resolve(MediaKind::Image, Path::new("demo.jpg"))
        .await
        .expect("upload again");
    assert_eq!(emulator.count("/cgi-bin/media/upload"), 2);
}

#[test]
fn an_unusable_store_path_stops_the_bot_naming_it() {
    let emulator = Emulator::start().expect("emulator");
    let dir = TempDir::new("store-bad");
    std::fs::write(dir.0.join("a-file"), b"x").expect("write");
    let mut config = file_store(&emulator, &dir);
    config.store.path = dir.0.join("a-file").join("state");
    let err = Bot::new(&config, Router::new()).unwrap_err().to_string();
    assert!(err.contains("store.path"), "{err}");
}
