//! The upload-on-demand cache against the emulator, with real files: single-flight, reuse,
//! refresh, content keys, limits; and the demo bot's media rows (the README's table).

use std::path::Path;

use wxbot::Client;
use wxbot::MediaKind;
use wxbot::emulator::{Emulator, Fault};
use wxbot::testing::text_message;
use wxbot::{MediaCache, MediaError};

use crate::common::{ASSETS, TempDir, config, demo_bot_with, demo_config};

const UPLOAD: &str = "/cgi-bin/media/upload";

fn jpeg(len: usize, fill: u8) -> Vec<u8> {
    let mut bytes = vec![0xff, 0xd8, 0xff, 0xe0];
    bytes.resize(len, fill);
    bytes
}

/// `frames` MPEG-1 Layer III frames at 128 kbit/s, 44.1 kHz: 417 bytes and 26.122 ms each.
fn mp3(frames: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    for _ in 0..frames {
        let mut frame = vec![0xff, 0xfb, 0x90, 0x00];
        frame.resize(417, 0);
        bytes.extend(frame);
    }
    bytes
}

struct Setup {
    emulator: Emulator,
    cache: MediaCache,
    dir: TempDir,
}

fn setup(name: &str, tune: impl FnOnce(&mut wxbot::config::MediaConfig)) -> Setup {
    let emulator = Emulator::start().expect("emulator");
    let dir = TempDir::new(name);
    let mut config = config(&emulator);
    config.media.assets_dir = dir.0.clone();
    tune(&mut config.media);
    let cache = MediaCache::new(Client::new(&config), &config.media);
    Setup {
        emulator,
        cache,
        dir,
    }
}

impl Setup {
    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.dir.0.join(name), bytes).expect("write");
    }

    async fn image(&self, name: &str) -> Result<String, MediaError> {
        self.cache
            .resolve(MediaKind::Image, Path::new(name))
            .await
            .map(|id| id.to_string())
    }
}

#[tokio::test]
async fn two_hundred_concurrent_cold_requests_make_one_upload() {
    let setup = setup("single-flight", |_| {});
    setup.write("a.jpg", &jpeg(1000, 1));
    setup
        .emulator
        .script(UPLOAD, Fault::Delay(std::time::Duration::from_millis(200)));
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let cache = setup.cache.clone();
            tokio::spawn(async move { cache.resolve(MediaKind::Image, Path::new("a.jpg")).await })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.expect("join").expect("resolve").to_string());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1);
    assert_eq!(setup.emulator.count(UPLOAD), 1);
    assert_eq!(setup.emulator.uploads()[0].media_id, ids[0]);
}

#[tokio::test]
async fn a_fresh_id_is_reused() {
    let setup = setup("reuse", |_| {});
    setup.write("a.jpg", &jpeg(1000, 1));
    let first = setup.image("a.jpg").await.expect("first");
    let second = setup.image("a.jpg").await.expect("second");
    assert_eq!(first, second);
    assert_eq!(setup.emulator.count(UPLOAD), 1);
}

#[tokio::test]
async fn a_stale_id_is_uploaded_again() {
    // ttl ≤ margin: every id is past its refresh point at once, without waiting.
    let setup = setup("stale", |media| {
        media.ttl_secs = 60;
        media.refresh_margin_secs = 60;
    });
    setup.write("a.jpg", &jpeg(1000, 1));
    let first = setup.image("a.jpg").await.expect("first");
    let second = setup.image("a.jpg").await.expect("second");
    assert_ne!(first, second);
    assert_eq!(setup.emulator.count(UPLOAD), 2);
}

/// With `recheck_ms = 0` every reply looks at the file; the default's window is the unit
/// test `media::tests::a_changed_file_is_seen_once_its_recheck_is_due`.
#[tokio::test]
async fn a_changed_file_is_uploaded_again_and_a_copy_reuses_the_id() {
    let setup = setup("content", |media| media.recheck_ms = 0);
    setup.write("a.jpg", &jpeg(1000, 1));
    let first = setup.image("a.jpg").await.expect("first");
    setup.write("copy.jpg", &jpeg(1000, 1));
    assert_eq!(
        setup.image("copy.jpg").await.expect("copy"),
        first,
        "same content, same id"
    );
    setup.write("a.jpg", &jpeg(1200, 2));
    let changed = setup.image("a.jpg").await.expect("changed");
    assert_ne!(changed, first);
    assert_eq!(setup.emulator.count(UPLOAD), 2);
    assert_eq!(setup.emulator.uploads()[1].bytes, jpeg(1200, 2));
}

#[tokio::test]
async fn one_file_as_image_and_as_thumb_makes_two_uploads() {
    let setup = setup("kinds", |_| {});
    setup.write("a.jpg", &jpeg(1000, 1));
    let image = setup.image("a.jpg").await.expect("image");
    let thumb = setup
        .cache
        .resolve(MediaKind::Thumb, Path::new("a.jpg"))
        .await
        .expect("thumb");
    assert_ne!(image, thumb.to_string());
    let kinds: Vec<_> = setup
        .emulator
        .uploads()
        .iter()
        .map(|u| u.kind.as_str())
        .collect();
    assert_eq!(kinds, ["image", "thumb"]);
}

#[tokio::test]
async fn a_failed_upload_is_not_cached() {
    let setup = setup("failure", |_| {});
    setup.write("a.jpg", &jpeg(1000, 1));
    setup.emulator.script(
        UPLOAD,
        Fault::Errcode(45009, "api quota reached".to_owned()),
    );
    let error = setup.image("a.jpg").await.unwrap_err();
    assert!(error.to_string().contains("45009"), "{error}");
    assert!(
        error.to_string().contains("a.jpg"),
        "the error names the file: {error}"
    );
    setup
        .image("a.jpg")
        .await
        .expect("the next request tries again");
    assert_eq!(setup.emulator.count(UPLOAD), 2);
    assert_eq!(setup.emulator.uploads().len(), 1);
}

#[tokio::test]
async fn refused_files_are_never_uploaded() {
    let setup = setup("limits", |media| media.voice_max_secs = 1);
    setup.write("big.jpg", &jpeg(128 * 1024 + 1, 1));
    setup.write("photo.jpg", b"\x89PNG\r\n\x1a\nrest");
    setup.write("clip.jpg", b"\x00\x00\x00\x18ftypmp42....");
    std::fs::copy(
        Path::new(ASSETS).join("demo.amr"),
        setup.dir.0.join("long.amr"),
    )
    .expect("copy");
    // One byte over the voice size limit, 16 s long; 2.6 s, over this setup's 1 s.
    let mut big = mp3(629);
    big.truncate(256 * 1024 + 1);
    setup.write("big.mp3", &big);
    setup.write("long.mp3", &mp3(100));
    let cases = [
        (MediaKind::Image, "big.jpg", "media.image_max_bytes"),
        (
            MediaKind::Image,
            "photo.jpg",
            "image must be JPG, but the file is PNG",
        ),
        (MediaKind::Video, "photo.jpg", "video must be MP4"),
        (
            MediaKind::Voice,
            "clip.jpg",
            "voice must be AMR or MP3, but the file is MP4",
        ),
        (MediaKind::Voice, "long.amr", "media.voice_max_secs"),
        (MediaKind::Voice, "big.mp3", "media.voice_max_bytes"),
        (MediaKind::Voice, "long.mp3", "voice lasts 2612 ms"),
        (MediaKind::Voice, "long.mp3", "media.voice_max_secs"),
        (MediaKind::Image, "missing.jpg", "cannot be read"),
        (
            MediaKind::Image,
            "../escape.jpg",
            "escapes media.assets_dir",
        ),
        (MediaKind::Image, "/etc/passwd", "escapes media.assets_dir"),
    ];
    for (kind, name, needle) in cases {
        let error = setup
            .cache
            .resolve(kind, Path::new(name))
            .await
            .expect_err(name);
        let message = error.to_string();
        assert!(message.contains(needle), "{name}: {message}");
        assert!(
            message.contains(name.trim_start_matches("../").trim_start_matches('/')),
            "{message}"
        );
    }
    assert_eq!(setup.emulator.count(UPLOAD), 0);
    assert!(
        setup.emulator.calls().is_empty(),
        "not even a token was fetched"
    );
    // The same format under both limits is uploaded: the refusals were the limits'.
    setup.write("short.mp3", &mp3(20));
    setup
        .cache
        .resolve(MediaKind::Voice, Path::new("short.mp3"))
        .await
        .expect("522 ms, 8 KB");
    assert_eq!(setup.emulator.uploads()[0].content_type, "audio/mpeg");
}

fn uploaded(emulator: &Emulator, kind: &str) -> wxbot::emulator::Upload {
    let uploads = emulator.uploads();
    let found = uploads.iter().find(|u| u.kind.as_str() == kind);
    found
        .unwrap_or_else(|| panic!("no {kind} upload in {uploads:?}"))
        .clone()
}

#[actix_web::test]
async fn demo_image_voice_video_and_music_reply_with_uploaded_ids() {
    let emulator = Emulator::start().expect("emulator");
    let bot = demo_bot_with(&demo_config(&emulator));

    let reply = bot.send(&text_message("image")).await;
    assert_eq!(reply.msg_type(), Some("image"), "{}", reply.body);
    let image = uploaded(&emulator, "image");
    assert_eq!(reply.field("MediaId"), Some(image.media_id.as_str()));
    assert_eq!(
        image.bytes,
        std::fs::read(Path::new(ASSETS).join("demo.jpg")).expect("asset")
    );

    let reply = bot.send(&text_message("voice")).await;
    assert_eq!(reply.msg_type(), Some("voice"), "{}", reply.body);
    assert_eq!(
        reply.field("MediaId"),
        Some(uploaded(&emulator, "voice").media_id.as_str())
    );
    assert_eq!(uploaded(&emulator, "voice").content_type, "audio/amr");

    let reply = bot.send(&text_message("video")).await;
    assert_eq!(reply.msg_type(), Some("video"), "{}", reply.body);
    assert_eq!(
        reply.field("MediaId"),
        Some(uploaded(&emulator, "video").media_id.as_str())
    );
    assert_eq!(reply.field("Title"), Some("Demo video"));
    assert_eq!(reply.field("Description"), Some("A short clip"));

    let reply = bot.send(&text_message("music")).await;
    assert_eq!(reply.msg_type(), Some("music"), "{}", reply.body);
    assert_eq!(
        reply.field("ThumbMediaId"),
        Some(uploaded(&emulator, "thumb").media_id.as_str())
    );
    assert_eq!(reply.field("Title"), Some("Demo music"));
    assert_eq!(reply.field("Description"), Some("A short tune"));
    assert_eq!(
        reply.field("MusicUrl"),
        Some("https://example.com/demo.mp3")
    );
    assert_eq!(
        reply.field("HQMusicUrl"),
        Some("https://example.com/demo.mp3")
    );

    // Asked again: the cached ids, no new uploads.
    bot.send(&text_message("image")).await;
    assert_eq!(emulator.count(UPLOAD), 4);
}

#[actix_web::test]
async fn a_refused_media_file_answers_success() {
    let emulator = Emulator::start().expect("emulator");
    let mut config = demo_config(&emulator);
    config.media.image_max_bytes = 10;
    let bot = demo_bot_with(&config);
    let reply = bot.send(&text_message("image")).await;
    assert!(reply.is_success(), "{}", reply.body);
    assert_eq!(emulator.count(UPLOAD), 0);
}

#[tokio::test]
async fn requests_waiting_on_a_failed_upload_share_its_failure() {
    let setup = setup("shared-failure", |_| {});
    setup.write("a.jpg", &jpeg(1000, 1));
    // Three dropped connections: the first request's upload fails after its retries.
    for _ in 0..3 {
        setup.emulator.script(UPLOAD, Fault::Drop);
    }
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let cache = setup.cache.clone();
            tokio::spawn(async move { cache.resolve(MediaKind::Image, Path::new("a.jpg")).await })
        })
        .collect();
    for task in tasks {
        let error = task.await.expect("join").unwrap_err();
        assert!(matches!(error, MediaError::Upload { .. }), "{error}");
    }
    assert_eq!(
        setup.emulator.count(UPLOAD),
        3,
        "one upload's attempts, not fifty"
    );
    setup
        .image("a.jpg")
        .await
        .expect("a later request tries again");
    assert_eq!(setup.emulator.count(UPLOAD), 4);
}

#[cfg(unix)]
#[tokio::test]
async fn a_symlink_out_of_the_assets_folder_is_refused() {
    let setup = setup("symlink", |_| {});
    let outside = TempDir::new("symlink-outside");
    std::fs::write(outside.0.join("secret.jpg"), jpeg(1000, 1)).expect("write");
    std::os::unix::fs::symlink(outside.0.join("secret.jpg"), setup.dir.0.join("link.jpg"))
        .expect("link");
    let error = setup.image("link.jpg").await.unwrap_err();
    assert!(
        error.to_string().contains("escapes media.assets_dir"),
        "{error}"
    );
    setup.write("inside.jpg", &jpeg(1000, 2));
    std::os::unix::fs::symlink(
        setup.dir.0.join("inside.jpg"),
        setup.dir.0.join("alias.jpg"),
    )
    .expect("link");
    setup
        .image("alias.jpg")
        .await
        .expect("a link that stays inside is fine");
    assert_eq!(setup.emulator.count(UPLOAD), 1);
}

#[tokio::test]
async fn a_same_size_rewrite_that_keeps_the_mtime_is_caught_before_upload() {
    // ttl ≤ margin: every resolve re-reads the file for a new upload.
    let setup = setup("same-size", |media| {
        media.ttl_secs = 60;
        media.refresh_margin_secs = 60;
    });
    let path = setup.dir.0.join("a.jpg");
    setup.write("a.jpg", &jpeg(1000, 1));
    setup.image("a.jpg").await.expect("first upload");
    let mtime = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .expect("mtime");
    setup.write("a.jpg", &jpeg(1000, 2));
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(mtime))
        .expect("keep mtime");
    let error = setup.image("a.jpg").await.unwrap_err();
    assert!(matches!(error, MediaError::Changed { .. }), "{error}");
    setup
        .image("a.jpg")
        .await
        .expect("the next request uploads the new content");
    let uploads = setup.emulator.uploads();
    assert_eq!(uploads.len(), 2);
    assert_eq!(uploads[1].bytes, jpeg(1000, 2));
}
