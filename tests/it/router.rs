//! The router: every kind of route, first match wins, and configuration mistakes refused at
//! start-up.

use wxbot::prelude::*;
use wxbot::testing::{TestBot, text_message};
use wxbot::{Bot, testing};

async fn exact(_: Text) -> &'static str {
    "exact"
}
async fn prefix(text: Text) -> String {
    format!("prefix {}", text.content)
}
async fn regex(_: Text) -> &'static str {
    "regex"
}
async fn keyed(_: Click) -> &'static str {
    "keyed click"
}
async fn any_click(click: Click) -> String {
    format!("click {}", click.event_key)
}
async fn any_event(_: Event) -> &'static str {
    "some event"
}
async fn image(_: Image) -> &'static str {
    "image"
}
async fn everything(msg: Incoming) -> String {
    format!("fallback {}", msg.header.msg_type)
}

fn router() -> Router {
    Router::new()
        .text_exact("hello", exact)
        .text_prefix("say ", prefix)
        .text_regex(r"^\d{4}$", regex)
        .event_key("MENU_1", keyed)
        .on(any_click)
        .on(image)
        .on(any_event)
        .on(everything)
}

fn event(name: &str, key: &str) -> String {
    format!(
        "<xml><ToUserName>gh</ToUserName><FromUserName>o_u</FromUserName><CreateTime>1</CreateTime>\
         <MsgType>event</MsgType><Event>{name}</Event><EventKey>{key}</EventKey></xml>"
    )
}

#[actix_web::test]
async fn each_route_kind_matches_and_the_first_match_wins() {
    let bot = TestBot::new(router());
    let text = |content: &str| text_message(content);
    assert_eq!(bot.send(&text("hello")).await.text(), Some("exact"));
    assert_eq!(
        bot.send(&text("say hi")).await.text(),
        Some("prefix say hi")
    );
    assert_eq!(bot.send(&text("2024")).await.text(), Some("regex"));
    assert_eq!(bot.send(&text("20245")).await.text(), Some("fallback text"));
    assert_eq!(
        bot.send(&event("CLICK", "MENU_1")).await.text(),
        Some("keyed click")
    );
    assert_eq!(
        bot.send(&event("CLICK", "MENU_2")).await.text(),
        Some("click MENU_2")
    );
    assert_eq!(
        bot.send(&event("VIEW", "https://x")).await.text(),
        Some("some event")
    );
    let picture = "<xml><ToUserName>gh</ToUserName><FromUserName>o_u</FromUserName><CreateTime>1</CreateTime>\
                   <MsgType>image</MsgType><PicUrl>u</PicUrl><MediaId>m</MediaId><MsgId>9</MsgId></xml>";
    assert_eq!(bot.send(picture).await.text(), Some("image"));
}

#[actix_web::test]
async fn nothing_matched_answers_success() {
    let bot = TestBot::new(Router::new().text_exact("only", exact));
    assert!(bot.send(&text_message("other")).await.is_success());
    assert!(bot.send(&event("subscribe", "")).await.is_success());
}

#[test]
fn a_route_after_the_catch_all_stops_the_bot() {
    let router = Router::new().on(everything).text_exact("late", exact);
    let err = Bot::new(&testing::config(), router)
        .unwrap_err()
        .to_string();
    assert!(err.contains("route 2"), "{err}");
    assert!(err.contains("can never run"), "{err}");
}

#[test]
fn a_bad_regex_stops_the_bot_naming_the_pattern() {
    let router = Router::new().text_regex("(unclosed", regex).on(everything);
    let err = Bot::new(&testing::config(), router)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bad regex") && err.contains("(unclosed"),
        "{err}"
    );
}

#[test]
#[should_panic(expected = "can never run")]
fn test_bot_refuses_a_broken_router_at_once() {
    let _ = TestBot::new(Router::new().on(everything).on(image));
}

/// The route a [`Router`] refuses, as the bot's start-up error.
fn refusal(router: Router) -> String {
    Bot::new(&testing::config(), router)
        .unwrap_err()
        .to_string()
}

#[test]
fn a_keyed_route_after_every_click_stops_the_bot_naming_both() {
    let err = refusal(Router::new().on(any_click).event_key("HELP", keyed));
    assert!(err.contains("route 2") && err.contains("keyed"), "{err}");
    assert!(
        err.contains("route 1") && err.contains("any_click"),
        "{err}"
    );
    assert!(err.contains("can never run"), "{err}");
}

#[test]
fn a_text_route_after_a_wider_one_on_the_same_type_stops_the_bot() {
    for router in [
        Router::new().on(prefix).text_exact("hello", exact),
        Router::new()
            .text_exact("hi", exact)
            .text_exact("hi", prefix),
        Router::new()
            .text_prefix("say", prefix)
            .text_exact("say hi", exact),
        Router::new()
            .text_prefix("say", prefix)
            .text_prefix("say hi", exact),
        Router::new()
            .text_regex("^a", regex)
            .text_regex("^a", exact),
        Router::new()
            .event_key("K", keyed)
            .event_key("K", any_click),
    ] {
        let err = refusal(router);
        assert!(
            err.contains("route 2") && err.contains("can never run"),
            "{err}"
        );
    }
}

#[test]
fn narrower_routes_first_and_other_types_are_accepted() {
    let routers = [
        Router::new().event_key("HELP", keyed).on(any_click),
        Router::new().text_exact("hello", exact).on(prefix),
        Router::new()
            .text_exact("say hi", exact)
            .text_prefix("say", prefix),
        Router::new()
            .text_prefix("a", prefix)
            .text_prefix("b", exact),
        Router::new().on(any_click).on(image).on(any_event),
        Router::new()
            .text_regex("^a", regex)
            .text_regex("^b", exact),
    ];
    for router in routers {
        assert!(router.check().is_ok(), "{router:?}: {:?}", router.check());
    }
}

async fn order(click: Click) -> String {
    format!("order {}", click.event_key)
}

async fn scene(ev: Event) -> String {
    format!("scene via {:?}", ev.key())
}

#[actix_web::test]
async fn an_event_key_regex_takes_the_keys_it_matches() {
    let router = Router::new()
        .event_key_regex(r"^ORDER_\d+$", order)
        .on(any_event);
    let bot = TestBot::new(router);
    let answer = bot.send(&event("CLICK", "ORDER_42")).await;
    assert_eq!(answer.text(), Some("order ORDER_42"));
    for other in ["ORDER_", "ORDER_4x", "MENU_1"] {
        let answer = bot.send(&event("CLICK", other)).await;
        assert_eq!(answer.text(), Some("some event"), "{other}");
    }
}

#[test]
fn a_bad_event_key_regex_stops_the_bot_naming_the_pattern() {
    let router = Router::new().event_key_regex("[", order);
    let err = Bot::new(&testing::config(), router)
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad regex") && err.contains('['), "{err}");
}

#[actix_web::test]
async fn a_qr_scene_route_takes_a_follow_through_the_scene_and_a_scan_of_it() {
    let router = Router::new().qr_scene("shop_7", scene).on(any_event);
    let bot = TestBot::new(router);
    let follow = bot.send(&event("subscribe", "qrscene_shop_7")).await;
    assert_eq!(follow.text(), Some(r#"scene via Some("qrscene_shop_7")"#));
    let scan = bot.send(&event("SCAN", "shop_7")).await;
    assert_eq!(scan.text(), Some(r#"scene via Some("shop_7")"#));
    for (kind, key) in [
        ("subscribe", "qrscene_shop_8"),
        ("SCAN", "shop_77"),
        ("SCAN", "qrscene_shop_7"),
        ("subscribe", "shop_7"),
        ("CLICK", "shop_7"),
    ] {
        let other = bot.send(&event(kind, key)).await;
        assert_eq!(other.text(), Some("some event"), "{kind} {key}");
    }
}

#[test]
fn the_same_qr_scene_twice_stops_the_bot() {
    let router = Router::new().qr_scene("a", scene).qr_scene("a", scene);
    let err = Bot::new(&testing::config(), router)
        .unwrap_err()
        .to_string();
    assert!(err.contains("route 2"), "{err}");
}

async fn tag_a(_: Ctx, next: Next) -> HandlerResult {
    let reply = next.run().await?;
    Ok(reply.map(|reply| match reply {
        Reply::Text(text) => Reply::text(format!("a({text})")),
        other => other,
    }))
}

async fn tag_b(_: Ctx, next: Next) -> HandlerResult {
    let reply = next.run().await?;
    Ok(reply.map(|reply| match reply {
        Reply::Text(text) => Reply::text(format!("b({text})")),
        other => other,
    }))
}

#[actix_web::test]
async fn middleware_wraps_the_routes_above_it_the_last_outermost() {
    let router = Router::new()
        .text_exact("hello", exact)
        .around(tag_a)
        .text_prefix("say ", prefix)
        .around(tag_b);
    let bot = TestBot::new(router);
    let both = bot.send(&text_message("hello")).await;
    assert_eq!(both.text(), Some("b(a(exact))"));
    let outer_only = bot.send(&text_message("say hi")).await;
    assert_eq!(outer_only.text(), Some("b(prefix say hi)"));
}

#[actix_web::test]
async fn middleware_that_does_not_run_next_answers_alone_and_the_handler_never_runs() {
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&runs);
    let router = Router::with_state(counted)
        .on(
            |ctx: Ctx<std::sync::Arc<std::sync::atomic::AtomicUsize>>, _: Text| async move {
                ctx.state()
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                "ran"
            },
        )
        .around(|_: Ctx<_>, _: Next| async { "refused" });
    let bot = TestBot::new(router);
    assert_eq!(bot.send(&text_message("x")).await.text(), Some("refused"));
    assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 0);
}

async fn boom(_: Text) -> String {
    panic!("boom")
}

async fn fails(_: Text) -> Result<String, std::io::Error> {
    Err(std::io::Error::other("disk on fire"))
}

#[actix_web::test]
async fn the_error_hook_answers_errors_and_panics_and_may_keep_success() {
    let router = Router::new()
        .text_exact("fail", fails)
        .text_exact("quiet", fails)
        .on(boom)
        .on_error(|message, failure| match (message.text(), failure) {
            (Some("quiet"), _) => None,
            (_, Failure::Panic(why)) => Some(Reply::text(format!("panic: {why}"))),
            (_, failure) => Some(Reply::text(format!("error: {failure}"))),
        });
    let bot = TestBot::new(router);
    let error = bot.send(&text_message("fail")).await;
    assert_eq!(error.text(), Some("error: handler failed: disk on fire"));
    assert_eq!(
        bot.send(&text_message("x")).await.text(),
        Some("panic: boom")
    );
    assert!(bot.send(&text_message("quiet")).await.is_success());
}

#[actix_web::test]
async fn a_panicking_error_hook_leaves_success_and_the_bot_serving() {
    let router = Router::new()
        .text_exact("fail", fails)
        .on(echo_text)
        .on_error(|_, _| panic!("the hook itself"));
    let bot = TestBot::new(router);
    assert!(bot.send(&text_message("fail")).await.is_success());
    assert_eq!(bot.send(&text_message("still")).await.text(), Some("still"));
}

async fn echo_text(text: Text) -> String {
    text.content
}
