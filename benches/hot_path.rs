//! The plain-mode hot path without the network: parse a text message, and the whole
//! callback (signature, parse, route, dedupe, handler, render) of a text echo bot; and a
//! burst of job reports no route takes (answered `success` with no dedupe slot or task).
//!
//! Then the same echo through the HTTP endpoint in process, without and with the access log
//! (`hot_path/endpoint.rs`), which is what a log line costs a request.
//!
//! `cargo bench --bench hot_path` prints nanoseconds per operation. The load benchmark of the
//! whole server over HTTP is a separate harness (the README's Performance section).

mod common;
#[path = "hot_path/endpoint.rs"]
mod endpoint;

use std::hint::black_box;
use std::sync::Arc;

use futures_util::FutureExt as _;
use wxbot::message::parse;
use wxbot::prelude::*;
use wxbot::{Answer, Bot, testing};

use common::bench;

async fn echo(text: Text) -> String {
    text.content
}

fn main() {
    let body = testing::text_message("bench 1234567890 你好");
    println!("plain text echo, {} bytes of xml", body.len());
    bench("parse", || parse(black_box(body.as_bytes())));

    let config = testing::config();
    let bot = Bot::new(&config, Router::new().on(echo)).expect("bot");
    let query = testing::signed(&config);
    // Distinct MsgIds, as under real traffic: a repeat would be answered from the dedupe table.
    let bodies: Vec<String> = (0..200_000)
        .map(|_| testing::text_message("bench 你好"))
        .collect();
    let mut next = bodies.iter().cycle();
    bench("callback (owner: runs the handler)", || {
        let body = next.next().expect("cycle");
        let outcome = bot.callback(&query, body.as_bytes()).now_or_never();
        assert!(matches!(outcome, Some(Ok(ref o)) if matches!(o.answer, Answer::Reply(_))));
        outcome
    });
    let repeat = Arc::new(body);
    bench("callback (repeat: from the dedupe table)", || {
        bot.callback(&query, repeat.as_bytes()).now_or_never()
    });
    // A burst of job reports after a big template send: distinct MsgIDs, no route takes them.
    let reports: Vec<String> = (0..200_000u64)
        .map(|id| testing::Msg::template_send_job_finish(id, "success").xml())
        .collect();
    let mut next = reports.iter().cycle();
    bench("callback (job report no route takes)", || {
        let body = next.next().expect("cycle");
        let outcome = bot.callback(&query, body.as_bytes()).now_or_never();
        assert!(matches!(outcome, Some(Ok(ref o)) if matches!(o.answer, Answer::Success)));
        outcome
    });
    endpoint::measure("endpoint (no access log)", endpoint::Log::Off);
    endpoint::measure("endpoint (access log, text)", endpoint::Log::Text);
    endpoint::measure("endpoint (access log, json)", endpoint::Log::Json);
}
