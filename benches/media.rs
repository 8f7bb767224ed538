//! A warm media reply against a text reply, without the network:
//!
//! - the media cache's warm hit (an id already uploaded and fresh, the file looked at within
//!   `media.recheck_ms`), and beside it the `stat` it makes only once that is due;
//! - whole callbacks of the demo bot for the text `image` (answered from the cache) and for
//!   a text echo, and their throughput ratio; beside it the ratio for an image reply that
//!   names its media id, which needs no cache at all: the ceiling;
//! - the warm hit on 1 and 2 threads at once, all asking for the same file, as workers do
//!   for a popular asset.
//!
//! `cargo bench --bench media`. The emulator serves the one upload that warms the cache;
//! every timed call is answered in process.

mod common;

// The demo bot, compiled here as in `src/main.rs`, so the bench runs the real routes. Benches
// build with `cfg(test)` but without the test harness: the handlers' test modules keep only
// their imports.
#[allow(dead_code, unreachable_pub, unused_imports)]
#[path = "../handlers/mod.rs"]
mod handlers;

use std::hint::black_box;
use std::path::Path;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use futures_util::FutureExt as _;
use wxbot::emulator::Emulator;
use wxbot::prelude::*;
use wxbot::{Answer, Bot, CallbackQuery, MediaId, MediaKind, testing};

use common::bench;

/// How long each thread runs in one round of the threaded measure.
const ROUND: Duration = Duration::from_millis(300);
/// Rounds of the threaded measure; the median is printed.
const ROUNDS: usize = 5;
/// Alternating rounds of text and image callbacks for their ratio.
const PAIRS: usize = 21;
/// Callbacks of each kind in one alternating round (some 50 ms of text echoes).
const BATCH: u32 = 20_000;

fn main() {
    let emulator = Emulator::start().expect("emulator");
    let mut config = testing::config();
    config.account.appid = emulator.appid().to_owned();
    config.account.secret = emulator.secret().into();
    config.api.base_url = emulator.base_url();
    config.media.assets_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets").into();
    let bot = Bot::new(&config, handlers::router()).expect("bot");
    let query = testing::signed(&config);

    // The one cold request: the upload goes to the emulator, so it needs a runtime.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let warmed = runtime.block_on(bot.callback(&query, testing::text_message("image").as_bytes()));
    assert!(
        matches!(warmed, Ok(ref handled) if matches!(handled.answer, Answer::Reply(ref xml) if xml.contains("<MediaId>"))),
        "the first image uploads: {warmed:?}"
    );

    let cache = bot.media().clone();
    let demo = Path::new("demo.jpg");
    bench("resolve (warm hit)", || {
        let id = cache.resolve(MediaKind::Image, demo).now_or_never();
        assert!(matches!(id, Some(Ok(_))), "a warm hit answers at once");
        id
    });

    // What a warm hit makes once per `media.recheck_ms` (1 s), not per hit.
    let file = Path::new(&config.media.assets_dir).join(demo);
    bench("stat of the file (once a second)", || {
        std::fs::metadata(&file)
    });

    let mut text = callbacks(&bot, &query, "bench 你好");
    let mut image = callbacks(&bot, &query, "image");
    bench("callback: text echo", &mut text);
    bench("callback: image (warm hit)", &mut image);
    // Timed in alternating batches, so a load that comes and goes weighs on both alike.
    let ratio = paired(timed(&mut text), timed(&mut image));
    println!("image / text throughput: {ratio:.2} (median of {PAIRS} alternating rounds)");
    let by_id = Bot::new(&config, Router::new().text_exact("image", image_by_id)).expect("bot");
    let ceiling = paired(timed(&mut text), timed(callbacks(&by_id, &query, "image")));
    println!("image by id / text throughput: {ceiling:.2} (the ceiling: no file, no cache)");
    // Awaited inside a runtime, as on a worker: its cooperative budget applies.
    let on_worker = paired(
        awaited(&runtime, &bot, &query, "bench 你好"),
        awaited(&runtime, &bot, &query, "image"),
    );
    println!("image / text throughput, awaited in a runtime: {on_worker:.2}");

    for threads in [1, 2] {
        let rate = throughput(threads, || {
            black_box(cache.resolve(MediaKind::Image, demo).now_or_never());
        });
        println!("resolve (warm hit), {threads} threads {rate:>11.0} ops/s");
    }
}

/// An image reply naming its media id: nothing for the cache to do.
async fn image_by_id(_: Text) -> Reply {
    Reply::image(MediaId::new("bench_media_id"))
}

/// Whole callbacks of messages saying `text`, each answered by a single poll.
fn callbacks<'a>(bot: &'a Bot, query: &'a CallbackQuery, text: &str) -> impl FnMut() + 'a {
    let mut next = bodies(text).into_iter().cycle();
    move || {
        let body = next.next().expect("cycle");
        let outcome = bot.callback(query, body.as_bytes()).now_or_never();
        assert!(matches!(outcome, Some(Ok(ref o)) if matches!(o.answer, Answer::Reply(_))));
        black_box(outcome);
    }
}

/// Text messages saying `text`, each with a MsgId of its own, as under real traffic: a
/// repeat would be answered from the dedupe table.
fn bodies(text: &str) -> Vec<String> {
    (0..200_000).map(|_| testing::text_message(text)).collect()
}

/// Times [`BATCH`] calls of `op` a round.
fn timed(mut op: impl FnMut()) -> impl FnMut() -> Duration {
    move || {
        let start = Instant::now();
        for _ in 0..BATCH {
            op();
        }
        start.elapsed()
    }
}

/// Times [`BATCH`] callbacks of messages saying `text` a round, awaited one after another
/// inside `runtime` as a worker awaits them, not answered by a single poll.
fn awaited<'a>(
    runtime: &'a tokio::runtime::Runtime,
    bot: &'a Bot,
    query: &'a CallbackQuery,
    text: &str,
) -> impl FnMut() -> Duration + 'a {
    let mut next = bodies(text).into_iter().cycle();
    move || {
        runtime.block_on(async {
            let start = Instant::now();
            for _ in 0..BATCH {
                let body = next.next().expect("cycle");
                let outcome = bot.callback(query, body.as_bytes()).await;
                assert!(matches!(outcome, Ok(ref o) if matches!(o.answer, Answer::Reply(_))));
                let _ = black_box(outcome);
            }
            start.elapsed()
        })
    }
}

/// The median, over [`PAIRS`] rounds each timing a batch of text callbacks then one of image
/// callbacks, of the image callbacks' throughput over the text callbacks'.
fn paired(mut text: impl FnMut() -> Duration, mut image: impl FnMut() -> Duration) -> f64 {
    let mut ratios: Vec<f64> = (0..PAIRS)
        .map(|_| text().as_secs_f64() / image().as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[PAIRS / 2]
}

/// The median, over [`ROUNDS`], of the total calls per second of `op` run on `threads`
/// threads at once.
fn throughput(threads: usize, op: impl Fn() + Sync) -> f64 {
    let mut rates: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let start = Barrier::new(threads + 1);
            let stop = AtomicBool::new(false);
            thread::scope(|scope| {
                let workers: Vec<_> = (0..threads)
                    .map(|_| {
                        let (start, stop, op) = (&start, &stop, &op);
                        scope.spawn(move || {
                            start.wait();
                            let began = Instant::now();
                            let mut calls = 0u64;
                            // Only read until the end: the flag costs no shared writes.
                            while !stop.load(Ordering::Relaxed) {
                                op();
                                calls += 1;
                            }
                            calls as f64 / began.elapsed().as_secs_f64()
                        })
                    })
                    .collect();
                start.wait();
                thread::sleep(ROUND);
                stop.store(true, Ordering::Relaxed);
                workers
                    .into_iter()
                    .map(|worker| worker.join().expect("worker"))
                    .sum::<f64>()
            })
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    rates[ROUNDS / 2]
}
