//! CONTRACT §4.3: a repeated delivery never runs the handler again and gets the first
//! delivery's reply, waiting for it while it is being made.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;
use wxbot::prelude::*;
use wxbot::testing::{TestBot, text_message};

use crate::common::spawn_send;

/// Counts handler runs; a handler may wait at `gate` until the test opens it.
#[derive(Clone)]
pub struct Probe {
    pub runs: Arc<AtomicUsize>,
    pub started: Arc<Semaphore>,
    pub gate: Arc<Semaphore>,
}

impl Probe {
    pub fn new() -> Self {
        Self {
            runs: Arc::default(),
            started: Arc::new(Semaphore::new(0)),
            gate: Arc::new(Semaphore::new(0)),
        }
    }

    pub fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }

    /// Waits until a gated handler has started.
    pub async fn started(&self) {
        self.started.acquire().await.expect("open").forget();
    }

    /// Lets every gated handler finish.
    pub fn open(&self) {
        self.gate.add_permits(1000);
    }
}

async fn echo(ctx: Ctx<Probe>, text: Text) -> String {
    ctx.state().runs.fetch_add(1, Ordering::SeqCst);
    format!("{} #{}", text.content, ctx.state().runs())
}

/// `slow …` waits at the gate, then answers.
pub async fn slow(ctx: Ctx<Probe>, text: Text) -> String {
    let probe = ctx.state();
    probe.runs.fetch_add(1, Ordering::SeqCst);
    probe.started.add_permits(1);
    probe.gate.acquire().await.expect("open").forget();
    format!("done: {}", text.content)
}

async fn fails(ctx: Ctx<Probe>, _: Text) -> Result<String, std::io::Error> {
    ctx.state().runs.fetch_add(1, Ordering::SeqCst);
    Err(std::io::Error::other("broken"))
}

async fn event(ctx: Ctx<Probe>, ev: Event) -> String {
    ctx.state().runs.fetch_add(1, Ordering::SeqCst);
    format!("event {:?}", ev.key())
}

fn bot(probe: &Probe) -> TestBot<Probe> {
    TestBot::new(
        Router::with_state(probe.clone())
            .text_prefix("slow", slow)
            .text_exact("fail", fails)
            .on(echo)
            .on(event),
    )
}

fn text_from(user: &str, content: &str, msg_id: u64) -> String {
    let message = text_message(content).replace("o_test_user", user);
    let start = message.find("<MsgId>").expect("a MsgId");
    format!("{}<MsgId>{msg_id}</MsgId></xml>", &message[..start])
}

fn click(key: &str, time: u64) -> String {
    format!(
        "<xml><ToUserName>gh_a</ToUserName><FromUserName>o_u</FromUserName><CreateTime>{time}</CreateTime>\
         <MsgType>event</MsgType><Event>CLICK</Event><EventKey>{key}</EventKey></xml>"
    )
}

#[actix_web::test]
async fn two_identical_deliveries_run_the_handler_once_with_identical_replies() {
    let probe = Probe::new();
    let bot = bot(&probe);
    let message = text_message("hi");
    let first = bot.send(&message).await;
    let second = bot.send(&message).await;
    assert_eq!(first.text().as_deref(), Some("hi #1"));
    assert_eq!(first, second, "the very same reply");
    assert_eq!(probe.runs(), 1);
}

#[actix_web::test]
async fn a_repeat_during_a_slow_handler_waits_and_gets_the_same_reply() {
    let probe = Probe::new();
    let bot = bot(&probe);
    let message = text_message("slow one");
    let first = spawn_send(&bot, &message);
    probe.started().await;
    let second = spawn_send(&bot, &message);
    tokio::task::yield_now().await;
    assert!(
        !second.is_finished(),
        "the repeat waits for the first delivery"
    );
    probe.open();
    let (first, second) = (first.await.expect("first"), second.await.expect("second"));
    assert_eq!(first.text().as_deref(), Some("done: slow one"));
    assert_eq!(first, second);
    assert_eq!(probe.runs(), 1);
}

#[actix_web::test]
async fn events_repeat_by_sender_time_event_and_key() {
    let probe = Probe::new();
    let bot = bot(&probe);
    let a = bot.send(&click("A", 1700000000)).await;
    assert_eq!(bot.send(&click("A", 1700000000)).await, a);
    assert_eq!(probe.runs(), 1);
    bot.send(&click("B", 1700000000)).await;
    bot.send(&click("A", 1700000001)).await;
    assert_eq!(
        probe.runs(),
        3,
        "another key or another second is another event"
    );
}

#[actix_web::test]
async fn one_msg_id_from_two_users_is_two_messages() {
    let probe = Probe::new();
    let bot = bot(&probe);
    bot.send(&text_from("o_alice", "x", 7)).await;
    bot.send(&text_from("o_bob", "x", 7)).await;
    assert_eq!(probe.runs(), 2);
}

#[actix_web::test]
async fn a_failing_handler_answers_success_once() {
    let probe = Probe::new();
    let bot = bot(&probe);
    let message = text_message("fail");
    assert!(bot.send(&message).await.is_success());
    assert!(bot.send(&message).await.is_success());
    assert_eq!(probe.runs(), 1);
}

#[actix_web::test]
async fn a_message_no_route_accepts_is_not_remembered() {
    let probe = Probe::new();
    let bot = TestBot::new(Router::with_state(probe.clone()).text_exact("only", echo));
    for _ in 0..3 {
        assert!(bot.send(&text_message("other")).await.is_success());
    }
    assert_eq!(probe.runs(), 0);
}
