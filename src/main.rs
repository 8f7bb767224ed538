//! The `wxbot` binary: the command line around the demo bot in `handlers/`, and `wxbot new`,
//! which writes a crate for a bot of one's own.

// Handlers are written as a library would be (`pub`), though only this binary sees them.
#[allow(unreachable_pub)]
#[path = "../handlers/mod.rs"]
mod handlers;

// Per-thread free lists, without glibc's arena locks and consolidation passes: faster under
// load, above all in Redis mode and on several workers (README, "Performance").
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    wxbot::app!()
        .title("wxbot demo")
        .suggest([
            "ping", "news", "image", "voice", "video", "music", "count", "slow 7",
        ])
        .with_new_command()
        .run(handlers::router)
}
