//! Reading the configuration: the TOML file, then the `WXBOT_<SECTION>__<KEY>` variables,
//! each problem named in words that say where it came from and how to fix it.

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};

use super::{Config, ConfigError};

/// Keys whose environment values are taken as written, never as numbers or booleans.
const VERBATIM: [&str; 4] = [
    "account.appid",
    "account.secret",
    "account.token",
    "account.encoding_aes_key",
];

impl Config {
    /// Loads `file` (or `wxbot.toml` in the working directory, when it exists), applies the
    /// `WXBOT_<SECTION>__<KEY>` variables, and validates the result.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let config = Self::read(file)?;
        config.validate()?;
        Ok(config)
    }

    /// [`Config::load`] without the validation, for `wxbot dev`, which fills in a made-up
    /// account before the bot validates the whole.
    pub(crate) fn read(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Self::default()));
        match file {
            Some(path) if !path.is_file() => {
                return Err(problem(format!(
                    "{} does not exist or is not a file",
                    path.display()
                )));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("wxbot.toml").is_file() => {
                figment = figment.merge(Toml::file_exact("wxbot.toml"));
            }
            None => {}
        }
        // Only `SECTION__KEY` variables: `WXBOT_LOG` or the like must not become unknown keys.
        let env = Env::prefixed("WXBOT_")
            .filter(|key| key.as_str().contains("__"))
            .split("__");
        // Env reads values as TOML-ish data (`0123` becomes 123); credentials keep their text.
        let verbatim: Vec<(String, String)> = env
            .iter()
            .filter(|(key, _)| VERBATIM.contains(&key.as_str()))
            .map(|(key, value)| (key.as_str().to_owned(), value))
            .collect();
        let mut figment = figment.merge(env);
        for (key, value) in verbatim {
            figment = figment.merge(Serialized::default(&key, value));
        }
        let mut problems = near_misses(std::env::vars());
        match figment.extract::<Self>() {
            Ok(config) if problems.is_empty() => Ok(config),
            Ok(_) => Err(ConfigError { problems }),
            Err(err) => {
                problems.extend(err.into_iter().map(|err| describe(&err)));
                Err(ConfigError { problems })
            }
        }
    }
}

/// Variables that name a key with one underscore where two belong (`WXBOT_ACCOUNT_TOKEN`
/// for `WXBOT_ACCOUNT__TOKEN`): nothing reads them, so each is a problem naming the fix.
pub(super) fn near_misses(vars: impl Iterator<Item = (String, String)>) -> Vec<String> {
    let keys = known_keys();
    let mut problems: Vec<String> = vars
        .filter_map(|(name, _)| {
            let rest = name.strip_prefix("WXBOT_")?.to_ascii_lowercase();
            if rest.contains("__") {
                return None;
            }
            let key = keys.iter().find(|key| key.replacen('.', "_", 1) == rest)?;
            let wanted = format!("WXBOT_{}", key.replacen('.', "__", 1).to_ascii_uppercase());
            Some(format!(
                "{name} is set but never read: the variable for {key} is {wanted} (two \
                 underscores between section and key)"
            ))
        })
        .collect();
    problems.sort();
    problems
}

/// Every `section.key` of the configuration, read off the defaults.
pub(super) fn known_keys() -> Vec<String> {
    let Ok(serde_json::Value::Object(sections)) = serde_json::to_value(Config::default()) else {
        return Vec::new();
    };
    sections
        .iter()
        .filter_map(|(section, keys)| Some((section, keys.as_object()?)))
        .flat_map(|(section, keys)| keys.keys().map(move |key| format!("{section}.{key}")))
        .collect()
}

fn problem(message: String) -> ConfigError {
    ConfigError {
        problems: vec![message],
    }
}

/// `server.body_limit_bytes: invalid type: found string "x", expected usize`.
pub(super) fn describe(err: &figment::Error) -> String {
    let key = err.path.join(".");
    let origin = match &err.metadata {
        Some(meta) if meta.source.is_some() => format!(
            " (from {})",
            meta.source
                .as_ref()
                .map_or_else(String::new, ToString::to_string)
        ),
        Some(meta) if meta.name.contains("environment") => {
            format!(" (from WXBOT_{})", err.path.join("__").to_uppercase())
        }
        _ => String::new(),
    };
    if let figment::error::Kind::UnknownVariant(found, expected) = &err.kind {
        let expected: Vec<String> = expected
            .iter()
            .map(|value| format!("\"{value}\""))
            .collect();
        return format!(
            "{key}: unknown value \"{found}\", expected one of {}{origin}",
            expected.join(", ")
        );
    }
    // TOML syntax errors span several lines (a snippet and a caret): keep the prose only.
    let kind = err.kind.to_string();
    let prose: Vec<&str> = kind
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.contains('|'))
        .collect();
    let kind = prose.join(": ");
    match key.as_str() {
        "" => format!("{kind}{origin}"),
        _ => format!("{key}: {kind}{origin}"),
    }
}
