//! The demo bot's answers (the README's table), row by row, through the real `handlers::router()`.
//!
//! The upload rows (text `image`, `voice`, `video`, `music`) need the media cache and the API
//! emulator; they are tested with those, not here.

use wxbot::prelude::Article;
use wxbot::testing::{TestResponse, text_message};

use crate::common::demo_bot;

async fn send(xml: &str) -> TestResponse {
    let reply = demo_bot().send(xml).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
}

/// A text reply to the fixture sender, from the fixture account, with `content`.
fn assert_text_reply(reply: &TestResponse, content: &str) {
    assert_eq!(reply.text(), Some(content), "{}", reply.body);
    assert_eq!(reply.field("ToUserName"), Some("o_fixture_user"));
    assert_eq!(reply.field("FromUserName"), Some("gh_fixture_account"));
}

/// The text fixture with its content replaced by `content` (plain text, no markup).
fn text_fixture(content: &str) -> String {
    wxbot::fixture!("inbound/text.xml").replacen("this is a test", content, 1)
}

// Text.

#[actix_web::test]
async fn text_ping_answers_pong() {
    assert_text_reply(&send(&text_fixture("ping")).await, "pong");
}

#[actix_web::test]
async fn text_news_answers_two_articles() {
    let reply = send(&text_fixture("news")).await;
    assert_eq!(reply.msg_type(), Some("news"), "{}", reply.body);
    assert_eq!(reply.field("ArticleCount"), Some("2"));
    assert_eq!(
        reply.articles(),
        [
            Article::new(
                "First",
                "One",
                "https://example.com/1.jpg",
                "https://example.com/1"
            ),
            Article::new(
                "Second",
                "Two",
                "https://example.com/2.jpg",
                "https://example.com/2"
            ),
        ]
    );
    assert_eq!(reply.field("ToUserName"), Some("o_fixture_user"));
}

#[actix_web::test]
async fn text_count_counts_in_the_users_session() {
    let bot = demo_bot();
    for n in 1..=3 {
        // Each its own message (a repeat would get the first answer).
        let fixture = text_fixture("count");
        let (head, tail) = fixture.split_once("<MsgId>").expect("a MsgId");
        let (_, tail) = tail.split_once("</MsgId>").expect("a MsgId");
        let message = format!("{head}<MsgId>{n}</MsgId>{tail}");
        let reply = bot.send(&message).await;
        assert_text_reply(&reply, &format!("count {n}"));
    }
}

#[actix_web::test]
async fn text_slow_s_answers_done_s_after_s_seconds() {
    let bot = demo_bot();
    tokio::time::pause();
    let started = tokio::time::Instant::now();
    assert_text_reply(&bot.send(&text_fixture("slow 2")).await, "done 2");
    assert_eq!(started.elapsed().as_secs(), 2);
}

#[actix_web::test]
async fn text_slow_outside_1_to_30_seconds_is_echoed() {
    for text in ["slow 0", "slow 31", "slow x", "slow -1", "slow"] {
        assert_text_reply(&send(&text_fixture(text)).await, text);
    }
}

#[actix_web::test]
async fn any_other_text_is_echoed_unchanged() {
    assert_text_reply(
        &send(wxbot::fixture!("inbound/text.xml")).await,
        "this is a test",
    );
}

#[actix_web::test]
async fn text_with_entities_is_echoed_decoded() {
    let reply = send(wxbot::fixture!("inbound/text_entities.xml")).await;
    assert_text_reply(&reply, "<b> & 中文");
}

#[actix_web::test]
async fn keywords_match_exactly_and_anything_close_is_echoed() {
    let bot = demo_bot();
    for near in [
        "Ping", "ping ", " ping", "pingping", "NEWS", "news!", "images", "Music",
    ] {
        let reply = bot.send(&text_message(near)).await;
        assert_eq!(reply.text(), Some(near), "{near:?}: {}", reply.body);
    }
}

// Content kinds.

#[actix_web::test]
async fn image_answers_the_same_media_id() {
    let reply = send(wxbot::fixture!("inbound/image.xml")).await;
    assert_eq!(reply.msg_type(), Some("image"), "{}", reply.body);
    assert_eq!(reply.field("MediaId"), Some("fixture_image_media_id"));
    assert_eq!(reply.field("ToUserName"), Some("o_fixture_user"));
}

#[actix_web::test]
async fn voice_with_recognition_answers_what_was_said() {
    let reply = send(wxbot::fixture!("inbound/voice.xml")).await;
    assert_text_reply(&reply, "you said: 腾讯微信团队");
}

#[actix_web::test]
async fn voice_without_recognition_answers_the_same_voice() {
    let reply = send(wxbot::fixture!("inbound/voice_no_recognition.xml")).await;
    assert_eq!(reply.msg_type(), Some("voice"), "{}", reply.body);
    assert_eq!(reply.field("MediaId"), Some("fixture_voice_media_id_2"));
}

#[actix_web::test]
async fn voice_with_empty_recognition_answers_the_same_voice() {
    let xml = wxbot::fixture!("inbound/voice.xml").replacen("腾讯微信团队", "", 1);
    let reply = send(&xml).await;
    assert_eq!(reply.msg_type(), Some("voice"), "{}", reply.body);
    assert_eq!(reply.field("MediaId"), Some("fixture_voice_media_id"));
}

#[actix_web::test]
async fn video_answers_its_ids() {
    let reply = send(wxbot::fixture!("inbound/video.xml")).await;
    assert_text_reply(
        &reply,
        "video fixture_video_media_id thumb fixture_video_thumb_id",
    );
}

#[actix_web::test]
async fn shortvideo_answers_its_ids() {
    let reply = send(wxbot::fixture!("inbound/shortvideo.xml")).await;
    assert_text_reply(
        &reply,
        "video fixture_shortvideo_media_id thumb fixture_shortvideo_thumb_id",
    );
}

#[actix_web::test]
async fn location_answers_coordinates_as_sent() {
    let reply = send(wxbot::fixture!("inbound/location.xml")).await;
    assert_text_reply(&reply, "location 23.134520,113.358803 scale 20 位置信息");
}

#[actix_web::test]
async fn link_answers_title_and_url() {
    let reply = send(wxbot::fixture!("inbound/link.xml")).await;
    assert_text_reply(&reply, "link 公众平台官网链接 https://mp.weixin.qq.com/");
}

// Events with an answer.

#[actix_web::test]
async fn subscribe_answers_welcome() {
    assert_text_reply(
        &send(wxbot::fixture!("inbound/event_subscribe.xml")).await,
        "welcome",
    );
}

#[actix_web::test]
async fn subscribe_with_empty_event_key_answers_welcome() {
    let xml = wxbot::fixture!("inbound/event_subscribe.xml").replacen(
        "</Event>",
        "</Event><EventKey><![CDATA[]]></EventKey>",
        1,
    );
    assert_text_reply(&send(&xml).await, "welcome");
}

#[actix_web::test]
async fn subscribe_through_qr_scene_answers_welcome_scene() {
    let reply = send(wxbot::fixture!("inbound/event_subscribe_qrscene.xml")).await;
    assert_text_reply(&reply, "welcome 123123");
}

#[actix_web::test]
async fn scan_answers_its_event_key() {
    assert_text_reply(
        &send(wxbot::fixture!("inbound/event_scan.xml")).await,
        "scan 123123",
    );
}

#[actix_web::test]
async fn click_answers_its_event_key() {
    let reply = send(wxbot::fixture!("inbound/event_click.xml")).await;
    assert_text_reply(&reply, "click V1001_TODAY_MUSIC");
}

// Everything else: no reply.

/// One test per fixture the demo bot does not answer.
macro_rules! answers_success {
    ($($name:ident => $path:literal),* $(,)?) => {$(
        #[actix_web::test]
        async fn $name() {
            let reply = demo_bot().send(wxbot::fixture!($path)).await;
            assert!(reply.is_success(), "{} answered {} {}", $path, reply.status, reply.body);
        }
    )*};
}

answers_success!(
    unsubscribe_answers_success => "inbound/event_unsubscribe.xml",
    view_answers_success => "inbound/event_view.xml",
    location_report_answers_success => "inbound/event_location.xml",
    template_job_answers_success => "inbound/event_templatesendjobfinish.xml",
    mass_send_job_answers_success => "inbound/event_masssendjobfinish.xml",
    publish_job_answers_success => "inbound/event_publishjobfinish.xml",
    scancode_push_answers_success => "inbound/event_scancode_push.xml",
    scancode_waitmsg_answers_success => "inbound/event_scancode_waitmsg.xml",
    pic_sysphoto_answers_success => "inbound/event_pic_sysphoto.xml",
    pic_photo_or_album_answers_success => "inbound/event_pic_photo_or_album.xml",
    pic_weixin_answers_success => "inbound/event_pic_weixin.xml",
    location_select_answers_success => "inbound/event_location_select.xml",
    view_miniprogram_answers_success => "inbound/event_view_miniprogram.xml",
    subscribe_msg_popup_answers_success => "inbound/event_subscribe_msg_popup_event.xml",
    subscribe_msg_change_answers_success => "inbound/event_subscribe_msg_change_event.xml",
    subscribe_msg_sent_answers_success => "inbound/event_subscribe_msg_sent_event.xml",
    kf_create_session_answers_success => "inbound/event_kf_create_session.xml",
    kf_close_session_answers_success => "inbound/event_kf_close_session.xml",
    kf_switch_session_answers_success => "inbound/event_kf_switch_session.xml",
    unknown_event_answers_success => "inbound/event_unknown.xml",
    unknown_msgtype_answers_success => "inbound/unknown_msgtype.xml",
);
