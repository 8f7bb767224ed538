//! Keyword routing: exact words, a prefix, a regex, menu clicks by key and by a key pattern,
//! QR scenes, and a catch-all. Routes are tried top to bottom and the first that accepts a
//! message wins, so the narrow routes come before the wide ones; a route that an earlier one
//! hides stops the bot at start-up.
//!
//! Run: `cargo run --example keywords -- dev` (the playground, no account needed: send
//! `help`, `weather here`, `weather Paris`, `order 42`, click a menu key such as `HELP` or
//! `PRODUCT_7`, follow through the QR scene `shop_7`), or `cargo run --example keywords --
//! serve` on your account.
//! Test: `cargo test --example keywords`.

use wxbot::prelude::*;

/// `help` → what the bot understands.
async fn help(_: Text) -> &'static str {
    "Try: weather <city>, order <number>, or the menu."
}

/// `weather here`: an exact text, so it must come before the `weather ` prefix, which would
/// take it too.
async fn weather_here(ctx: Ctx, _: Text) -> String {
    format!("sunny where you are, {}", ctx.sender())
}

/// `weather <city>`: a prefix.
async fn weather(text: Text) -> String {
    let city = text.content["weather ".len()..].trim();
    format!("sunny in {city}")
}

/// `order <digits>`: a regex.
async fn order(text: Text) -> String {
    let number = &text.content["order ".len()..];
    format!("order {number} ships tomorrow")
}

/// The menu button with the key `HELP`.
async fn menu_help(_: Click) -> &'static str {
    "Menu help: pick a product to see its price."
}

/// Any menu button whose key is `PRODUCT_<digits>`.
async fn product(click: Click) -> String {
    let id = &click.event_key["PRODUCT_".len()..];
    format!("product {id}: 9.90")
}

/// Any other menu button: after the keyed routes, which it would hide if it came first.
async fn other_button(click: Click) -> String {
    format!("button {} is not wired yet", click.event_key)
}

/// The QR code of the scene `shop_7`: a follow through it (`qrscene_shop_7`) and a follower's
/// scan of it (`shop_7`) both come here; taking [`Event`] receives both kinds.
async fn shop(event: Event) -> &'static str {
    match event {
        Event::Subscribe(_) => "welcome, and thanks for visiting shop 7",
        _ => "welcome back to shop 7",
    }
}

/// Any other follow, with or without a scene.
async fn welcome(_: Subscribe) -> &'static str {
    "welcome"
}

/// The catch-all: whatever no route above took. Taking [`Incoming`] accepts every message,
/// so it must be the last route. Events get no reply (`None` answers `success`).
async fn anything_else(message: Incoming) -> Option<String> {
    if message.event().is_some() {
        return None;
    }
    Some("Sorry, I did not get that. Send `help`.".to_owned())
}

fn router() -> Router {
    Router::new()
        .text_exact("help", help)
        .text_exact("weather here", weather_here)
        .text_prefix("weather ", weather)
        .text_regex(r"^order \d{1,9}$", order)
        .event_key("HELP", menu_help)
        .event_key_regex(r"^PRODUCT_\d+$", product)
        .on(other_button)
        .qr_scene("shop_7", shop)
        .on(welcome)
        .on(anything_else)
}

fn main() -> std::process::ExitCode {
    wxbot::run!(router)
}

#[cfg(test)]
mod tests {
    use wxbot::testing::{Msg, TestBot};

    use super::*;

    /// The text of the reply to `msg`.
    async fn answer(bot: &TestBot, msg: Msg) -> Option<String> {
        bot.deliver(&msg).await.text().map(str::to_owned)
    }

    #[actix_web::test]
    async fn an_exact_word_a_prefix_and_a_regex_pick_their_handlers() {
        let bot = TestBot::new(router());
        let help = answer(&bot, Msg::text("help")).await;
        assert_eq!(
            help.as_deref(),
            Some("Try: weather <city>, order <number>, or the menu.")
        );
        let paris = answer(&bot, Msg::text("weather Paris")).await;
        assert_eq!(paris.as_deref(), Some("sunny in Paris"));
        let order = answer(&bot, Msg::text("order 42")).await;
        assert_eq!(order.as_deref(), Some("order 42 ships tomorrow"));
        let not_an_order = answer(&bot, Msg::text("order 42b")).await;
        assert_eq!(
            not_an_order.as_deref(),
            Some("Sorry, I did not get that. Send `help`."),
            "the regex wants digits to the end"
        );
        let exact = answer(&bot, Msg::text("help me")).await;
        assert_ne!(exact, help, "text_exact is the whole text");
    }

    #[actix_web::test]
    async fn the_first_matching_route_wins() {
        let bot = TestBot::new(router());
        let here = answer(&bot, Msg::text("weather here").from("o_alice")).await;
        assert_eq!(
            here.as_deref(),
            Some("sunny where you are, o_alice"),
            "the exact route, above the prefix that also matches"
        );
    }

    #[test]
    fn a_route_hidden_by_an_earlier_one_stops_the_start_up() {
        let reversed = Router::new()
            .text_prefix("weather ", weather)
            .text_exact("weather here", weather_here);
        let problems = reversed.check().expect_err("refused").problems;
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("can never run"), "{}", problems[0]);
        let after_catch_all = Router::new().on(anything_else).text_exact("help", help);
        assert!(
            after_catch_all.check().is_err(),
            "nothing runs after a catch-all"
        );
        let bad_regex = Router::new().text_regex("order (", order);
        assert!(bad_regex.check().is_err());
        assert!(router().check().is_ok(), "the example's order is fine");
    }

    #[actix_web::test]
    async fn menu_clicks_route_by_key_then_by_pattern_then_any_other() {
        let bot = TestBot::new(router());
        let help = answer(&bot, Msg::click("HELP")).await;
        assert_eq!(
            help.as_deref(),
            Some("Menu help: pick a product to see its price.")
        );
        let product = answer(&bot, Msg::click("PRODUCT_7")).await;
        assert_eq!(product.as_deref(), Some("product 7: 9.90"));
        let other = answer(&bot, Msg::click("PRODUCT_X")).await;
        assert_eq!(other.as_deref(), Some("button PRODUCT_X is not wired yet"));
    }

    #[actix_web::test]
    async fn a_qr_scene_takes_its_follows_and_its_scans() {
        let bot = TestBot::new(router());
        let follow = answer(&bot, Msg::subscribe_via("shop_7")).await;
        assert_eq!(
            follow.as_deref(),
            Some("welcome, and thanks for visiting shop 7")
        );
        let scan = answer(&bot, Msg::scan("shop_7")).await;
        assert_eq!(scan.as_deref(), Some("welcome back to shop 7"));
        let other_scene = answer(&bot, Msg::subscribe_via("shop_8")).await;
        assert_eq!(other_scene.as_deref(), Some("welcome"));
        let plain = answer(&bot, Msg::subscribe()).await;
        assert_eq!(plain.as_deref(), Some("welcome"));
    }

    #[actix_web::test]
    async fn the_catch_all_answers_what_no_other_route_took_and_events_get_success() {
        let bot = TestBot::new(router());
        let sorry = Some("Sorry, I did not get that. Send `help`.");
        assert_eq!(answer(&bot, Msg::text("hello")).await.as_deref(), sorry);
        assert_eq!(answer(&bot, Msg::image("MEDIA_1")).await.as_deref(), sorry);
        assert!(bot.deliver(&Msg::scan("shop_8")).await.is_success());
        assert!(bot.deliver(&Msg::unsubscribe()).await.is_success());
    }
}
