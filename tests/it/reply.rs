//! Reply XML: one golden file in `tests/fixtures/reply/` per `Reply` variant, text that survives
//! the round trip through CDATA unchanged, and news replies WeChat would refuse.

use wxbot::message::{Kind, parse};
use wxbot::prelude::*;
use wxbot::testing::{TestBot, TestResponse, text_message};

use crate::common::demo_bot;

/// Compares with a golden file; the file's trailing newline is not part of the reply.
macro_rules! assert_golden {
    ($actual:expr, $path:literal) => {
        assert_eq!(
            $actual,
            wxbot::fixture!($path).trim_end_matches('\n'),
            "golden {}",
            $path
        )
    };
}

/// What a bot whose handler returns `reply` answers the text fixture (from
/// `o_fixture_user` to `gh_fixture_account`), `CreateTime` normalised to 0.
async fn rendered(reply: impl Into<Reply>) -> String {
    let reply = reply.into();
    let bot = TestBot::new(Router::new().on(move |_: Text| {
        let reply = reply.clone();
        async move { reply }
    }));
    let answer = bot.send(wxbot::fixture!("inbound/text.xml")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.normalized()
}

/// The `Content` of a text reply, read by the library's own parser.
fn content(reply: &TestResponse) -> String {
    assert_eq!(reply.status, 200, "{}", reply.body);
    let msg = parse(reply.body.as_bytes())
        .unwrap_or_else(|err| panic!("reply does not parse: {err}\n{}", reply.body));
    match msg.kind {
        Kind::Text(text) => text.content,
        other => panic!("expected a text reply, got {other:?}"),
    }
}

fn articles(n: usize) -> Vec<Article> {
    (1..=n)
        .map(|i| {
            Article::new(
                format!("T{i}"),
                format!("D{i}"),
                format!("https://example.com/{i}.jpg"),
                format!("https://example.com/{i}"),
            )
        })
        .collect()
}

// Golden replies of the demo bot, CreateTime normalised to 0.

#[actix_web::test]
async fn text_echo_matches_golden() {
    let reply = demo_bot().send(wxbot::fixture!("inbound/text.xml")).await;
    assert_golden!(reply.normalized(), "reply/text_echo.xml");
}

#[actix_web::test]
async fn news_matches_golden() {
    let xml = wxbot::fixture!("inbound/text.xml").replacen("this is a test", "news", 1);
    let reply = demo_bot().send(&xml).await;
    assert_golden!(reply.normalized(), "reply/news.xml");
}

#[actix_web::test]
async fn image_echo_by_media_id_matches_golden() {
    let reply = demo_bot().send(wxbot::fixture!("inbound/image.xml")).await;
    assert_golden!(reply.normalized(), "reply/image_echo.xml");
}

#[actix_web::test]
async fn voice_echo_matches_golden() {
    let reply = demo_bot()
        .send(wxbot::fixture!("inbound/voice_no_recognition.xml"))
        .await;
    assert_golden!(reply.normalized(), "reply/voice_echo.xml");
}

#[actix_web::test]
async fn reply_create_time_is_now() {
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let reply = demo_bot().send(wxbot::fixture!("inbound/text.xml")).await;
    let after = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let sent: u64 = reply
        .field("CreateTime")
        .expect("CreateTime")
        .parse()
        .expect("a number");
    assert!(
        (before.as_secs()..=after.as_secs()).contains(&sent),
        "CreateTime {sent}"
    );
}

// Golden replies of the variants the demo bot cannot produce without uploads; what `render`
// refuses, with its exact error, is tested beside it (`src/reply/tests.rs`).

#[actix_web::test]
async fn video_with_title_and_description_matches_golden() {
    let video = Reply::video(MediaId::new("fixture_video_reply_id"))
        .title("Demo video")
        .description("A short clip");
    assert_golden!(rendered(video).await, "reply/video.xml");
}

#[actix_web::test]
async fn video_without_title_or_description_leaves_them_out() {
    let xml = rendered(Reply::video(MediaId::new("fixture_video_reply_id"))).await;
    assert!(
        xml.ends_with(
            "<MsgType><![CDATA[video]]></MsgType><Video>\
             <MediaId><![CDATA[fixture_video_reply_id]]></MediaId></Video></xml>"
        ),
        "{xml}"
    );
}

#[actix_web::test]
async fn music_with_thumb_by_media_id_matches_golden() {
    let music = Reply::music(
        "https://example.com/demo.mp3",
        MediaId::new("fixture_thumb_media_id"),
    )
    .title("Demo music")
    .description("A short tune")
    .hq_music_url("https://example.com/demo-hq.mp3");
    assert_golden!(rendered(music).await, "reply/music.xml");
}

#[actix_web::test]
async fn music_without_hq_url_plays_the_plain_url_on_wifi_too() {
    let music = Reply::music(
        "https://example.com/demo.mp3",
        MediaId::new("fixture_thumb_media_id"),
    );
    let xml = rendered(music).await;
    assert!(
        xml.ends_with(
            "<Music><MusicUrl><![CDATA[https://example.com/demo.mp3]]></MusicUrl>\
             <HQMusicUrl><![CDATA[https://example.com/demo.mp3]]></HQMusicUrl>\
             <ThumbMediaId><![CDATA[fixture_thumb_media_id]]></ThumbMediaId></Music></xml>"
        ),
        "{xml}"
    );
}

#[actix_web::test]
async fn transfer_customer_service_matches_golden() {
    let xml = rendered(Reply::transfer_customer_service()).await;
    assert_golden!(xml, "reply/transfer_customer_service.xml");
}

#[actix_web::test]
async fn transfer_to_one_agent_matches_golden() {
    let xml = rendered(Reply::transfer_to("test1@fixture")).await;
    assert_golden!(xml, "reply/transfer_customer_service_kf_account.xml");
}

// Round trips: what the user sent is what the demo bot echoes, byte for byte.

#[actix_web::test]
async fn any_text_survives_the_echo_round_trip() {
    let bot = demo_bot();
    let texts = [
        "a ]]> b",
        "]]>",
        "]]]]>>]]>",
        "<![CDATA[nested]]>",
        "<b>bold</b> & <i>&amp;</i>",
        "emoji 😀👍🏽🇨🇳 and 中文",
        "line one\nline two\n\nline four\n",
        "  leading and trailing spaces  ",
        "\ttabbed\t",
        "quotes \" and ' and \\",
    ];
    for text in texts {
        let reply = bot.send(&text_message(text)).await;
        assert_eq!(
            content(&reply),
            text,
            "{text:?} came back as {}",
            reply.body
        );
        assert_eq!(reply.text(), Some(text));
    }
}

#[actix_web::test]
async fn cdata_terminator_is_split_across_sections() {
    let reply = demo_bot().send(&text_message("a ]]> b")).await;
    assert!(
        reply
            .body
            .contains("<Content><![CDATA[a ]]]]><![CDATA[> b]]></Content>"),
        "{}",
        reply.body
    );
}

#[actix_web::test]
async fn escaped_text_is_echoed_in_cdata() {
    let reply = demo_bot()
        .send(wxbot::fixture!("inbound/text_entities.xml"))
        .await;
    assert_eq!(content(&reply), "<b> & 中文");
    assert!(
        reply
            .body
            .contains("<Content><![CDATA[<b> & 中文]]></Content>"),
        "{}",
        reply.body
    );
}

#[actix_web::test]
async fn control_characters_a_handler_returns_are_dropped_so_the_reply_stays_well_formed() {
    // No request carries them (they are refused with 400, `hardened.rs`), but a handler's
    // own text may; XML 1.0 cannot carry them out, so the writer drops exactly those.
    let xml = rendered(Reply::text("before\u{1d}after\u{0}\tend")).await;
    assert!(
        xml.contains("<Content><![CDATA[beforeafter\tend]]></Content>"),
        "{xml:?}"
    );
    assert!(parse(xml.as_bytes()).is_ok(), "{xml:?}");
}

// News replies WeChat would refuse (the exact errors: `src/reply/tests.rs`).

#[actix_web::test]
async fn news_with_eight_articles_renders_all_of_them() {
    let xml = rendered(Reply::news(articles(8))).await;
    assert!(xml.contains("<ArticleCount>8</ArticleCount>"), "{xml}");
    assert_eq!(xml.matches("<item>").count(), 8, "{xml}");
    assert!(xml.contains("<Title><![CDATA[T8]]></Title>"), "{xml}");
}

async fn nine_articles(_: Text) -> Reply {
    Reply::news(articles(9))
}

async fn no_articles(_: Text) -> Reply {
    Reply::news(articles(0))
}

#[actix_web::test]
async fn handler_returning_nine_articles_answers_success() {
    let bot = TestBot::new(Router::new().on(nine_articles));
    let reply = bot.send(wxbot::fixture!("inbound/text.xml")).await;
    assert!(reply.is_success(), "{} {}", reply.status, reply.body);
}

#[actix_web::test]
async fn handler_returning_no_articles_answers_success() {
    let bot = TestBot::new(Router::new().on(no_articles));
    let reply = bot.send(wxbot::fixture!("inbound/text.xml")).await;
    assert!(reply.is_success(), "{} {}", reply.status, reply.body);
}
