//! `wxbot new`: the crate it writes, what it refuses, and the new bot's `wxbot.toml` read by
//! the playground and by `serve`. That the crate builds and its test passes is checked by
//! `scripts/new-bot-check` in `.ci/run` (it needs a cargo build of its own).

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::common::{Running, TempDir};

/// Every file `wxbot new` writes.
const FILES: &[&str] = &[
    "Cargo.toml",
    "README.md",
    ".gitignore",
    "wxbot.toml",
    "src/main.rs",
    "src/lib.rs",
    "handlers/mod.rs",
    "handlers/greet.rs",
    "tests/bot.rs",
    "assets/README.md",
];

fn wxbot(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wxbot"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run wxbot")
}

fn read(path: impl AsRef<Path>) -> String {
    fs::read_to_string(path.as_ref())
        .unwrap_or_else(|err| panic!("{}: {err}", path.as_ref().display()))
}

#[test]
fn new_writes_a_crate_named_after_its_folder() {
    let dir = TempDir::new("new-crate");
    let output = wxbot(&dir.0, &["new", "tea-shop"]);
    assert!(output.status.success(), "{output:?}");
    let crate_dir = dir.0.join("tea-shop");
    for file in FILES {
        assert!(crate_dir.join(file).is_file(), "{file} not written");
    }
    let manifest = read(crate_dir.join("Cargo.toml"));
    assert!(manifest.contains("name = \"tea-shop\""), "{manifest}");
    // Built from this checkout, the binary points the new crate at it.
    let checkout = fs::canonicalize(env!("CARGO_MANIFEST_DIR")).expect("checkout");
    let dependency = format!("wxbot = {{ path = \"{}\" }}", checkout.display());
    assert!(manifest.contains(&dependency), "{manifest}");
    assert!(read(crate_dir.join("src/main.rs")).contains("wxbot::run!(tea_shop::router)"));
    assert!(read(crate_dir.join("tests/bot.rs")).contains("Hello from tea-shop!"));
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("cargo run --release -- dev"), "{said}");
    assert!(said.contains("cargo test"), "{said}");
}

#[test]
fn new_depends_on_wxbot_by_git_when_told() {
    let dir = TempDir::new("new-git");
    let url = "https://example.com/wxbot.git";
    let output = wxbot(&dir.0, &["new", "bot", "--wxbot-git", url]);
    assert!(output.status.success(), "{output:?}");
    let manifest = read(dir.0.join("bot/Cargo.toml"));
    assert!(
        manifest.contains(&format!("wxbot = {{ git = \"{url}\" }}")),
        "{manifest}"
    );
}

#[test]
fn new_refuses_a_folder_that_is_not_empty_and_writes_nothing() {
    let dir = TempDir::new("new-taken");
    let taken = dir.0.join("mine");
    fs::create_dir(&taken).expect("mkdir");
    fs::write(taken.join("notes.txt"), "keep me").expect("write");
    let output = wxbot(&dir.0, &["new", "mine"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("mine is not empty"), "{err}");
    let left: Vec<_> = fs::read_dir(&taken).expect("read").collect();
    assert_eq!(left.len(), 1, "something was written beside notes.txt");
    assert_eq!(read(taken.join("notes.txt")), "keep me");
    // An empty folder is fine.
    fs::create_dir(dir.0.join("empty")).expect("mkdir");
    assert!(wxbot(&dir.0, &["new", "empty"]).status.success());
}

#[test]
fn new_refuses_names_cargo_or_the_bot_cannot_use() {
    let dir = TempDir::new("new-names");
    fs::write(dir.0.join("file"), "").expect("write");
    for (name, problem) in [
        ("9lives", "cannot name a crate"),
        ("tea shop", "cannot name a crate"),
        ("wxbot", "taken by a crate the bot uses"),
        ("file", "is a file"),
    ] {
        let output = wxbot(&dir.0, &["new", name]);
        assert_eq!(output.status.code(), Some(2), "{name}: {output:?}");
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(err.contains(problem), "{name}: {err}");
    }
}

#[test]
fn the_new_bots_config_starts_the_playground_and_serve_asks_for_the_account() {
    let dir = TempDir::new("new-config");
    assert!(wxbot(&dir.0, &["new", "bot"]).status.success());
    let crate_dir = dir.0.join("bot");
    // No account in it: the playground makes one up.
    let mut playground = Running::dev(&crate_dir);
    assert!(playground.stop().success());
    let serve = wxbot(&crate_dir, &["serve"]);
    assert_eq!(serve.status.code(), Some(2), "{serve:?}");
    let err = String::from_utf8_lossy(&serve.stderr);
    assert!(err.contains("account.token is missing"), "{err}");
}
