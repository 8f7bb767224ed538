//! `wxbot new NAME`: writes a ready crate for a bot of one's own (routes in `handlers/`, a
//! passing test, a commented `wxbot.toml`, a README with its two commands) into a new or
//! empty folder, depending on wxbot by path, git or version.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgMatches, FromArgMatches as _, Subcommand};

use super::App;
use crate::logs;

/// The `new` command, added to the `wxbot` binary only.
#[derive(Debug, Subcommand)]
pub(super) enum New {
    /// Write a ready crate for a bot of one's own into the folder PATH (new or empty).
    New {
        /// The folder to write; its last part is the crate's name (letters, digits, - and _).
        path: PathBuf,
        /// Depend on the wxbot checkout at DIR [default: the one this binary was built from,
        /// when it is still there; else wxbot from crates.io].
        #[arg(long, value_name = "DIR", conflicts_with = "wxbot_git")]
        wxbot_path: Option<PathBuf>,
        /// Depend on wxbot from this git repository.
        #[arg(long, value_name = "URL")]
        wxbot_git: Option<String>,
    },
}

/// The crate's files: where each goes, and its template.
const FILES: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("template/Cargo.toml.tmpl")),
    ("README.md", include_str!("template/README.md.tmpl")),
    (".gitignore", include_str!("template/gitignore.tmpl")),
    ("wxbot.toml", include_str!("template/wxbot.toml.tmpl")),
    ("src/main.rs", include_str!("template/main.rs.tmpl")),
    ("src/lib.rs", include_str!("template/lib.rs.tmpl")),
    (
        "handlers/mod.rs",
        include_str!("template/handlers_mod.rs.tmpl"),
    ),
    ("handlers/greet.rs", include_str!("template/greet.rs.tmpl")),
    ("tests/bot.rs", include_str!("template/tests_bot.rs.tmpl")),
    (
        "assets/README.md",
        include_str!("template/assets_README.md.tmpl"),
    ),
];

/// Runs `new`: 0 when the crate is written, 2 for a bad name or a folder in the way, 1 when
/// writing fails.
pub(super) fn main(app: &App, matches: &ArgMatches) -> ExitCode {
    let New::New {
        path,
        wxbot_path,
        wxbot_git,
    } = New::from_arg_matches(matches).unwrap_or_else(|err| err.exit());
    let name = match crate_name(&path).and_then(|name| check_empty(&path).map(|()| name)) {
        Ok(name) => name,
        Err(problem) => {
            logs::err(format_args!("{}: {problem}", app.name));
            return ExitCode::from(2);
        }
    };
    let dependency = dependency(wxbot_path.as_deref(), wxbot_git.as_deref());
    if let Err(err) = write(&path, &name, &dependency) {
        logs::err(format_args!(
            "{}: cannot write {}: {err}",
            app.name,
            path.display()
        ));
        return ExitCode::FAILURE;
    }
    logs::out(format_args!(
        "created the bot {name} in {shown}\n\nnext:\n  cd {shown}\n  cargo run --release -- dev   # chat with it in the playground\n  cargo test                    # its tests",
        shown = path.display()
    ));
    ExitCode::SUCCESS
}

/// Writes every file of the crate under `root`.
fn write(root: &Path, name: &str, dependency: &str) -> io::Result<()> {
    let crate_name = name.replace('-', "_");
    for (file, template) in FILES {
        let text = template
            .replace("{{name}}", name)
            .replace("{{crate_name}}", &crate_name)
            .replace("{{wxbot}}", dependency);
        let target = root.join(file);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(target, text)?;
    }
    Ok(())
}

/// The crate's name: the folder's last part, as Cargo accepts it and not one that would
/// shadow a crate the bot uses.
fn crate_name(path: &Path) -> Result<String, String> {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| format!("{} names no folder to create", path.display()))?;
    let mut chars = name.chars();
    let well_formed = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.len() <= 64;
    if !well_formed {
        return Err(format!(
            "{name:?} cannot name a crate: start with a letter, then letters, digits, - or _ (64 at most)"
        ));
    }
    const TAKEN: &[&str] = &[
        "wxbot", "tokio", "test", "std", "core", "alloc", "self", "crate",
    ];
    if TAKEN.contains(&name.replace('-', "_").as_str()) {
        return Err(format!(
            "{name:?} is taken by a crate the bot uses: pick another name"
        ));
    }
    Ok(name.to_owned())
}

/// A folder that holds anything is never written over.
fn check_empty(path: &Path) -> Result<(), String> {
    match fs::read_dir(path).map(|mut entries| entries.next().is_some()) {
        Ok(true) => Err(format!(
            "{} is not empty: `new` writes only into a new or empty folder",
            path.display()
        )),
        Ok(false) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotADirectory => {
            Err(format!("{} is a file, not a folder", path.display()))
        }
        Err(err) => Err(format!("cannot read {}: {err}", path.display())),
    }
}

/// The `[dependencies]` line for wxbot: git or path when given, else this binary's own
/// checkout when it is still there (wxbot is not on crates.io yet), else crates.io.
fn dependency(path: Option<&Path>, git: Option<&str>) -> String {
    if let Some(url) = git {
        return format!("wxbot = {{ git = {} }}", toml_string(url));
    }
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = path.map(Path::to_path_buf).or_else(|| {
        checkout
            .join("Cargo.toml")
            .is_file()
            .then(|| checkout.to_path_buf())
    });
    match path {
        Some(path) => {
            let path = fs::canonicalize(&path).unwrap_or(path);
            format!(
                "wxbot = {{ path = {} }}",
                toml_string(&path.to_string_lossy())
            )
        }
        None => format!("wxbot = \"{}\"", env!("CARGO_PKG_VERSION")),
    }
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}
