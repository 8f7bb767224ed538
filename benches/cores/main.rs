//! Scaling across cores: N OS threads at once, each with messages of its own, as N workers
//! under real traffic. Each measure prints the total operations per second for 1 and 2
//! threads (or the counts asked for), with the ratio to one thread. The figure is the
//! median of passes of 200 ms during which no other process used the CPU (this machine is
//! shared; a pass beside someone's build would measure the build): up to 40 passes each,
//! until 7 are quiet, and the figure says over how many it was taken.
//!
//! - `dedupe claim + decide`: each thread claims distinct keys in one shared dedupe table
//!   (the default `server.dedup_ttl_secs` and `server.dedup_capacity`) and decides each;
//! - `dedupe, a table a thread`: the same with nothing shared, the ceiling of the first on
//!   this machine (its allocator, its caches, its neighbours' load);
//! - `callback (text echo)`: each thread runs whole callbacks (signature, parse, route,
//!   dedupe, handler, render) of distinct text messages through one shared [`Bot`].
//!
//! `cargo bench --bench cores`; `WXBOT_BENCH_THREADS=1,2,4,8` picks the thread counts. The
//! single-call timings (one thread) are `cargo bench --bench hot_path`.
//!
//! The threads allocate with mimalloc, as the `wxbot` binary's workers do (`common`). Under
//! glibc's allocator, a thread that frees memory another allocated (an expired generation's
//! slots, too big for glibc's lock-free bins) takes that thread's arena lock, and two threads
//! of callbacks made 1.35× one instead of 1.82×.

// For its allocator only: each bench allocates as the `wxbot` binary does.
#[allow(dead_code)]
#[path = "../common/mod.rs"]
mod common;
mod threads;

use std::hint::black_box;
use std::thread;
use std::time::Duration;

use futures_util::FutureExt as _;
use wxbot::prelude::*;
use wxbot::{Answer, Bot, testing};

/// The dedupe table's own source, built into this bench: the table is crate-private, and a
/// bench is another crate. The path is the directory `mod dedup;` is found in, so its own
/// submodules resolve as they do in the library.
#[path = "../../src/bot"]
// The bench uses part of the table's API; its tests' imports compile here (benches build with
// `cfg(test)`) but not their `#[test]` functions.
#[allow(dead_code, unused_imports, unreachable_pub)]
mod bot {
    pub(crate) mod dedup;
    /// What the table's source names from its parent, taken from the library.
    pub(crate) use wxbot::Answer;
}

/// What the table's source imports from `crate::message`, taken from the library.
mod message {
    pub(crate) use wxbot::prelude::Header;
}

/// What the table's source imports from `crate::reply`, taken from the library.
mod reply {
    pub(crate) use wxbot::prelude::Reply;
}

use bot::dedup::{Claim, Dedup, Verdict};

/// Distinct bodies each thread cycles through in the callback measure.
const BODIES: usize = 100_000;

/// Runs the measures.
fn main() {
    let threads = threads::counts();
    let most = threads.iter().max().copied().unwrap_or(1);
    println!(
        "{} cores available; ops/s summed over the threads",
        thread::available_parallelism().map_or(1, usize::from)
    );
    // The defaults of `server.dedup_ttl_secs` and `server.dedup_capacity`.
    let dedup = Dedup::new(Duration::from_secs(30), 20_000);
    threads::scale("dedupe claim + decide", &threads, |thread, seq| {
        claim_new(&dedup, thread, seq);
    });
    // The ceiling: the same work with nothing shared between the threads.
    let private: Vec<Dedup> = (0..most)
        .map(|_| Dedup::new(Duration::from_secs(30), 20_000))
        .collect();
    threads::scale("dedupe, a table a thread", &threads, |thread, seq| {
        claim_new(&private[thread], thread, seq);
    });

    let config = testing::config();
    let bot = Bot::new(&config, Router::new().on(echo)).expect("bot");
    let query = testing::signed(&config);
    // Distinct MsgIds, as under real traffic: a repeat would be answered from the table.
    let bodies: Vec<Vec<String>> = (0..most)
        .map(|_| {
            (0..BODIES)
                .map(|_| testing::text_message("bench 你好"))
                .collect()
        })
        .collect();
    threads::scale("callback (text echo)", &threads, |thread, seq| {
        let body = &bodies[thread][seq as usize % BODIES];
        let outcome = bot.callback(&query, body.as_bytes()).now_or_never();
        assert!(matches!(outcome, Some(Ok(ref o)) if matches!(o.answer, Answer::Reply(_))));
        black_box(outcome);
    });
}

/// Claims message number `seq` of thread number `thread`, new to `dedup`, and decides it.
fn claim_new(dedup: &Dedup, thread: usize, seq: u64) {
    match dedup.claim(format!("o_bench_{thread}\u{1f}{seq}")) {
        Claim::Owner(decision) => decision.decide(Verdict::Ack),
        Claim::Follower(_) => panic!("every key is new"),
    }
}

/// The demo bot's handler: the text back.
async fn echo(text: Text) -> String {
    text.content
}
