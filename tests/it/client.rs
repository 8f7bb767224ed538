//! The API client against the emulator over real sockets: token sharing, the token-invalid
//! retry, the busy/5xx/connection retries, and the media and customer-service calls.

use std::sync::Arc;

use wxbot::MediaKind;
use wxbot::emulator::{Emulator, Fault};
use wxbot::prelude::*;
use wxbot::{Client, ClientError, Downloaded, SendError};

use crate::common::{config, next_sent};

fn setup() -> (Emulator, Client) {
    let emulator = Emulator::start().expect("emulator");
    let client = Client::new(&config(&emulator));
    (emulator, client)
}

const TYPING: &str = "/cgi-bin/message/custom/typing";
const TOKEN: &str = "/cgi-bin/token";

fn user() -> OpenId {
    OpenId::new("o_user")
}

fn err(code: i64) -> Fault {
    Fault::Errcode(code, format!("scripted {code}"))
}

#[tokio::test]
async fn fifty_concurrent_needs_make_one_token_fetch() {
    let (emulator, client) = setup();
    emulator.script(TOKEN, Fault::Delay(std::time::Duration::from_millis(100)));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.access_token().await.map(|t| t.to_string()) })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.expect("join").expect("token"));
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 1, "every caller got the same token");
    assert_eq!(emulator.count(TOKEN), 1);
}

#[tokio::test]
async fn each_token_invalid_code_causes_one_refetch_and_one_retry() {
    for code in [40001, 40014, 42001] {
        let (emulator, client) = setup();
        client.access_token().await.expect("token");
        emulator.script(TYPING, err(code));
        client
            .typing(&user(), true)
            .await
            .expect("retried with a fresh token");
        assert_eq!(emulator.count(TOKEN), 2, "{code}: one refetch");
        assert_eq!(emulator.count(TYPING), 2, "{code}: one retry");
    }
}

#[tokio::test]
async fn expired_tokens_are_replaced_transparently() {
    let (emulator, client) = setup();
    client.typing(&user(), true).await.expect("first");
    emulator.expire_tokens();
    client.typing(&user(), false).await.expect("after expiry");
    assert_eq!(emulator.count(TOKEN), 2);
    assert_eq!(emulator.typing().len(), 2);
}

#[tokio::test]
async fn a_second_token_error_is_returned_not_looped() {
    let (emulator, client) = setup();
    emulator.script(TYPING, err(40001));
    emulator.script(TYPING, err(40001));
    let error = client.typing(&user(), true).await.unwrap_err();
    assert_eq!(error.api().map(|api| api.code), Some(40001));
    assert_eq!(emulator.count(TYPING), 2);
    assert_eq!(emulator.count(TOKEN), 2);
}

#[tokio::test]
async fn busy_and_5xx_and_dropped_connections_are_retried() {
    let (emulator, client) = setup();
    client.access_token().await.expect("token");
    emulator.script(TYPING, err(-1));
    emulator.script(TYPING, Fault::Status(502));
    client
        .typing(&user(), true)
        .await
        .expect("third attempt succeeds");
    assert_eq!(emulator.count(TYPING), 3);
    emulator.script(TYPING, Fault::Drop);
    client
        .typing(&user(), true)
        .await
        .expect("after a dropped connection");
    assert_eq!(emulator.count(TYPING), 5);
}

#[tokio::test]
async fn busy_gives_up_after_three_attempts() {
    let (emulator, client) = setup();
    client.access_token().await.expect("token");
    for _ in 0..3 {
        emulator.script(TYPING, err(-1));
    }
    let error = client.typing(&user(), true).await.unwrap_err();
    assert_eq!(error.api().map(|api| api.code), Some(-1));
    assert_eq!(emulator.count(TYPING), 3);
}

#[tokio::test]
async fn other_codes_are_not_retried_and_keep_code_and_message() {
    let (emulator, client) = setup();
    client.access_token().await.expect("token");
    emulator.script(TYPING, err(40003));
    let error = client.typing(&user(), true).await.unwrap_err();
    let api = error.api().expect("an api error");
    assert_eq!((api.code, api.message.as_str()), (40003, "scripted 40003"));
    assert_eq!(error.to_string(), "wechat api error 40003: scripted 40003");
    assert_eq!(emulator.count(TYPING), 1);
}

#[tokio::test]
async fn missing_credentials_fail_without_a_call() {
    let emulator = Emulator::start().expect("emulator");
    let mut config = config(&emulator);
    config.account.secret = "".into();
    let error = Client::new(&config).access_token().await.unwrap_err();
    assert!(error.to_string().contains("account.secret"), "{error}");
    assert_eq!(emulator.calls().len(), 0);
}

#[tokio::test]
async fn stable_token_endpoint_is_used_when_configured() {
    let emulator = Emulator::start().expect("emulator");
    let mut config = config(&emulator);
    config.account.token_endpoint = wxbot::config::TokenEndpoint::Stable;
    let client = Client::new(&config);
    client.typing(&user(), true).await.expect("typing");
    assert_eq!(emulator.count("/cgi-bin/stable_token"), 1);
    assert_eq!(emulator.count(TOKEN), 0);
}

#[tokio::test]
async fn upload_sends_the_exact_multipart_shape() {
    let (emulator, client) = setup();
    let bytes =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo.jpg")).expect("asset");
    let uploaded = client
        .upload(
            MediaKind::Image,
            "demo.jpg",
            "image/jpeg",
            bytes.clone().into(),
        )
        .await
        .expect("upload");
    let call = emulator
        .calls()
        .into_iter()
        .find(|c| c.path == "/cgi-bin/media/upload")
        .expect("call");
    assert_eq!(call.method, "POST");
    assert_eq!(call.query_param("type"), Some("image"));
    let stored = emulator.uploads();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].media_id, uploaded.media_id.as_str());
    assert_eq!(stored[0].filename, "demo.jpg");
    assert_eq!(stored[0].content_type, "image/jpeg");
    assert_eq!(stored[0].bytes, bytes);
}

#[tokio::test]
async fn thumb_upload_reads_thumb_media_id() {
    let (emulator, client) = setup();
    let uploaded = client
        .upload(
            MediaKind::Thumb,
            "t.jpg",
            "image/jpeg",
            vec![0xff, 0xd8, 0xff].into(),
        )
        .await
        .expect("upload");
    assert_eq!(emulator.uploads()[0].media_id, uploaded.media_id.as_str());
    assert!(!uploaded.media_id.as_str().is_empty());
}

#[tokio::test]
async fn download_returns_bytes_video_url_or_the_40007_error() {
    let (emulator, client) = setup();
    let id = emulator.put_media(
        MediaKind::Image,
        "cat.jpg",
        "image/jpeg",
        vec![0xff, 0xd8, 0xff, 1, 2],
    );
    match client.download(&MediaId::new(id)).await.expect("download") {
        Downloaded::File {
            bytes,
            content_type,
            ..
        } => {
            assert_eq!(bytes.as_ref(), [0xff, 0xd8, 0xff, 1, 2]);
            assert_eq!(content_type, "image/jpeg");
        }
        other => panic!("expected a file, got {other:?}"),
    }
    let video = emulator.put_media(MediaKind::Video, "v.mp4", "video/mp4", vec![0; 16]);
    let answer = client.download(&MediaId::new(video)).await.expect("video");
    assert!(matches!(answer, Downloaded::VideoUrl(url) if url.starts_with("http")));
    let error = client.download(&MediaId::new("nope")).await.unwrap_err();
    assert!(
        error.api().is_some_and(|api| api.is_media_invalid()),
        "{error}"
    );
}

#[tokio::test]
async fn send_reply_posts_customer_service_json() {
    let (emulator, client) = setup();
    client
        .send_reply(&user(), &Reply::text("later"))
        .await
        .expect("send");
    let sent = next_sent(&emulator).await;
    assert_eq!(
        sent,
        serde_json::json!({"touser": "o_user", "msgtype": "text", "text": {"content": "later"}})
    );
    let refused = client
        .send_reply(&user(), &Reply::transfer_customer_service())
        .await;
    assert!(refused.is_err());
    assert_eq!(
        emulator.sent().len(),
        1,
        "nothing sent for a reply without a CS form"
    );
}

#[tokio::test]
async fn clones_share_one_token() {
    let (emulator, client) = setup();
    let other = client.clone();
    let (a, b) = tokio::join!(client.access_token(), other.access_token());
    assert!(Arc::ptr_eq(&a.expect("a"), &b.expect("b")));
    assert_eq!(emulator.count(TOKEN), 1);
}

#[tokio::test]
async fn a_customer_service_send_that_timed_out_is_not_sent_again() {
    // Held for an hour, far past the 1 s timeout: a timeout is the only way these calls end,
    // however slow the machine (the emulator drops the held request when the test ends).
    let held = Fault::Delay(std::time::Duration::from_secs(3600));
    let emulator = Emulator::start().expect("emulator");
    let mut config = config(&emulator);
    config.api.timeout_secs = 1;
    let client = Client::new(&config);
    client.access_token().await.expect("token");
    emulator.script("/cgi-bin/message/custom/send", held.clone());
    let error = client
        .send_reply(&user(), &Reply::text("once"))
        .await
        .expect_err("timed out");
    assert!(
        matches!(&error, SendError::Client(ClientError::Http { source, .. }) if source.is_timeout()),
        "{error:?}"
    );
    assert_eq!(
        emulator.count("/cgi-bin/message/custom/send"),
        1,
        "a timeout may have been delivered"
    );
    emulator.script(TYPING, held);
    client
        .typing(&user(), true)
        .await
        .expect("idempotent calls are retried");
    assert_eq!(emulator.count(TYPING), 2);
}

#[tokio::test]
async fn a_refused_stable_token_is_replaced_by_a_forced_refresh() {
    let emulator = Emulator::start().expect("emulator");
    let mut config = config(&emulator);
    config.account.token_endpoint = wxbot::config::TokenEndpoint::Stable;
    let client = Client::new(&config);
    client.typing(&user(), true).await.expect("typing");
    emulator.script(TYPING, err(40001));
    client
        .typing(&user(), true)
        .await
        .expect("retried with a fresh token");
    let tokens: Vec<String> = emulator
        .calls()
        .iter()
        .filter(|call| call.path == TYPING)
        .filter_map(|call| call.query_param("access_token").map(str::to_owned))
        .collect();
    assert_eq!(tokens.len(), 3);
    assert_eq!(
        tokens[0], tokens[1],
        "the refused call used the cached token"
    );
    assert_ne!(
        tokens[1], tokens[2],
        "the retry used a new one, not the stable one handed back"
    );
}

#[tokio::test]
async fn a_failed_connection_names_neither_the_secret_nor_the_token() {
    // Nothing listens on a port the test just freed: every call fails to connect.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let emulator = Emulator::start().expect("emulator");
    let mut config = config(&emulator);
    config.api.base_url = format!("http://127.0.0.1:{port}");
    let err = Client::new(&config).access_token().await.unwrap_err();
    let mut chain = format!("{err} {err:?}");
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        chain.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    assert!(!chain.contains(wxbot::emulator::SECRET), "{chain}");
    assert!(!chain.contains("secret="), "{chain}");
    assert!(
        chain.contains("/cgi-bin/token"),
        "the path is named: {chain}"
    );
}
