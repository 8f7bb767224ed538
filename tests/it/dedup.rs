//! Retries: a repeated delivery never runs the handler again and gets the first
//! delivery's reply, waiting for it while it is being made.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::FutureExt as _;
use tokio::sync::{Semaphore, watch};
use tracing_subscriber::fmt::MakeWriter;
use wxbot::prelude::*;
use wxbot::testing::{TestBot, text_message};

use crate::common::spawn_send;

/// The log lines written on this thread while the guard of [`Logs::capture`] lives: those of
/// a current-thread test runtime (`#[actix_web::test]`) and of the tasks it spawns.
#[derive(Clone)]
pub struct Logs(Arc<watch::Sender<String>>);

impl Logs {
    /// An empty log, for a subscriber of the test's own making.
    pub fn new() -> Self {
        Self(Arc::new(watch::Sender::new(String::new())))
    }

    /// Captures every event at debug level and above until the guard drops.
    pub fn capture() -> (Self, tracing::subscriber::DefaultGuard) {
        let logs = Self::new();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .finish();
        (logs, tracing::subscriber::set_default(subscriber))
    }

    /// Every line so far containing `needle`.
    pub fn lines(&self, needle: &str) -> Vec<String> {
        self.0
            .borrow()
            .lines()
            .filter(|line| line.contains(needle))
            .map(str::to_owned)
            .collect()
    }

    /// The first line containing `needle`, waiting for it to be written (a missing line fails
    /// the test after 20 s instead of hanging it).
    pub async fn line(&self, needle: &str) -> String {
        self.at_least(1, needle).await.remove(0)
    }

    /// The lines containing `needle`, once there are at least `count` (waited for as
    /// [`Logs::line`] does).
    pub async fn at_least(&self, count: usize, needle: &str) -> Vec<String> {
        let mut written = self.0.subscribe();
        let found = written.wait_for(|text| text.matches(needle).count() >= count);
        tokio::time::timeout(Duration::from_secs(20), found)
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "not {count} log lines with {needle:?}: {}",
                    *self.0.borrow()
                )
            })
            .expect("the sender lives in self");
        self.lines(needle)
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.send_modify(|logs| logs.push_str(&text));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl MakeWriter<'_> for Logs {
    type Writer = Self;

    fn make_writer(&self) -> Self {
        self.clone()
    }
}

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

/// `slow …` at the probe's gate, `fail`, and an echo and an event handler counting runs.
pub fn router(probe: &Probe) -> Router<Probe> {
    Router::with_state(probe.clone())
        .text_prefix("slow", slow)
        .text_exact("fail", fails)
        .on(echo)
        .on(event)
}

fn bot(probe: &Probe) -> TestBot<Probe> {
    TestBot::new(router(probe))
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
    assert_eq!(first.text(), Some("hi #1"));
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
    // One poll runs the repeat's whole synchronous path (signature, parse, route, dedupe
    // claim): pending after it means it waits on something, and the handler did not run.
    let mut second = std::pin::pin!(bot.send(&message));
    assert!(
        (&mut second).now_or_never().is_none(),
        "the repeat waits for the first delivery"
    );
    assert_eq!(probe.runs(), 1, "the repeat does not run the handler");
    probe.open();
    let (first, second) = (first.await.expect("first"), second.await);
    assert_eq!(first.text(), Some("done: slow one"));
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

/// Set once a test wants [`Routable`] texts to be routed; only the test below sets it.
static ROUTABLE: AtomicBool = AtomicBool::new(false);

/// A text that routes only while [`ROUTABLE`] is set: a route that declines a message, then
/// accepts its retry.
struct Routable(Text);

impl FromIncoming for Routable {
    fn from_incoming(msg: &Incoming) -> Option<Self> {
        ROUTABLE
            .load(Ordering::SeqCst)
            .then(|| Text::from_incoming(msg).map(Self))
            .flatten()
    }
}

#[actix_web::test]
async fn a_message_no_route_accepts_is_not_remembered() {
    async fn routed(ctx: Ctx<Probe>, text: Routable) -> String {
        ctx.state().runs.fetch_add(1, Ordering::SeqCst);
        text.0.content
    }
    let probe = Probe::new();
    let bot = TestBot::new(Router::with_state(probe.clone()).on(routed));
    let message = text_message("unrouted at first");
    for _ in 0..3 {
        assert!(bot.send(&message).await.is_success());
    }
    assert_eq!(probe.runs(), 0);
    // Had any of those deliveries left a dedupe entry, this one would follow it (`success`,
    // no run) instead of running the route that now accepts it.
    ROUTABLE.store(true, Ordering::SeqCst);
    let reply = bot.send(&message).await;
    assert_eq!(reply.text(), Some("unrouted at first"));
    assert_eq!(probe.runs(), 1);
    assert_eq!(bot.send(&message).await, reply, "remembered from now on");
    assert_eq!(probe.runs(), 1);
}

#[actix_web::test]
async fn a_full_dedupe_table_warns_once_and_its_entries_live_shorter() {
    let (logs, _guard) = Logs::capture();
    let probe = Probe::new();
    let mut config = wxbot::testing::config();
    // Half of it, 2 entries, fills a generation: the table rotates early.
    config.server.dedup_capacity = 4;
    let bot = TestBot::with_config(&config, Router::with_state(probe.clone()).on(echo));
    let first = text_message("first");
    let reply = bot.send(&first).await;
    assert_eq!(
        bot.send(&first).await,
        reply,
        "remembered while there is room"
    );
    assert_eq!(probe.runs(), 1);
    assert!(logs.lines("dedupe table full").is_empty(), "not full yet");
    // Four new messages within the TTL fill a generation twice: `first` is pushed out.
    for i in 0..4 {
        bot.send(&text_message(&format!("flood {i}"))).await;
    }
    let warnings = logs.lines("dedupe table full");
    assert_eq!(warnings.len(), 1, "once per TTL: {warnings:?}");
    let warning = &warnings[0];
    assert!(warning.contains("WARN"), "{warning}");
    assert!(warning.contains("capacity=4"), "{warning}");
    assert!(warning.contains("raise server.dedup_capacity"), "{warning}");
    // The price it warns of: well within the TTL, a retry of `first` runs the handler again.
    let again = bot.send(&first).await;
    assert_eq!(again.text(), Some("first #6"), "run again");
    assert_eq!(probe.runs(), 6);
}
