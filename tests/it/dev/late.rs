//! Late replies in the playground: the account-type picker's API (`POST /api/account`), the
//! bot's `server.late_reply` in `/api/info`, each of WeChat's deliveries in the exchange, and
//! a reply that waits for the user's next message shown as that message's reply.

use std::time::Duration;

use serde_json::{Value, json};
use wxbot::config::LateReply;
use wxbot::dev::{Options, Playground};
use wxbot::emulator::AccountKind;
use wxbot::prelude::*;
use wxbot::testing::config;

use super::{demo, text};
use crate::common::local_client;

const CUSTOM_SEND: &str = "/cgi-bin/message/custom/send";

async fn info(playground: &Playground) -> Value {
    let url = format!("{}api/info", playground.url());
    let response = local_client().get(url).send().await.expect("info");
    assert_eq!(response.status(), 200);
    response.json().await.expect("json answer")
}

/// `POST /api/account` with `body` as it is.
async fn pick(playground: &Playground, body: &str) -> (u16, Value) {
    let response = local_client()
        .post(format!("{}api/account", playground.url()))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("account");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json answer"))
}

#[tokio::test]
async fn the_account_type_picker_switches_the_emulator_and_refuses_unknown_kinds() {
    let playground = demo();
    let shown = info(&playground).await;
    assert_eq!(shown["account_kind"], "verified_service", "{shown}");
    assert_eq!(
        shown["account_kinds"],
        json!(["verified_service", "unverified_subscription"])
    );
    assert_eq!(shown["late_reply"], "customer_service");
    assert_eq!(shown["reply_deadline_ms"], 4500);

    let (status, answer) = pick(&playground, r#"{"kind":"unverified_subscription"}"#).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({ "account_kind": "unverified_subscription", "customer_service": false })
    );
    let emulator = playground.emulator();
    assert_eq!(emulator.account_kind(), AccountKind::UnverifiedSubscription);
    assert_eq!(
        info(&playground).await["account_kind"],
        "unverified_subscription"
    );

    let refused = [
        (
            r#"{"kind":"personal"}"#,
            r#"unknown account kind "personal": verified_service or unverified_subscription"#,
        ),
        ("{}", "not an account kind"),
        ("{not json", "not an account kind"),
    ];
    for (body, needle) in refused {
        let (status, answer) = pick(&playground, body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        let error = answer["error"].as_str().expect("error");
        assert!(error.contains(needle), "{body}: {error}");
    }
    assert_eq!(
        emulator.account_kind(),
        AccountKind::UnverifiedSubscription,
        "a refusal changes nothing"
    );
    let (status, answer) = pick(&playground, r#"{"kind":"verified_service"}"#).await;
    assert_eq!((status, &answer["customer_service"]), (200, &json!(true)));
    assert_eq!(emulator.account_kind(), AccountKind::VerifiedService);
}

/// `wait MS` → `done MS` after MS milliseconds; `ping` → `pong`.
fn router() -> Router {
    async fn wait(text: Text) -> String {
        let ms: u64 = text
            .content
            .strip_prefix("wait ")
            .and_then(|ms| ms.parse().ok())
            .unwrap_or_default();
        tokio::time::sleep(Duration::from_millis(ms)).await;
        format!("done {ms}")
    }
    async fn pong(_: Text) -> &'static str {
        "pong"
    }
    Router::new().text_exact("ping", pong).on(wait)
}

/// A playground for [`router`] whose bot takes a reply as late after 300 ms.
fn start(late_reply: LateReply, options: &Options) -> Playground {
    let mut config = config();
    config.server.reply_deadline_ms = 300;
    config.server.late_reply = late_reply;
    Playground::start(config, router(), options).expect("playground")
}

/// `(timed_out, outcome)` of each delivery in an exchange.
fn deliveries(answer: &Value) -> Vec<(bool, String)> {
    let attempts = answer["attempts"].as_array().expect("attempts");
    attempts
        .iter()
        .map(|attempt| {
            let outcome = attempt["outcome"].as_str().expect("outcome").to_owned();
            (attempt["timed_out"] == true, outcome)
        })
        .collect()
}

#[tokio::test]
async fn customer_service_refused_with_48001_answers_the_next_message() {
    let playground = start(LateReply::CustomerService, &Options::default().port(0));
    let (status, _) = pick(&playground, r#"{"kind":"unverified_subscription"}"#).await;
    assert_eq!(status, 200);
    let answer = text(&playground, "wait 800").await;
    assert_eq!(answer["reply"], json!({ "kind": "none" }), "{answer}");
    assert_eq!(
        deliveries(&answer),
        [(false, "HTTP 200: “success”: no reply".to_owned())]
    );
    // The late send is refused; give the bot a moment to keep the reply for the user.
    let emulator = playground.emulator();
    let refused = async {
        while emulator.count(CUSTOM_SEND) == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), refused)
        .await
        .expect("a customer-service send");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let next = text(&playground, "ping").await;
    assert_eq!(
        next["reply"],
        json!({ "kind": "text", "text": "done 800" }),
        "the waiting reply answers the next message: {next}"
    );
    assert!(emulator.sent().is_empty(), "{:?}", emulator.sent());
    assert_eq!(text(&playground, "ping").await["reply"]["text"], "pong");
}

#[tokio::test]
async fn under_retries_each_delivery_shows_and_the_pending_reply_answers_the_next_message() {
    let options = Options::default()
        .port(0)
        .cutoff(Duration::from_millis(1000));
    let playground = start(LateReply::Retries, &options);
    assert_eq!(info(&playground).await["late_reply"], "retries");
    let gave_up = (true, "gave up after 1 s".to_owned());

    // Ready during the second delivery, which answers it.
    let answer = text(&playground, "wait 1500").await;
    assert_eq!(answer["reply"]["text"], "done 1500", "{answer}");
    let done = (false, "HTTP 200: text “done 1500”".to_owned());
    assert_eq!(deliveries(&answer), [gave_up.clone(), done]);
    assert!(answer["attempts"][0]["latency_ms"].as_u64() >= Some(1000));

    // Not ready by the third: the pending notice, then the reply on the next message.
    let answer = text(&playground, "wait 4000").await;
    let notice = wxbot::config::SessionConfig::default().pending_notice;
    assert_eq!(answer["reply"]["text"], notice.as_str(), "{answer}");
    let last = (false, format!("HTTP 200: text “{notice}”"));
    assert_eq!(
        deliveries(&answer),
        [gave_up.clone(), gave_up, last],
        "{answer}"
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let next = text(&playground, "ping").await;
    assert_eq!(next["reply"]["text"], "done 4000", "{next}");
    assert_eq!(text(&playground, "ping").await["reply"]["text"], "pong");
    assert_eq!(playground.emulator().count(CUSTOM_SEND), 0);
}
