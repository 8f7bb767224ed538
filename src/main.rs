//! The `wxbot` binary: the command line around the demo bot in `handlers/`.

// Handlers are written as a library would be (`pub`), though only this binary sees them.
#[allow(unreachable_pub)]
#[path = "../handlers/mod.rs"]
mod handlers;

fn main() -> std::process::ExitCode {
    wxbot::run(handlers::router)
}
