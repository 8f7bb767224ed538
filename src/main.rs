//! The `wxbot` binary: the command line around the demo bot in `handlers/`, and `wxbot new`,
//! which writes a crate for a bot of one's own.

// Handlers are written as a library would be (`pub`), though only this binary sees them.
#[allow(unreachable_pub)]
#[path = "../handlers/mod.rs"]
mod handlers;

// Per-thread free lists without glibc's consolidation passes: the text echo is some 10% faster,
// and a Redis-backed one, which allocates more per message, some 15% (README, "Performance").
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
