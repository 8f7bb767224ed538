//! State shared by every user and every handler: a message counter in an `Arc<AtomicU64>`
//! and a notice board in an `Arc<Mutex<…>>`, given to `Router::with_state` and read through
//! `Ctx::state`. (What belongs to one user goes in their `Session<T>` instead: see
//! `examples/form.rs`.)
//!
//! Run: `cargo run --example shared_state -- dev` (the playground, no account needed: send
//! `note hello`, `board`, `stats`), or `cargo run --example shared_state -- serve` on your
//! account.
//! Test: `cargo test --example shared_state`.
//!
//! Why the state must be `Clone + Send + Sync + 'static`: the router is built once and shared
//! by every worker thread of the server (`Sync`); each message gets its own [`Ctx`], which
//! carries its own clone of the state (`Clone`) into a handler that may run as a task on
//! another thread (`Send`, `'static`). So the state is a handle: its mutable parts sit behind
//! an `Arc`, and a clone shares them. A plain `u64` field would be copied into every `Ctx`,
//! and each message would count on its own copy. Anything already built this way fits as it
//! is: an HTTP client, a database pool.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use wxbot::prelude::*;

/// How many notes the board keeps.
const BOARD: usize = 5;

/// The bot's shared state: cheap to clone, every clone the same counter and board.
#[derive(Clone, Default)]
struct Shared {
    /// Messages from everyone since the bot started.
    messages: Arc<AtomicU64>,
    /// The last notes, oldest first, with their authors.
    board: Arc<Mutex<VecDeque<(OpenId, String)>>>,
}

impl Shared {
    /// The board, even if a handler panicked while holding it (the notes are still fine).
    fn board(&self) -> std::sync::MutexGuard<'_, VecDeque<(OpenId, String)>> {
        self.board
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Counts every message a route takes: middleware sees the same state.
async fn count(ctx: Ctx<Shared>, next: Next) -> HandlerResult {
    ctx.state().messages.fetch_add(1, Ordering::Relaxed);
    next.run().await
}

/// `stats` → how many messages the bot has had from everyone, and how many notes it keeps.
async fn stats(ctx: Ctx<Shared>, _: Text) -> String {
    let messages = ctx.state().messages.load(Ordering::Relaxed);
    let notes = ctx.state().board().len();
    format!("messages from everyone: {messages}; notes on the board: {notes}")
}

/// `note <text>` → pinned on the board every user sees; the oldest goes past `BOARD` notes.
async fn note(ctx: Ctx<Shared>, text: Text) -> String {
    let note = text.content["note ".len()..].trim().to_owned();
    // A std Mutex is right here: the guard lives in this block and no `.await` happens while
    // it is held. (Hold a lock across an `.await` and every other message waits for it.)
    let pinned = {
        let mut board = ctx.state().board();
        board.push_back((ctx.sender().clone(), note));
        while board.len() > BOARD {
            board.pop_front();
        }
        board.len()
    };
    format!("pinned ({pinned} on the board)")
}

/// `board` → the notes, oldest first.
async fn board(ctx: Ctx<Shared>, _: Text) -> String {
    let board = ctx.state().board();
    if board.is_empty() {
        return "The board is empty. Pin a note with `note <text>`.".to_owned();
    }
    let lines: Vec<String> = board
        .iter()
        .map(|(author, note)| format!("{author}: {note}"))
        .collect();
    lines.join("\n")
}

/// Any other text.
async fn usage(_: Text) -> &'static str {
    "Send `note <text>`, `board` or `stats`."
}

fn router() -> Router<Shared> {
    Router::with_state(Shared::default())
        .text_exact("stats", stats)
        .text_prefix("note ", note)
        .text_exact("board", board)
        .on(usage)
        .around(count)
}

fn main() -> std::process::ExitCode {
    wxbot::run!(router)
}

#[cfg(test)]
mod tests {
    use wxbot::testing::{Msg, TestBot};

    async fn say(bot: &TestBot<super::Shared>, user: &str, text: &str) -> String {
        let answer = bot.deliver(&Msg::text(text).from(user)).await;
        answer.text().unwrap_or_default().to_owned()
    }

    #[actix_web::test]
    async fn the_count_is_shared_by_every_user() {
        let bot = TestBot::new(super::router());
        say(&bot, "o_alice", "note hi").await;
        say(&bot, "o_bob", "hello").await;
        assert_eq!(
            say(&bot, "o_carol", "stats").await,
            "messages from everyone: 3; notes on the board: 1",
            "two other users' messages and this one"
        );
        let again = say(&bot, "o_alice", "stats").await;
        assert!(again.starts_with("messages from everyone: 4;"), "{again}");
    }

    #[actix_web::test]
    async fn a_note_from_one_user_is_on_everyones_board_and_the_oldest_goes() {
        let bot = TestBot::new(super::router());
        assert_eq!(
            say(&bot, "o_bob", "board").await,
            "The board is empty. Pin a note with `note <text>`."
        );
        assert_eq!(
            say(&bot, "o_alice", "note lunch at noon").await,
            "pinned (1 on the board)"
        );
        assert_eq!(say(&bot, "o_bob", "board").await, "o_alice: lunch at noon");
        for n in 2..=6 {
            say(&bot, "o_bob", &format!("note n{n}")).await;
        }
        assert_eq!(
            say(&bot, "o_carol", "board").await,
            "o_bob: n2\no_bob: n3\no_bob: n4\no_bob: n5\no_bob: n6",
            "five notes kept, the first gone"
        );
    }

    #[actix_web::test]
    async fn each_router_has_its_own_state() {
        let first = TestBot::new(super::router());
        let second = TestBot::new(super::router());
        say(&first, "o_alice", "note only here").await;
        assert_eq!(
            say(&first, "o_alice", "stats").await,
            "messages from everyone: 2; notes on the board: 1"
        );
        assert_eq!(
            say(&second, "o_alice", "stats").await,
            "messages from everyone: 1; notes on the board: 0",
            "a new Shared::default() per router"
        );
    }
}
