//! The test kit's message builders: every `Msg` reads back, through the parser, as the value
//! it was built from, and a test sends it in one line, in any mode.

mod events;

use wxbot::config::Mode;
use wxbot::message::parse;
use wxbot::prelude::*;
use wxbot::testing::{Msg, TestBot};

fn parsed(msg: &Msg) -> Incoming {
    parse(msg.xml().as_bytes()).unwrap_or_else(|err| panic!("{err}: {}", msg.xml()))
}

#[test]
fn every_message_builder_reads_back_as_built() {
    let text = parsed(
        &Msg::text("hi <there> ]]> 你好")
            .from("o_alice")
            .to("gh_x")
            .at(42),
    );
    assert_eq!(text.header.from.as_str(), "o_alice");
    assert_eq!(text.header.to, "gh_x");
    assert_eq!(text.header.create_time, 42);
    assert!(text.header.msg_id.is_some());
    assert_eq!(text.text(), Some("hi <there> ]]> 你好"));

    let Kind::Image(image) = parsed(&Msg::image("m1")).kind else {
        panic!("image")
    };
    assert_eq!(image.media_id.as_str(), "m1");
    let voice = parsed(&Msg::voice("v1").with("Recognition", "hello"));
    let Kind::Voice(voice) = voice.kind else {
        panic!("voice")
    };
    assert_eq!(
        (voice.media_id.as_str(), voice.format.as_str()),
        ("v1", "amr")
    );
    assert_eq!(voice.recognition.as_deref(), Some("hello"));
    let Kind::Video(video) = parsed(&Msg::video("v2", "t2")).kind else {
        panic!("video")
    };
    assert_eq!(
        (video.media_id.as_str(), video.thumb_media_id.as_str()),
        ("v2", "t2")
    );
    let Kind::Location(place) = parsed(&Msg::location(23.1, 113.3, 15, "Canton Tower")).kind else {
        panic!("location")
    };
    assert_eq!((place.x.0.as_str(), place.y.0.as_str()), ("23.1", "113.3"));
    assert_eq!(
        (place.scale.0.as_str(), place.label.as_str()),
        ("15", "Canton Tower")
    );
    let Kind::Link(link) = parsed(&Msg::link("T", "D", "https://x")).kind else {
        panic!("link")
    };
    assert_eq!((link.title.as_str(), link.url.as_str()), ("T", "https://x"));
}

#[test]
fn every_event_builder_reads_back_as_built() {
    let event = |msg: Msg| parsed(&msg).event().cloned().expect("an event");
    assert!(matches!(event(Msg::subscribe()), Event::Subscribe(_)));
    let Event::Subscribe(via) = event(Msg::subscribe_via("shop_7")) else {
        panic!("subscribe")
    };
    assert_eq!(via.event_key.as_deref(), Some("qrscene_shop_7"));
    assert!(matches!(event(Msg::unsubscribe()), Event::Unsubscribe));
    let Event::Scan(scan) = event(Msg::scan("shop_7")) else {
        panic!("scan")
    };
    assert_eq!(scan.event_key, "shop_7");
    let Event::Click(click) = event(Msg::click("MENU_1")) else {
        panic!("click")
    };
    assert_eq!(click.event_key, "MENU_1");
    let Event::View(view) = event(Msg::view("https://x")) else {
        panic!("view")
    };
    assert_eq!(view.url, "https://x");
    let report = event(Msg::location_report(23.1, 113.3, 65.0));
    let Event::Location(report) = report else {
        panic!("location report")
    };
    assert_eq!(report.latitude.0, "23.1");
}

#[test]
fn each_built_message_is_a_new_one_and_events_too() {
    let (a, b) = (Msg::text("x"), Msg::text("x"));
    assert_ne!(a.xml(), b.xml(), "own MsgIds");
    let (c, d) = (Msg::click("K"), Msg::click("K"));
    assert_ne!(
        c.xml(),
        d.xml(),
        "own CreateTimes: events are told apart by time"
    );
}

async fn answer(text: Text) -> String {
    format!("got {}", text.content)
}

#[actix_web::test]
async fn a_test_delivers_a_built_message_in_one_line() {
    let bot = TestBot::new(Router::new().on(answer));
    let msg = Msg::text("ping");
    assert_eq!(bot.deliver(&msg).await.text(), Some("got ping"));
    assert_eq!(
        bot.deliver(&msg).await.text(),
        Some("got ping"),
        "a retry: the same reply"
    );
}

async fn help(_: Click) -> &'static str {
    "help"
}

async fn tests_in(mode: Mode) {
    let bot = TestBot::in_mode(mode, Router::new().event_key("HELP", help).on(answer));
    let msg = Msg::text("ping");
    assert_eq!(bot.deliver(&msg).await.text(), Some("got ping"), "{mode:?}");
    let retry = bot.deliver(&msg).await;
    assert_eq!(retry.text(), Some("got ping"), "{mode:?}: a retry");
    let click = bot.deliver(&Msg::click("HELP").from("o_alice")).await;
    assert_eq!(click.text(), Some("help"), "{mode:?}");
    assert_eq!(click.field("ToUserName"), Some("o_alice"), "{mode:?}");
    let unrouted = bot.deliver(&Msg::click("OTHER")).await;
    assert!(unrouted.is_success(), "{mode:?}: success stays plain");
}

#[actix_web::test]
async fn the_same_tests_pass_in_every_mode_through_deliver() {
    for mode in [Mode::Plain, Mode::Compatible, Mode::Safe] {
        tests_in(mode).await;
    }
}

#[actix_web::test]
async fn in_safe_mode_the_answer_deliver_opens_is_really_sealed() {
    let bot = TestBot::in_mode(Mode::Safe, Router::new().on(answer));
    let raw = bot.send_encrypted(&Msg::text("secret").xml()).await;
    assert!(raw.body.contains("<Encrypt>"), "{}", raw.body);
    assert_eq!(raw.text(), None, "nothing readable outside the envelope");
    let config = bot.bot().config();
    let opened = raw.open(config).expect("sealed for the account");
    assert_eq!(opened.text(), Some("got secret"));
    let plain = bot.send(&Msg::text("in the clear").xml()).await;
    assert_eq!(
        plain.status, 403,
        "safe mode refuses what deliver would send plain"
    );
}

async fn picture(_: Text) -> Reply {
    Reply::image(MediaId::new("MEDIA_1"))
}

#[actix_web::test]
async fn replies_read_back_typed() {
    let bot = TestBot::new(Router::new().on(picture));
    let reply = bot.deliver(&Msg::text("x")).await;
    assert_eq!(reply.media_id(), Some("MEDIA_1"));
    assert_eq!(reply.text(), None, "not a text reply");
    assert!(reply.articles().is_empty(), "not news");
}

async fn demo_image(_: Text) -> Reply {
    Reply::image("demo.jpg")
}

#[actix_web::test]
async fn a_media_handler_is_tested_in_one_line_with_the_emulator() {
    let bot = TestBot::with_emulator(Router::new().on(demo_image), |config| {
        config.media.assets_dir = crate::common::ASSETS.into();
    });
    let reply = bot.deliver(&Msg::text("image please")).await;
    let uploads = bot.emulator().uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(reply.media_id(), Some(uploads[0].media_id.as_str()));
}

#[actix_web::test]
async fn wechats_retries_play_out_on_the_paused_clock_in_milliseconds() {
    let mut config = wxbot::testing::config();
    config.server.late_reply = wxbot::config::LateReply::Retries;
    let bot = TestBot::with_config(&config, crate::handlers::router());
    tokio::time::pause();
    let started = std::time::Instant::now();
    let answers = bot.deliver_as_wechat(&Msg::text("slow 12")).await;
    let texts: Vec<Option<&str>> = answers
        .iter()
        .map(|answer| answer.as_ref().and_then(|answer| answer.text()))
        .collect();
    assert_eq!(
        texts,
        [None, None, Some("done 12")],
        "given up twice, then the reply"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let quick = bot.deliver_as_wechat(&Msg::text("ping")).await;
    assert_eq!(quick.len(), 1, "answered at once: delivered once");
}
