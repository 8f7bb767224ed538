//! Scaling across cores: N OS threads at once, each with messages of its own, as N workers
//! under real traffic. Each measure prints the total operations per second for 1 and 2
//! threads (or the counts asked for), median and best of the rounds, with the ratio to one
//! thread:
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

use std::hint::black_box;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use futures_util::FutureExt as _;
use wxbot::prelude::*;
use wxbot::{Answer, Bot, testing};

/// The dedupe table's own source, built into this bench: the table is crate-private, and a
/// bench is another crate. The path is the directory `mod dedup;` is found in, so its own
/// submodules resolve as they do in the library.
#[path = "../src/bot"]
// The bench uses part of the table's API; its tests' imports compile here (benches build with
// `cfg(test)`) but not their `#[test]` functions.
#[allow(dead_code, unused_imports, unreachable_pub)]
mod bot {
    pub(crate) mod dedup;
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

/// How long each thread runs in one round.
const ROUND: Duration = Duration::from_millis(200);
/// Rounds per measure; the median and the best are printed.
const ROUNDS: usize = 15;
/// Distinct bodies each thread cycles through in the callback measure.
const BODIES: usize = 100_000;

/// Runs the measures.
fn main() {
    let threads = thread_counts();
    let most = threads.iter().max().copied().unwrap_or(1);
    println!(
        "{} cores available; ops/s summed over the threads",
        thread::available_parallelism().map_or(1, usize::from)
    );
    // The defaults of `server.dedup_ttl_secs` and `server.dedup_capacity`.
    let dedup = Dedup::new(Duration::from_secs(30), 20_000);
    scale("dedupe claim + decide", &threads, |thread, seq| match dedup
        .claim(format!("o_bench_{thread}\u{1f}{seq}"))
    {
        Claim::Owner(decision) => decision.decide(Verdict::Ack),
        Claim::Follower(_) => panic!("every key is new"),
    });

    // The ceiling: the same work with nothing shared between the threads.
    let private: Vec<Dedup> = (0..most)
        .map(|_| Dedup::new(Duration::from_secs(30), 20_000))
        .collect();
    scale(
        "dedupe, a table a thread",
        &threads,
        |thread, seq| match private[thread].claim(format!("o_bench_{thread}\u{1f}{seq}")) {
            Claim::Owner(decision) => decision.decide(Verdict::Ack),
            Claim::Follower(_) => panic!("every key is new"),
        },
    );

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
    scale("callback (text echo)", &threads, |thread, seq| {
        let body = &bodies[thread][seq as usize % BODIES];
        let outcome = bot.callback(&query, body.as_bytes()).now_or_never();
        assert!(matches!(outcome, Some(Ok(ref o)) if matches!(o.answer, Answer::Reply(_))));
        black_box(outcome);
    });
}

/// The demo bot's handler: the text back.
async fn echo(text: Text) -> String {
    text.content
}

/// The thread counts to measure: `WXBOT_BENCH_THREADS`, else 1 and 2.
fn thread_counts() -> Vec<usize> {
    std::env::var("WXBOT_BENCH_THREADS")
        .ok()
        .map(|list| {
            list.split(',')
                .map(|n| n.trim().parse().expect("WXBOT_BENCH_THREADS: numbers"))
                .collect()
        })
        .unwrap_or_else(|| vec![1, 2])
}

/// Measures `op` on each count of threads and prints the throughput and its ratio to the
/// first count's (one thread, by default). The counts take turns, round by round, so a load
/// that comes and goes on the machine weighs on all of them alike; each ratio is taken
/// within a round.
fn scale(name: &str, threads: &[usize], op: impl Fn(usize, u64) + Sync) {
    let rounds: Vec<Vec<f64>> = (0..ROUNDS)
        .map(|round| {
            let passes = (round * threads.len()..).zip(threads);
            passes.map(|(pass, &n)| rate(n, pass as u64, &op)).collect()
        })
        .collect();
    for (i, n) in threads.iter().enumerate() {
        let rates = sorted(rounds.iter().map(|round| round[i]));
        let ratios = sorted(rounds.iter().map(|round| round[i] / round[0]));
        println!(
            "{name:<26} {n:>2} threads {:>10.0} ops/s (best {:>8.0})  {:.2}× the first (best {:.2}×)",
            rates[ROUNDS / 2],
            rates[ROUNDS - 1],
            ratios[ROUNDS / 2],
            ratios[ROUNDS - 1],
        );
    }
}

/// `values`, smallest first.
fn sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    values
}

/// The total calls per second of `op` run on `threads` threads at once for one [`ROUND`].
/// `op` gets its thread's index and a sequence number never repeated on that thread (each
/// `pass` has its own range), so every call can make a message of its own.
fn rate(threads: usize, pass: u64, op: &(impl Fn(usize, u64) + Sync)) -> f64 {
    let start = Barrier::new(threads + 1);
    let stop = AtomicBool::new(false);
    thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|thread| {
                let (start, stop) = (&start, &stop);
                scope.spawn(move || {
                    let first = pass << 40;
                    start.wait();
                    let began = Instant::now();
                    let mut seq = first;
                    // Only read until the end: the flag costs no shared writes.
                    while !stop.load(Ordering::Relaxed) {
                        op(thread, seq);
                        seq += 1;
                    }
                    (seq - first) as f64 / began.elapsed().as_secs_f64()
                })
            })
            .collect();
        start.wait();
        thread::sleep(ROUND);
        stop.store(true, Ordering::Relaxed);
        let rates = workers
            .into_iter()
            .map(|worker| worker.join().expect("worker"));
        rates.sum()
    })
}
