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
            "xml",
            "ids",
            "signature",
            "crypto",
            "logs",
        ],
    ),
    ("config", &["config"]),
    ("model", &["message", "reply"]),
    ("emulator", &["emulator"]),
    ("router", &["router"]),
    ("store", &["store"]),
    ("client", &["client"]),
    ("media", &["media"]),
    ("bot", &["bot", "error"]),
    ("callback", &["callback"]),
    ("endpoint", &["endpoint"]),
    ("testing", &["testing"]),
    ("top", &["cli", "dev", "prelude", "lib", "main"]),
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
