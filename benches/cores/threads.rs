//! The harness of the scaling measures: threads that live through a measure, as workers do,
//! run passes of [`ROUND`] at each count of threads in turn; passes during which another
//! process used the CPU are set aside.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long each thread runs in one pass.
const ROUND: Duration = Duration::from_millis(200);
/// Quiet passes wanted for each count of threads (see [`Cpu`]).
const QUIET: usize = 7;
/// Rounds (a pass at each count) at most, however few are quiet.
const ROUNDS_MAX: usize = 40;

/// The thread counts to measure: `WXBOT_BENCH_THREADS`, else 1 and 2.
pub(crate) fn counts() -> Vec<usize> {
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
/// first count's (one thread, by default). The threads live through the whole measure, as
/// workers do, each with its own allocator arena and caches.
pub(crate) fn scale(name: &str, threads: &[usize], op: impl Fn(usize, u64) + Sync) {
    let most = threads.iter().copied().max().unwrap_or(1);
    let control = Control::new(most);
    let passes = thread::scope(|scope| {
        for thread in 0..most {
            let (control, op) = (&control, &op);
            scope.spawn(move || control.work(thread, op));
        }
        let passes = measure(&control, threads);
        control.finish();
        passes
    });
    let first = median(&passes[0], |pass| pass.rate);
    for (&n, of_n) in threads.iter().zip(&passes) {
        let rate = median(of_n, |pass| pass.rate);
        let cores = median(of_n, |pass| pass.cores);
        let over = match quiet(of_n) {
            few if few < 3 => format!("all {} passes: too few quiet", of_n.len()),
            quiet => format!("{quiet} quiet of {} passes", of_n.len()),
        };
        println!(
            "{name:<26} {n:>2} threads {rate:>10.0} ops/s  {:>4.2}× the first  {cores:>3.1} cores busy  ({over})",
            rate / first
        );
    }
}

/// Passes at each count of threads, taking turns round by round (so a load that comes and
/// goes weighs on all counts alike), until each count has [`QUIET`] quiet passes or
/// [`ROUNDS_MAX`] rounds have run.
fn measure(control: &Control, threads: &[usize]) -> Vec<Vec<Pass>> {
    let mut passes: Vec<Vec<Pass>> = vec![Vec::new(); threads.len()];
    for _ in 0..ROUNDS_MAX {
        if passes.iter().all(|of_n| quiet(of_n) >= QUIET) {
            break;
        }
        for (of_n, &n) in passes.iter_mut().zip(threads) {
            let (before, began) = (Cpu::now(), Instant::now());
            let rate = control.pass(n);
            let (after, wall) = (Cpu::now(), began.elapsed());
            let quiet = after.quiet_since(before);
            let cores = after.cores_since(before, wall);
            of_n.push(Pass { rate, quiet, cores });
        }
    }
    passes
}

/// How many of `passes` were quiet.
fn quiet(passes: &[Pass]) -> usize {
    passes.iter().filter(|pass| pass.quiet).count()
}

/// The orders of a measure's threads, and what they report.
struct Control {
    /// How many threads run the next pass; none once the measure is over.
    active: AtomicUsize,
    /// Set when the pass ends: only read while it runs, so it costs no shared writes.
    stop: AtomicBool,
    /// Every thread and the conductor meet here before a pass…
    start: Barrier,
    /// … and here after it.
    end: Barrier,
    /// Calls per second, summed over the pass's threads.
    total: Mutex<f64>,
}

impl Control {
    /// Orders for `threads` threads and the conductor.
    fn new(threads: usize) -> Self {
        Self {
            active: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            start: Barrier::new(threads + 1),
            end: Barrier::new(threads + 1),
            total: Mutex::new(0.0),
        }
    }

    /// The life of thread number `thread`: runs `op` through every pass it is part of. `op`
    /// gets the thread's number and a sequence number it never got before, so every call can
    /// make a message of its own.
    fn work(&self, thread: usize, op: &impl Fn(usize, u64)) {
        let mut seq = 0;
        loop {
            self.start.wait();
            let active = self.active.load(Ordering::SeqCst);
            if active == 0 {
                return;
            }
            if thread < active {
                let (began, first) = (Instant::now(), seq);
                while !self.stop.load(Ordering::Relaxed) {
                    op(thread, seq);
                    seq += 1;
                }
                let rate = (seq - first) as f64 / began.elapsed().as_secs_f64();
                *self.total.lock().expect("total") += rate;
            }
            self.end.wait();
        }
    }

    /// Runs one pass of `threads` threads for [`ROUND`]: the calls per second they made.
    fn pass(&self, threads: usize) -> f64 {
        *self.total.lock().expect("total") = 0.0;
        self.stop.store(false, Ordering::SeqCst);
        self.active.store(threads, Ordering::SeqCst);
        self.start.wait();
        thread::sleep(ROUND);
        self.stop.store(true, Ordering::SeqCst);
        self.end.wait();
        *self.total.lock().expect("total")
    }

    /// Lets the threads go home.
    fn finish(&self) {
        self.active.store(0, Ordering::SeqCst);
        self.start.wait();
    }
}

/// One pass: a count of threads run for one [`ROUND`].
#[derive(Clone, Copy)]
struct Pass {
    /// Calls per second, summed over the threads.
    rate: f64,
    /// No other process used the CPU meanwhile.
    quiet: bool,
    /// How many cores this process kept busy: fewer than its threads when they wait on a
    /// lock, asleep; as many when they run, however slowly.
    cores: f64,
}

/// The median `of` the quiet passes, or of all if fewer than three were quiet.
fn median(passes: &[Pass], of: impl Fn(&Pass) -> f64) -> f64 {
    let quiet: Vec<f64> = passes.iter().filter(|p| p.quiet).map(&of).collect();
    let mut values = if quiet.len() >= 3 {
        quiet
    } else {
        passes.iter().map(of).collect()
    };
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The CPU time used so far by the whole machine and by this process, in clock ticks (Linux;
/// elsewhere unknown, and every pass counts as quiet).
#[derive(Clone, Copy)]
struct Cpu(Option<(u64, u64)>);

impl Cpu {
    /// The counters now, from `/proc`.
    fn now() -> Self {
        let machine = std::fs::read_to_string("/proc/stat").ok();
        let process = std::fs::read_to_string("/proc/self/stat").ok();
        Self(machine.zip(process).and_then(|(machine, process)| {
            // The `cpu` line: user, nice, system, idle, iowait, irq, softirq, steal, guest…
            let ticks: Vec<u64> = machine
                .lines()
                .next()?
                .split_whitespace()
                .skip(1)
                .map(|t| t.parse().ok())
                .collect::<Option<_>>()?;
            let busy = [0, 1, 2, 5, 6, 7]
                .iter()
                .filter_map(|&i| ticks.get(i))
                .sum();
            // After the parenthesized name: utime and stime are the 12th and 13th fields.
            let fields: Vec<&str> = process
                .get(process.rfind(')')? + 2..)?
                .split_whitespace()
                .collect();
            let mine =
                fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
            Some((busy, mine))
        }))
    }

    /// Whether other processes used at most a tick of CPU between `before` and now: on a
    /// shared machine, a pass during someone's build says nothing about scaling.
    fn quiet_since(self, before: Self) -> bool {
        match (before.0, self.0) {
            (Some((busy0, mine0)), Some((busy1, mine1))) => {
                (busy1 - busy0).saturating_sub(mine1 - mine0) <= 1
            }
            _ => true,
        }
    }

    /// The cores this process kept busy between `before` and now, `wall` apart (not a number
    /// where unknown). Clock ticks are a hundredth of a second, as on every Linux of today.
    fn cores_since(self, before: Self, wall: Duration) -> f64 {
        match (before.0, self.0) {
            (Some((_, mine0)), Some((_, mine1))) => {
                (mine1 - mine0) as f64 / 100.0 / wall.as_secs_f64()
            }
            _ => f64::NAN,
        }
    }
}
