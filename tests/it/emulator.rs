//! The WeChat API emulator over real HTTP: tokens and their errors, media upload and download,
//! customer-service sends (refused with 48001 on an unverified subscription account), scripted
//! faults, and the loud 404 for unknown requests; the platform's APIs (menu, QR codes,
//! notifications, user info) in `emulator/*.rs`.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use futures_util::FutureExt as _;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use wxbot::MediaKind;
use wxbot::emulator::{AccountKind, Emulator, Fault};

use crate::common::next_sent;

/// The custom menu: create, get, delete, and each rule's errcode.
mod menu;
/// Template and subscription messages, and the job-finished event.
mod notify;
/// QR codes with scenes, and their image.
mod qrcode;
/// User info, and who follows.
mod user;

const JPEG: &[u8] = b"\xff\xd8\xff\xe0 not really a jpeg, but bytes to round-trip \x00\x01\x02";

/// Waits at most this long for something that should happen at once, so a bug fails the test
/// instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(10);

fn emulator() -> Emulator {
    Emulator::start().expect("start the emulator")
}

async fn get_json(url: &str) -> Value {
    let response = reqwest::get(url).await.expect("request");
    assert_eq!(response.status(), 200, "{url}");
    response.json().await.expect("a JSON answer")
}

async fn post_json(url: &str, body: &Value) -> Value {
    let response = reqwest::Client::new()
        .post(url)
        .json(body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "{url}");
    response.json().await.expect("a JSON answer")
}

fn token_url(emu: &Emulator) -> String {
    format!(
        "{}/cgi-bin/token?grant_type=client_credential&appid={}&secret={}",
        emu.base_url(),
        emu.appid(),
        emu.secret()
    )
}

async fn token(emu: &Emulator) -> String {
    let answer = get_json(&token_url(emu)).await;
    answer["access_token"].as_str().expect("a token").to_owned()
}

/// A call that needs a valid token and otherwise answers 40007: tells the token's fate apart.
async fn probe(emu: &Emulator, token: &str) -> Value {
    let base = emu.base_url();
    get_json(&format!(
        "{base}/cgi-bin/media/get?access_token={token}&media_id=nope"
    ))
    .await
}

/// `BASE/PATH?access_token=…`, with a fresh token.
async fn api_url(emu: &Emulator, path: &str) -> String {
    format!("{}{path}?access_token={}", emu.base_url(), token(emu).await)
}

async fn upload(emu: &Emulator, kind: &str, filename: &str, mime: &str, bytes: &[u8]) -> Value {
    upload_part(emu, kind, "media", filename, mime, bytes).await
}

/// An upload whose file is the multipart part `name` (the API reads `media`).
async fn upload_part(
    emu: &Emulator,
    kind: &str,
    name: &str,
    filename: &str,
    mime: &str,
    bytes: &[u8],
) -> Value {
    let url = format!(
        "{}&type={kind}",
        api_url(emu, "/cgi-bin/media/upload").await
    );
    let part = Part::bytes(bytes.to_vec())
        .file_name(filename.to_owned())
        .mime_str(mime);
    let form = Form::new().part(name.to_owned(), part.expect("a valid mime"));
    let response = reqwest::Client::new()
        .post(url)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), 200);
    response.json().await.expect("a JSON answer")
}

async fn send(emu: &Emulator, body: &Value) -> Value {
    post_json(&api_url(emu, "/cgi-bin/message/custom/send").await, body).await
}

#[tokio::test]
async fn token_is_new_on_every_fetch_and_carries_the_ttl() {
    let emu = emulator();
    let first = get_json(&token_url(&emu)).await;
    assert_eq!(first["expires_in"], 7200);
    emu.set_token_ttl(60);
    let second = get_json(&token_url(&emu)).await;
    assert_eq!(second["expires_in"], 60);
    assert_ne!(first["access_token"], second["access_token"]);
    // WeChat's overlap: the earlier token still works.
    for answer in [&first, &second] {
        let token = answer["access_token"].as_str().expect("a token");
        assert_eq!(probe(&emu, token).await["errcode"], 40007);
    }
    assert_eq!(emu.count("/cgi-bin/token"), 2);
}

#[tokio::test]
async fn token_refuses_a_wrong_grant_type_appid_or_secret() {
    let emu = emulator();
    let base = format!("{}/cgi-bin/token", emu.base_url());
    let cases = [
        (
            format!(
                "grant_type=client_credential&appid={}&secret=wrong",
                emu.appid()
            ),
            40125,
        ),
        (
            format!(
                "grant_type=client_credential&appid=wxwrong&secret={}",
                emu.secret()
            ),
            40013,
        ),
        (
            format!(
                "grant_type=password&appid={}&secret={}",
                emu.appid(),
                emu.secret()
            ),
            40002,
        ),
    ];
    for (query, code) in cases {
        let answer = get_json(&format!("{base}?{query}")).await;
        assert_eq!(answer["errcode"], code, "{query}");
        assert!(answer.get("access_token").is_none());
    }
}

#[tokio::test]
async fn stable_token_is_reused_until_force_refresh() {
    let emu = emulator();
    let url = format!("{}/cgi-bin/stable_token", emu.base_url());
    let mut body = json!({
        "grant_type": "client_credential", "appid": emu.appid(), "secret": emu.secret(),
    });
    let first = post_json(&url, &body).await;
    let again = post_json(&url, &body).await;
    assert_eq!(first["access_token"], again["access_token"]);
    body["force_refresh"] = json!(true);
    let forced = post_json(&url, &body).await;
    assert_ne!(first["access_token"], forced["access_token"]);
    assert_eq!(forced["expires_in"], 7200);
}

#[tokio::test]
async fn access_token_missing_unknown_and_expired_are_41001_40001_42001() {
    let emu = emulator();
    let base = emu.base_url();
    let missing = get_json(&format!("{base}/cgi-bin/media/get?media_id=x")).await;
    assert_eq!(missing["errcode"], 41001);
    assert_eq!(probe(&emu, "forged").await["errcode"], 40001);
    let token = token(&emu).await;
    assert_eq!(probe(&emu, &token).await["errcode"], 40007);
    emu.expire_tokens();
    assert_eq!(probe(&emu, &token).await["errcode"], 42001);
}

#[tokio::test]
async fn a_zero_ttl_token_is_already_expired() {
    let emu = emulator();
    emu.set_token_ttl(0);
    let token = token(&emu).await;
    assert_eq!(probe(&emu, &token).await["errcode"], 42001);
}

#[tokio::test]
async fn upload_then_get_returns_the_exact_bytes_and_content_type() {
    let emu = emulator();
    let answer = upload(&emu, "image", "demo.jpg", "image/jpeg", JPEG).await;
    assert_eq!(answer["type"], "image");
    assert!(
        answer["created_at"]
            .as_u64()
            .is_some_and(|at| at > 1_700_000_000)
    );
    let media_id = answer["media_id"].as_str().expect("a media_id");

    let uploads = emu.uploads();
    assert_eq!(uploads.len(), 1);
    let recorded = &uploads[0];
    assert_eq!(
        (recorded.kind, recorded.media_id.as_str()),
        (MediaKind::Image, media_id)
    );
    assert_eq!(
        (recorded.filename.as_str(), recorded.content_type.as_str()),
        ("demo.jpg", "image/jpeg")
    );
    assert_eq!(recorded.bytes, JPEG);

    let url = format!(
        "{}&media_id={media_id}",
        api_url(&emu, "/cgi-bin/media/get").await
    );
    let response = reqwest::get(url).await.expect("download");
    assert_eq!(response.status(), 200);
    let header = |name: &str| response.headers()[name].to_str().expect("ascii").to_owned();
    assert_eq!(header("content-type"), "image/jpeg");
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"demo.jpg\""
    );
    assert_eq!(response.bytes().await.expect("body"), JPEG);
}

#[tokio::test]
async fn thumb_upload_answers_thumb_media_id() {
    let emu = emulator();
    let answer = upload(&emu, "thumb", "thumb.jpg", "image/jpeg", JPEG).await;
    assert_eq!(answer["type"], "thumb");
    assert!(answer.get("media_id").is_none());
    let id = answer["thumb_media_id"].as_str().expect("a thumb_media_id");
    assert_eq!(
        emu.media(id).map(|media| media.kind),
        Some(MediaKind::Thumb)
    );
}

#[tokio::test]
async fn upload_refuses_a_bad_type_and_a_missing_media_part() {
    let emu = emulator();
    let bad_type = upload(&emu, "gif", "demo.gif", "image/gif", JPEG).await;
    assert_eq!(bad_type["errcode"], 40004);

    let no_media = upload_part(&emu, "image", "file", "demo.jpg", "image/jpeg", JPEG).await;
    assert_eq!(no_media["errcode"], 41005);
    assert!(emu.uploads().is_empty());
}

#[tokio::test]
async fn video_get_answers_a_video_url_that_serves_the_bytes() {
    let emu = emulator();
    let video = b"\x00\x00\x00\x18ftypmp42 video bytes".to_vec();
    let id = emu.put_media(MediaKind::Video, "clip.mp4", "video/mp4", video.clone());
    let url = format!(
        "{}&media_id={id}",
        api_url(&emu, "/cgi-bin/media/get").await
    );
    let answer = get_json(&url).await;
    let video_url = answer["video_url"].as_str().expect("a video_url");
    assert_eq!(video_url, format!("{}/emulator/video/{id}", emu.base_url()));

    let response = reqwest::get(video_url).await.expect("download");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "video/mp4");
    assert_eq!(response.bytes().await.expect("body"), video);
    // Put media is served but is not an upload.
    assert!(emu.uploads().is_empty());
}

#[tokio::test]
async fn get_of_an_unknown_media_id_is_40007_under_http_200() {
    let emu = emulator();
    let token = token(&emu).await;
    let answer = probe(&emu, &token).await;
    assert_eq!(
        answer,
        json!({ "errcode": 40007, "errmsg": "invalid media_id" })
    );
}

#[tokio::test]
async fn custom_send_is_recorded_and_wakes_next_sent() {
    let emu = emulator();
    let first = json!({ "touser": "o_user", "msgtype": "text", "text": { "content": "hi" } });
    let second = json!({ "touser": "o_user", "msgtype": "image", "image": { "media_id": "m" } });
    // Polled once before anything is sent, so it can only finish by being woken.
    let mut waiting = std::pin::pin!(emu.next_sent());
    assert!(
        waiting.as_mut().now_or_never().is_none(),
        "nothing was sent yet"
    );
    assert_eq!(
        send(&emu, &first).await,
        json!({ "errcode": 0, "errmsg": "ok" })
    );
    assert_eq!(
        tokio::time::timeout(PATIENCE, waiting)
            .await
            .expect("woken"),
        first
    );

    assert_eq!(send(&emu, &second).await["errcode"], 0);
    // Each message is handed out once, in order.
    assert_eq!(next_sent(&emu).await, second);
    assert_eq!(emu.sent(), vec![first, second]);
}

#[tokio::test]
async fn custom_send_refuses_bad_bodies_without_recording_them() {
    let emu = emulator();
    let no_touser = json!({ "msgtype": "text", "text": { "content": "hi" } });
    assert_eq!(send(&emu, &no_touser).await["errcode"], 40003);
    let no_msgtype = json!({ "touser": "o_user", "text": { "content": "hi" } });
    assert_eq!(send(&emu, &no_msgtype).await["errcode"], 47001);
    let no_object = json!({ "touser": "o_user", "msgtype": "text" });
    assert_eq!(send(&emu, &no_object).await["errcode"], 47001);

    let url = api_url(&emu, "/cgi-bin/message/custom/send").await;
    let response = reqwest::Client::new()
        .post(url)
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(
        response.json::<Value>().await.expect("a JSON answer")["errcode"],
        47001
    );
    assert!(emu.sent().is_empty());
}

#[tokio::test]
async fn typing_is_acknowledged_and_recorded() {
    let emu = emulator();
    let url = api_url(&emu, "/cgi-bin/message/custom/typing").await;
    let typing = json!({ "touser": "o_user", "command": "Typing" });
    assert_eq!(post_json(&url, &typing).await["errcode"], 0);
    let bad = json!({ "touser": "o_user", "command": "Dancing" });
    assert_eq!(post_json(&url, &bad).await["errcode"], 47001);
    assert_eq!(emu.typing(), vec![typing]);
}

#[tokio::test]
async fn an_unverified_subscription_account_gets_48001_for_customer_service() {
    let emu = emulator();
    assert_eq!(
        emu.account_kind(),
        AccountKind::VerifiedService,
        "the default"
    );
    emu.set_account_kind(AccountKind::UnverifiedSubscription);
    assert_eq!(emu.account_kind(), AccountKind::UnverifiedSubscription);
    let message = json!({ "touser": "o_user", "msgtype": "text", "text": { "content": "late" } });
    let typing = json!({ "touser": "o_user", "command": "Typing" });
    let typing_url = api_url(&emu, "/cgi-bin/message/custom/typing").await;
    // HTTP 200 with WeChat's error, for a good body and a bad one alike: permission first.
    for answer in [
        send(&emu, &message).await,
        send(&emu, &json!({ "msgtype": "text" })).await,
        post_json(&typing_url, &typing).await,
    ] {
        assert_eq!(answer["errcode"], 48001, "{answer}");
        let errmsg = answer["errmsg"].as_str().expect("errmsg");
        assert!(errmsg.starts_with("api unauthorized"), "{errmsg}");
    }
    assert!(emu.sent().is_empty(), "{:?}", emu.sent());
    assert!(emu.typing().is_empty(), "{:?}", emu.typing());
    assert_eq!(
        emu.count("/cgi-bin/message/custom/send"),
        2,
        "calls are recorded"
    );
    // The token is still checked before the permission.
    let base = emu.base_url();
    let stale = post_json(
        &format!("{base}/cgi-bin/message/custom/send?access_token=nope"),
        &message,
    )
    .await;
    assert_eq!(stale["errcode"], 40001);

    emu.set_account_kind(AccountKind::VerifiedService);
    assert_eq!(send(&emu, &message).await["errcode"], 0);
    assert_eq!(post_json(&typing_url, &typing).await["errcode"], 0);
    assert_eq!(emu.sent(), vec![message]);
    assert_eq!(emu.typing(), vec![typing]);
}

#[test]
fn account_kinds_have_names() {
    for kind in AccountKind::ALL {
        assert_eq!(AccountKind::from_name(kind.as_str()), Some(kind));
    }
    assert_eq!(
        AccountKind::ALL.map(AccountKind::as_str),
        ["verified_service", "unverified_subscription"]
    );
    assert!(AccountKind::VerifiedService.has_customer_service());
    assert!(!AccountKind::UnverifiedSubscription.has_customer_service());
    assert_eq!(AccountKind::from_name("personal"), None);
}

#[tokio::test]
async fn scripted_errcodes_answer_in_order_then_normal() {
    let emu = emulator();
    emu.script(
        "/cgi-bin/token",
        Fault::Errcode(-1, "system busy".to_owned()),
    );
    emu.script(
        "/cgi-bin/token",
        Fault::Errcode(45009, "reach max api daily quota limit".to_owned()),
    );
    assert_eq!(
        get_json(&token_url(&emu)).await,
        json!({ "errcode": -1, "errmsg": "system busy" })
    );
    assert_eq!(get_json(&token_url(&emu)).await["errcode"], 45009);
    assert!(get_json(&token_url(&emu)).await["access_token"].is_string());
    assert_eq!(emu.count("/cgi-bin/token"), 3);
}

#[tokio::test]
async fn scripted_status_is_seen_by_the_client() {
    let emu = emulator();
    emu.script("/cgi-bin/token", Fault::Status(503));
    let response = reqwest::get(token_url(&emu)).await.expect("an answer");
    assert_eq!(response.status(), 503);
    assert_eq!(
        reqwest::get(token_url(&emu))
            .await
            .expect("an answer")
            .status(),
        200
    );
}

#[tokio::test]
async fn scripted_delay_holds_the_answer_then_answers_normally() {
    let emu = emulator();
    let delay = Duration::from_millis(300);
    emu.script("/cgi-bin/token", Fault::Delay(delay));
    let started = Instant::now();
    let answer = get_json(&token_url(&emu)).await;
    assert!(
        started.elapsed() >= delay,
        "answered after {:?}",
        started.elapsed()
    );
    assert!(answer["access_token"].is_string());

    // A client with a shorter timeout sees the delay as a timeout.
    emu.script("/cgi-bin/token", Fault::Delay(delay));
    let client = reqwest::Client::builder()
        .timeout(delay / 3)
        .build()
        .expect("client");
    let timed_out = client
        .get(token_url(&emu))
        .send()
        .await
        .expect_err("a timeout");
    assert!(timed_out.is_timeout(), "{timed_out:?}");
}

#[tokio::test]
async fn scripted_drop_closes_the_connection_without_an_answer() {
    let emu = emulator();
    emu.script("/cgi-bin/token", Fault::Drop);
    emu.script("/cgi-bin/token", Fault::Drop);

    // On a raw socket: the connection ends and not one byte of an answer came first.
    let addr = emu.base_url().trim_start_matches("http://").to_owned();
    let raw = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(&addr).expect("connect");
        stream
            .set_read_timeout(Some(PATIENCE))
            .expect("read timeout");
        let head = format!("GET /cgi-bin/token HTTP/1.1\r\nHost: {addr}\r\n\r\n");
        stream.write_all(head.as_bytes()).expect("write");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).map(|_| answer)
    });
    let raw = raw.await.expect("join").expect("closed, not timed out");
    assert!(raw.is_empty(), "{:?}", String::from_utf8_lossy(&raw));

    // Through reqwest: a request error with no status, not a timeout.
    let client = reqwest::Client::new();
    let dropped = client
        .get(token_url(&emu))
        .send()
        .await
        .expect_err("no answer");
    assert!(
        dropped.status().is_none() && !dropped.is_timeout(),
        "{dropped:?}"
    );
    assert_eq!(emu.count("/cgi-bin/token"), 2);

    // The faults were used up: the same client gets a normal answer next.
    let response = client.get(token_url(&emu)).send().await.expect("an answer");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn unknown_requests_are_404_naming_them_and_recorded() {
    let emu = emulator();
    let response = reqwest::get(format!("{}/cgi-bin/nope?x=1", emu.base_url())).await;
    let response = response.expect("an answer");
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.expect("a JSON answer");
    assert_eq!(body["errcode"], -404);
    assert_eq!(
        body["errmsg"],
        "emulator: no such API: GET /cgi-bin/nope?x=1"
    );

    // A known path under the wrong method is unknown too.
    let wrong_method = reqwest::Client::new()
        .post(token_url(&emu))
        .send()
        .await
        .expect("answer");
    assert_eq!(wrong_method.status(), 404);

    let unexpected = emu.unexpected();
    assert_eq!(unexpected.len(), 2);
    assert_eq!(unexpected[0], "GET /cgi-bin/nope?x=1");
    assert!(
        unexpected[1].starts_with("POST /cgi-bin/token?grant_type="),
        "{unexpected:?}"
    );
}

#[tokio::test]
async fn calls_record_method_path_query_and_body_length() {
    let emu = emulator();
    let body = json!({ "touser": "o_user", "msgtype": "text", "text": { "content": "hi" } });
    send(&emu, &body).await;
    let calls = emu.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        (calls[0].method.as_str(), calls[0].path.as_str()),
        ("GET", "/cgi-bin/token")
    );
    assert_eq!(calls[0].query_param("appid"), Some(emu.appid()));
    assert_eq!(
        (calls[1].method.as_str(), calls[1].body_len),
        ("POST", body.to_string().len())
    );
    assert!(calls[1].query_param("access_token").is_some());
    assert_eq!(emu.count("/cgi-bin/message/custom/send"), 1);
}

#[actix_web::test]
async fn works_under_an_actix_runtime() {
    let emu = emulator();
    let token = token(&emu).await;
    assert_eq!(probe(&emu, &token).await["errcode"], 40007);
    let message = json!({ "touser": "o_user", "msgtype": "text", "text": { "content": "hi" } });
    send(&emu, &message).await;
    assert_eq!(next_sent(&emu).await, message);
}
