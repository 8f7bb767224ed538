//! `store.backend = "file"`: access tokens and media ids outlive the process, so a restart
//! neither fetches nor uploads again while they live. In process, and through the real binary
//! stopped by SIGTERM and started again: expired, corrupt and refused records included.

use std::path::{Path, PathBuf};
use std::time::Duration;

use wxbot::Client;
use wxbot::MediaCache;
use wxbot::MediaKind;
use wxbot::config::Backend;
use wxbot::emulator::{Emulator, Fault};
use wxbot::prelude::*;
use wxbot::testing::{self, TestResponse, text_message};
use wxbot::{Bot, Config};

use crate::common::{ASSETS, Running, TempDir, config, post, signed_uri, write_demo_toml};

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
    /// A fresh process's view: a new bot over the same configuration, which opens the
    /// store and hands it to its client and media cache.
    fn restart(&self) -> (Client, MediaCache) {
        let bot = Bot::new(&self.config, Router::new()).expect("bot");
        (bot.client().clone(), bot.media().clone())
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

/// The demo bot's binary with a file store, on an emulator, in a fresh folder.
struct Binary {
    emulator: Emulator,
    dir: TempDir,
}

impl Binary {
    fn new(name: &str) -> Self {
        let emulator = Emulator::start().expect("emulator");
        let dir = TempDir::new(name);
        write_demo_toml(&dir.0, &emulator);
        Self { emulator, dir }
    }

    /// The store's folder.
    fn state(&self) -> PathBuf {
        self.dir.0.join("state")
    }

    /// `wxbot serve` with `store.backend = "file"` and `envs`.
    fn start(&self, envs: &[(&str, &str)]) -> Running {
        let state = self.state();
        let mut all = vec![
            ("WXBOT_STORE__BACKEND", "file"),
            ("WXBOT_STORE__PATH", state.to_str().expect("utf-8 path")),
        ];
        all.extend_from_slice(envs);
        Running::serve(&self.dir.0, &[], &all)
    }

    /// The file of the stored token.
    fn token_file(&self) -> PathBuf {
        self.state()
            .join(format!("wxbot:{{{}}}:token.json", self.emulator.appid()))
    }

    /// The files of stored media ids.
    fn media_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.state())
            .expect("state folder")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.contains("}:media:") && name.ends_with(".json"))
            })
            .collect();
        files.sort();
        files
    }

    /// The `access_token` of every upload the emulator received, in order.
    fn upload_tokens(&self) -> Vec<String> {
        self.emulator
            .calls()
            .iter()
            .filter(|call| call.path == "/cgi-bin/media/upload")
            .map(|call| {
                call.query_param("access_token")
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }

    fn token_fetches(&self) -> usize {
        self.emulator.count("/cgi-bin/token")
    }
}

/// A stored token or media id, as the client and the media cache write it.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Record {
    value: String,
    created_at: u64,
    expires_at: u64,
}

/// What the file store keeps in a file: the value (a record, as JSON) and its expiry.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Stored {
    value: String,
    expires_at_ms: u64,
}

/// The record in `file`.
fn record(file: &Path) -> Record {
    let stored: Stored =
        serde_json::from_slice(&std::fs::read(file).expect("read record")).expect("a stored value");
    serde_json::from_str(&stored.value).expect("a record")
}

/// Replaces the record in `file`, keeping the file's own expiry.
fn rewrite(file: &Path, record: &Record) {
    let mut stored: Stored =
        serde_json::from_slice(&std::fs::read(file).expect("read record")).expect("a stored value");
    stored.value = serde_json::to_string(record).expect("json");
    std::fs::write(file, serde_json::to_vec(&stored).expect("json")).expect("write");
}

/// `word` from the test user to `server`; its answer.
fn ask(server: &Running, word: &str) -> TestResponse {
    let uri = signed_uri(&testing::config());
    let (status, body) = post(&server.addr, &uri, text_message(word).as_bytes());
    TestResponse::new(status, body)
}

/// Asks `server` for the demo image; the media id it answers with.
fn image_id(server: &Running) -> String {
    let answer = ask(server, "image");
    assert_eq!(answer.msg_type(), Some("image"), "{}", answer.body);
    answer.field("MediaId").expect("MediaId").to_owned()
}

/// Stops `server` with SIGTERM; it must exit 0. Its remaining log lines.
fn stop(mut server: Running) -> Vec<String> {
    let status = server.stop();
    assert!(status.success(), "{status}");
    server.rest_of_stderr()
}

#[test]
fn the_binary_keeps_its_token_and_media_id_across_a_restart() {
    let binary = Binary::new("store-binary");
    let first = binary.start(&[]);
    let id = image_id(&first);
    assert_eq!(binary.emulator.uploads()[0].media_id, id);
    stop(first);
    assert_eq!(
        (binary.token_fetches(), binary.upload_tokens().len()),
        (1, 1)
    );

    let second = binary.start(&[]);
    assert_eq!(image_id(&second), id, "the stored id, not a new upload");
    // The voice is new content: it needs an upload, and so a token, the stored one.
    let voice = ask(&second, "voice");
    assert_eq!(voice.msg_type(), Some("voice"), "{}", voice.body);
    stop(second);
    assert_eq!(
        binary.token_fetches(),
        1,
        "no token fetched after the restart"
    );
    let tokens = binary.upload_tokens();
    assert_eq!(
        tokens.len(),
        2,
        "one upload each for the image and the voice"
    );
    assert_eq!(
        tokens[1], tokens[0],
        "the voice went up with the stored token"
    );
}

#[test]
fn an_expired_stored_token_is_fetched_again_after_a_restart() {
    let binary = Binary::new("store-expired");
    let first = binary.start(&[]);
    image_id(&first);
    stop(first);
    let mut expired = record(&binary.token_file());
    // The emulator would still take it: only the record says it is over.
    expired.expires_at = expired.created_at;
    rewrite(&binary.token_file(), &expired);

    let second = binary.start(&[]);
    let voice = ask(&second, "voice");
    assert_eq!(voice.msg_type(), Some("voice"), "{}", voice.body);
    stop(second);
    assert_eq!(binary.token_fetches(), 2, "the expired token was not used");
    let tokens = binary.upload_tokens();
    assert_eq!(tokens.len(), 2, "the voice went up at the first try");
    assert_ne!(tokens[1], expired.value);
    let stored = record(&binary.token_file());
    assert_eq!(
        stored.value, tokens[1],
        "the new token replaced the expired record"
    );
    assert!(stored.expires_at > expired.expires_at);
}

#[test]
fn a_corrupt_record_is_ignored_with_a_warning_and_replaced() {
    let binary = Binary::new("store-corrupt");
    let first = binary.start(&[]);
    let old_id = image_id(&first);
    stop(first);
    let media = binary.media_files();
    assert_eq!(media.len(), 1, "{media:?}");
    for file in [&binary.token_file(), &media[0]] {
        std::fs::write(file, b"{\"value\": \"half a rec").expect("corrupt");
    }

    let second = binary.start(&[]);
    let new_id = image_id(&second);
    let lines = stop(second);
    assert_ne!(new_id, old_id, "uploaded again");
    assert_eq!(binary.emulator.uploads()[1].media_id, new_id);
    assert_eq!(binary.token_fetches(), 2, "a new token for the new upload");
    let warnings: Vec<&String> = lines
        .iter()
        .filter(|line| line.contains("WARN") && line.contains("store: unreadable record"))
        .collect();
    assert_eq!(
        warnings.len(),
        2,
        "one warning per corrupt record: {lines:#?}"
    );
    assert!(
        warnings.iter().any(|line| line.contains(":token.json")),
        "{warnings:#?}"
    );
    assert!(
        warnings.iter().any(|line| line.contains("media:")),
        "{warnings:#?}"
    );
    assert_eq!(record(&media[0]).value, new_id, "the record is whole again");
    assert_eq!(
        record(&binary.token_file()).value,
        binary.upload_tokens()[1]
    );
}

#[test]
fn a_media_id_wechat_refused_is_not_reused_after_a_restart() {
    let binary = Binary::new("store-refused");
    let emulator = &binary.emulator;
    // The reply misses its deadline behind a slow upload; the late send is refused (40007),
    // and the upload again fails too: the refused id is all that is left.
    emulator.script(
        "/cgi-bin/media/upload",
        Fault::Delay(Duration::from_secs(1)),
    );
    emulator.script(
        "/cgi-bin/message/custom/send",
        Fault::Errcode(40007, "invalid media_id".to_owned()),
    );
    emulator.script(
        "/cgi-bin/media/upload",
        Fault::Errcode(45009, "reach max api daily quota limit".to_owned()),
    );
    let first = binary.start(&[("WXBOT_SERVER__REPLY_DEADLINE_MS", "200")]);
    assert!(ask(&first, "image").is_success(), "past the deadline");
    // SIGTERM waits for the late reply to play out.
    let lines = stop(first);
    assert!(
        lines.iter().any(|line| line.contains("late reply lost")),
        "{lines:#?}"
    );
    let refused = emulator.uploads()[0].media_id.clone();
    assert_eq!(emulator.count("/cgi-bin/message/custom/send"), 1);
    assert_eq!(emulator.count("/cgi-bin/media/upload"), 2);

    let second = binary.start(&[]);
    let id = image_id(&second);
    stop(second);
    assert_ne!(id, refused, "the refused id is not handed out again");
    let uploads = emulator.uploads();
    assert_eq!(uploads.len(), 2, "{uploads:?}");
    assert_eq!(uploads[1].media_id, id);
}
