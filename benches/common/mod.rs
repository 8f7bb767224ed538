//! The benches' tiny harness: calibrated rounds, the median printed in ns/op; and the
//! allocator of the `wxbot` binary, so what is timed allocates as it does there.

use std::hint::black_box;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROUND: Duration = Duration::from_millis(100);
const ROUNDS: usize = 7;

/// Times `op`, prints the median nanoseconds per call and returns it.
pub(crate) fn bench<T>(name: &str, mut op: impl FnMut() -> T) -> f64 {
    // Calibrate: how many calls fill one round.
    let mut batch = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..batch {
            black_box(op());
        }
        if start.elapsed() >= ROUND / 10 {
            let per_call = start.elapsed().as_secs_f64() / batch as f64;
            batch = (ROUND.as_secs_f64() / per_call).ceil() as u64;
            break;
        }
        batch *= 2;
    }
    let mut rounds: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..batch {
                black_box(op());
            }
            start.elapsed().as_nanos() as f64 / batch as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    let (min, median) = (rounds[0], rounds[ROUNDS / 2]);
    println!("{name:<34} {median:>9.0} ns/op  (best {min:.0}, {batch} calls a round)");
    median
}
