//! The layers of `src/` point one way. Every `crate::…` path in a module's source (a `use`, an
//! inline path, a doc link) names the module it reaches; a module may reach its own layer and
//! those below, never one above. `ARCHITECTURE.md` draws the same table.

use std::path::{Path, PathBuf};

/// Lowest first. A module is the first segment of its path under `src/` (`client/token.rs`
/// belongs to `client`).
const LAYERS: &[(&str, &[&str])] = &[
    (
        "leaves",
        &[
            "clock",
            "secret",
            "shutdown",
            "xml",
            "ids",
            "signature",
            "crypto",
            "logs",
            "metrics",
        ],
    ),
    ("config", &["config"]),
    ("model", &["message", "reply", "menu"]),
    ("emulator", &["emulator"]),
    ("router", &["router"]),
    ("store", &["store"]),
    ("client", &["client"]),
    ("media", &["media"]),
    ("bot", &["bot", "error"]),
    ("callback", &["callback"]),
    ("endpoint", &["endpoint"]),
    ("testing", &["testing"]),
    // `app!` and `run!` are the command line's macros, exported at the crate's root.
    (
        "top",
        &["cli", "app", "run", "dev", "prelude", "lib", "main"],
    ),
];

/// The emulator plays WeChat: below it in the table sit only things WeChat has too (XML,
/// signatures, crypto, ids, the model). Above it, only the test kit and the playground use it.
const EMULATOR_USERS: &[&str] = &["emulator", "testing", "dev", "lib"];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The module a file belongs to: `src/client/token.rs` → `client`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("under src");
    let first = relative.components().next().expect("a component");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_owned()
}

/// The modules `text` reaches through `crate::NAME`, with their lines.
fn reaches(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let grouped = after.starts_with('{');
            if grouped {
                // `use crate::{a, b::c}`: each group member's first segment.
                let inside = after[1..].split('}').next().unwrap_or_default();
                for member in inside.split(',') {
                    let first = member.trim().split("::").next().unwrap_or_default();
                    if !first.is_empty() {
                        found.push((number + 1, first.to_owned()));
                    }
                }
            }
            let step = name.len().clamp(1, after.len().max(1)).min(after.len());
            if !grouped && !name.is_empty() {
                found.push((number + 1, name));
            }
            rest = &after[step..];
        }
    }
    found
}

/// Every import that reaches up, as `file:line: module → target (layer → layer)`.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    sources(src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    for file in files {
        let module = module_of(src, &file);
        let shown = file
            .strip_prefix(src)
            .unwrap_or(&file)
            .display()
            .to_string();
        let Some(own) = layer_of(&module) else {
            problems.push(format!("src/{shown}: module {module} is in no layer"));
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("read");
        for (line, target) in reaches(&text) {
            // Items of the crate root (`crate::Error` via lib.rs's re-exports) start upper-case.
            if target.starts_with(|c: char| c.is_ascii_uppercase()) || target == module {
                continue;
            }
            let Some(theirs) = layer_of(&target) else {
                problems.push(format!("src/{shown}:{line}: {target} is in no layer"));
                continue;
            };
            let upward = theirs > own;
            let emulator = target == "emulator" && !EMULATOR_USERS.contains(&module.as_str());
            if upward || emulator {
                problems.push(format!(
                    "src/{shown}:{line}: {module} ({}) reaches up to {target} ({})",
                    LAYERS[own].0, LAYERS[theirs].0
                ));
            }
        }
    }
    problems
}

#[test]
fn no_module_reaches_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = violations(&src);
    assert!(
        problems.is_empty(),
        "layers broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_check_sees_inline_grouped_and_doc_paths() {
    let text =
        "use crate::{bot::Bot, ids};\nlet x = crate::client::Client::new();\n/// [`crate::dev`]";
    let names: Vec<String> = reaches(text).into_iter().map(|(_, name)| name).collect();
    assert_eq!(names, ["bot", "ids", "client", "dev"]);
}

/// Inside `src/dev/` and `src/emulator/` the files use each other one way, in the order the
/// module docs list them: a `super::NAME` path (a `use`, or inline) may name only a file
/// listed before its own. The module's own file (`dev.rs`, `emulator.rs`) declares them all, so
/// none may reach back into it. Comments are skipped (a doc link draws no dependency), and so
/// is an inline module (`mod tests { … }`), whose `super` is the file itself.
#[test]
fn dev_and_emulator_files_use_each_other_one_way() {
    /// Lowest first, as `src/dev.rs` and `src/emulator.rs` list them.
    const ORDER: &[(&str, &[&str])] = &[
        (
            "dev",
            &[
                "account",
                "inbound",
                "callback_xml",
                "view",
                "error",
                "page",
                "hub",
                "shared",
                "stream",
                "api",
                "media",
                "server",
                "playground",
                "cli",
            ],
        ),
        (
            "emulator",
            &[
                "record",
                "multipart",
                "errcode",
                "script",
                "state",
                "request",
                "media",
                "custom",
                "api",
                "server",
                "pushed",
                "push",
            ],
        ),
    ];

    /// What `line` reaches through `super::`: `super::a::b` → `a`, `super::{a, b::c}` → `a`, `b`.
    fn supers(line: &str) -> Vec<String> {
        let mut found = Vec::new();
        let mut rest = line;
        while let Some(at) = rest.find("super::") {
            let after = &rest[at + "super::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                let inside = group.split('}').next().unwrap_or_default();
                for member in inside.split(',') {
                    let first = member.trim().split("::").next().unwrap_or_default();
                    if !first.is_empty() {
                        found.push(first.to_owned());
                    }
                }
            } else {
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '*')
                    .collect();
                found.push(name);
            }
            rest = after;
        }
        found
    }

    assert_eq!(
        supers("use super::{api, media::X}; let _ = super::errcode::ok(); use super::*;"),
        ["api", "media", "errcode", "*"]
    );

    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for (module, order) in ORDER {
        let mut files: Vec<PathBuf> = std::fs::read_dir(src.join(module))
            .expect("module dir")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
            .collect();
        files.sort();
        let stems: Vec<String> = files
            .iter()
            .map(|file| {
                file.file_stem()
                    .expect("stem")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        for listed in *order {
            if !stems.iter().any(|stem| stem == listed) {
                problems.push(format!(
                    "src/{module}/{listed}.rs: listed, but no such file"
                ));
            }
        }
        for (file, name) in files.iter().zip(&stems) {
            let Some(own) = order.iter().position(|listed| listed == name) else {
                problems.push(format!("src/{module}/{name}.rs: not in {module}'s order"));
                continue;
            };
            let text = std::fs::read_to_string(file).expect("read");
            for (number, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("mod ") && code.ends_with('{') {
                    break;
                }
                if code.starts_with("//") {
                    continue;
                }
                for target in supers(code) {
                    let at = format!("src/{module}/{name}.rs:{}", number + 1);
                    match order.iter().position(|listed| *listed == target) {
                        Some(theirs) if theirs < own => {}
                        Some(_) => problems.push(format!(
                            "{at}: {name} uses {target}, which comes after it in {module}'s order"
                        )),
                        None => problems.push(format!(
                            "{at}: {name} reaches `super::{target}`, which is no file before it \
                             (only files listed before it may be used, never {module}.rs)"
                        )),
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "dev/ or emulator/ files use each other against their order:\n{}",
        problems.join("\n")
    );
}
