//! The configuration: `wxbot.toml` (see `wxbot.example.toml`), then `WXBOT_<SECTION>__<KEY>` variables.
//!
//! Loading and validation report every problem at once, each naming its key, so a bad deploy
//! fails before it binds, in one line.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::crypto::{KeyError, MsgCrypt, decode_key};
use crate::secret::Secret;

/// The whole configuration; every key has a default but `account.token`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// `[server]`: the callback endpoint.
    pub server: ServerConfig,
    /// `[account]`: the public account.
    pub account: AccountConfig,
    /// `[api]`: the WeChat API.
    pub api: ApiConfig,
    /// `[media]`: the upload-on-demand cache.
    pub media: MediaConfig,
    /// `[store]`: where tokens and media ids persist (`redis` is not implemented yet).
    pub store: StoreConfig,
}

/// `[server]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ServerConfig {
    /// `address:port`; port 0 picks a free one.
    #[serde(deserialize_with = "crate::secret::lenient_string")]
    pub bind: String,
    /// The callback path.
    pub path: String,
    /// Larger bodies are answered 413.
    pub body_limit_bytes: usize,
    /// When the reply is not ready by then, answer `success` and send it by customer service.
    pub reply_deadline_ms: u64,
    /// How long a message is remembered to answer WeChat's retries (its window is ~15 s).
    pub dedup_ttl_secs: u64,
    /// At most this many messages are remembered; past it entries live shorter (logged).
    pub dedup_capacity: usize,
    /// On shutdown, how long to wait for replies still on their way.
    pub shutdown_timeout_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".to_owned(),
            path: "/wechat".to_owned(),
            body_limit_bytes: 1024 * 1024,
            reply_deadline_ms: 4500,
            dedup_ttl_secs: 30,
            dedup_capacity: 20_000,
            shutdown_timeout_secs: 10,
        }
    }
}

/// `[account]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct AccountConfig {
    /// The AppID (`wx…`).
    pub appid: String,
    /// The AppSecret, for API calls.
    pub secret: Secret,
    /// The callback token (3–32 letters or digits), required.
    pub token: Secret,
    /// The 43-character EncodingAESKey, required when `mode` is not `plain`.
    pub encoding_aes_key: Secret,
    /// The message encryption mode.
    pub mode: Mode,
    /// Where access tokens come from.
    pub token_endpoint: TokenEndpoint,
}

/// Which API issues access tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TokenEndpoint {
    /// `GET /cgi-bin/token`: each fetch replaces the previous token.
    #[default]
    Classic,
    /// `POST /cgi-bin/stable_token`: isolated from `/cgi-bin/token` fetches elsewhere.
    Stable,
}

/// The account's message encryption mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Mode {
    /// Plaintext messages (明文模式).
    #[default]
    Plain,
    /// Plaintext and ciphertext side by side (兼容模式).
    Compatible,
    /// Ciphertext only (安全模式).
    Safe,
}

/// `[api]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ApiConfig {
    /// Every API call goes here.
    pub base_url: String,
    /// How long one API request may take.
    pub timeout_secs: u64,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            base_url: "https://api.weixin.qq.com".to_owned(),
            timeout_secs: 10,
        }
    }
}

/// `[media]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct MediaConfig {
    /// Relative paths in media replies resolve here.
    pub assets_dir: PathBuf,
    /// How long a temporary `media_id` lives.
    pub ttl_secs: u64,
    /// Re-upload when less than this is left.
    pub refresh_margin_secs: u64,
    /// Largest image upload (JPG).
    pub image_max_bytes: u64,
    /// Largest voice upload (AMR or MP3).
    pub voice_max_bytes: u64,
    /// Longest voice upload.
    pub voice_max_secs: u64,
    /// Largest video upload (MP4).
    pub video_max_bytes: u64,
    /// Largest thumb upload (JPG).
    pub thumb_max_bytes: u64,
}

impl Default for MediaConfig {
    /// WeChat's temporary-media upload limits.
    fn default() -> Self {
        Self {
            assets_dir: "assets".into(),
            ttl_secs: 259_200,
            refresh_margin_secs: 3600,
            image_max_bytes: 128 * 1024,
            voice_max_bytes: 256 * 1024,
            voice_max_secs: 60,
            video_max_bytes: 1024 * 1024,
            thumb_max_bytes: 64 * 1024,
        }
    }
}

/// `[store]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct StoreConfig {
    /// Which store.
    pub backend: Backend,
    /// The file backend's folder.
    pub path: PathBuf,
    /// The redis backend's URL.
    pub url: Secret,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            backend: Backend::Memory,
            path: "wxbot-state".into(),
            url: Secret::new("redis://127.0.0.1:6379/0"),
        }
    }
}

/// Where tokens and media ids persist; `redis` is accepted but not implemented yet (a warning
/// at start-up), so it keeps them in memory like `memory`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Backend {
    /// In this process only.
    #[default]
    Memory,
    /// Files in `store.path`: a restart reuses the token and the media ids.
    File,
    /// A redis server at `store.url`.
    Redis,
}

/// Keys whose environment values are taken as written, never as numbers or booleans.
const VERBATIM: [&str; 4] = [
    "account.appid",
    "account.secret",
    "account.token",
    "account.encoding_aes_key",
];

/// Every problem found in a configuration, each naming its key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("config: {}", .problems.join("; "))]
pub struct ConfigError {
    /// One sentence per problem, starting with the key.
    pub problems: Vec<String>,
}

impl Config {
    /// Loads `file` (or `wxbot.toml` in the working directory, when it exists), applies the
    /// `WXBOT_<SECTION>__<KEY>` variables, and validates the result.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
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
            Ok(config) => match config.validate() {
                Ok(()) if problems.is_empty() => Ok(config),
                Ok(()) => Err(ConfigError { problems }),
                Err(err) => {
                    problems.extend(err.problems);
                    Err(ConfigError { problems })
                }
            },
            Err(err) => {
                problems.extend(err.into_iter().map(|err| describe(&err)));
                Err(ConfigError { problems })
            }
        }
    }

    /// Checks every key, reporting all problems at once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        let mut check = |ok: bool, message: &str| {
            if !ok {
                problems.push(message.to_owned());
            }
        };
        let token = self.account.token.expose();
        check(
            !token.is_empty(),
            "account.token is missing (wxbot.toml [account] token, or WXBOT_ACCOUNT__TOKEN)",
        );
        check(
            token.is_empty()
                || (3..=32).contains(&token.len())
                    && token.bytes().all(|b| b.is_ascii_alphanumeric()),
            "account.token must be 3 to 32 letters or digits, as WeChat requires",
        );
        check(
            self.account.mode == Mode::Plain || !self.account.appid.is_empty(),
            "account.appid is required when account.mode is not \"plain\" (the ciphertext carries it)",
        );
        check(
            self.server.path.starts_with('/'),
            "server.path must start with /",
        );
        check(
            self.server.body_limit_bytes > 0,
            "server.body_limit_bytes must be positive",
        );
        check(
            (1..5000).contains(&self.server.reply_deadline_ms),
            "server.reply_deadline_ms must be between 1 and 4999 (WeChat waits 5 s)",
        );
        check(
            self.api.base_url.starts_with("http://") || self.api.base_url.starts_with("https://"),
            "api.base_url must be an http:// or https:// URL",
        );
        check(
            self.server.dedup_ttl_secs >= 15,
            "server.dedup_ttl_secs must be at least 15 (WeChat retries for about 15 s)",
        );
        check(
            self.server.dedup_capacity > 0,
            "server.dedup_capacity must be positive",
        );
        check(
            self.api.timeout_secs > 0,
            "api.timeout_secs must be positive",
        );
        check(self.media.ttl_secs > 0, "media.ttl_secs must be positive");
        problems.extend(bind_problem(&self.server.bind));
        if self.account.mode != Mode::Plain
            && let Err(err) = decode_key(self.account.encoding_aes_key.expose())
        {
            problems.push(format!("account.encoding_aes_key: {err}"));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError { problems })
        }
    }
}

impl Config {
    /// The message crypto of `compatible` and `safe` modes; `None` in `plain` mode.
    pub(crate) fn crypt(&self) -> Result<Option<MsgCrypt>, KeyError> {
        let account = &self.account;
        if account.mode == Mode::Plain {
            return Ok(None);
        }
        MsgCrypt::new(
            account.encoding_aes_key.expose(),
            account.token.expose(),
            &account.appid,
        )
        .map(Some)
    }
}

impl ServerConfig {
    /// `bind` resolved to a socket address.
    pub fn bind_addr(&self) -> std::io::Result<SocketAddr> {
        if let Ok(addr) = self.bind.parse() {
            return Ok(addr);
        }
        self.bind
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address"))
    }
}

/// Why `bind` is not `address:port`, in words that name the fix. A host name passes: it is
/// resolved when the server binds (validation does no I/O).
fn bind_problem(bind: &str) -> Option<String> {
    if bind.parse::<SocketAddr>().is_ok() {
        return None;
    }
    if !bind.is_empty() && bind.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!(
            "server.bind \"{bind}\" is a port without an address: write 127.0.0.1:{bind} \
             (this machine only) or 0.0.0.0:{bind} (every interface)"
        ));
    }
    let Some((host, port)) = bind.rsplit_once(':') else {
        return Some(format!(
            "server.bind \"{bind}\" has no port: write address:port, e.g. 127.0.0.1:8080"
        ));
    };
    match port.parse::<u64>() {
        Err(_) => Some(format!(
            "server.bind \"{bind}\": the port \"{port}\" is not a number"
        )),
        Ok(port) if port > u64::from(u16::MAX) => Some(format!(
            "server.bind \"{bind}\": port {port} is out of range (0 to 65535)"
        )),
        Ok(_) if host.is_empty() => Some(format!(
            "server.bind \"{bind}\" has no address: write 127.0.0.1{bind} or 0.0.0.0{bind}"
        )),
        Ok(_) => None,
    }
}

/// Variables that name a key with one underscore where two belong (`WXBOT_ACCOUNT_TOKEN`
/// for `WXBOT_ACCOUNT__TOKEN`): nothing reads them, so each is a problem naming the fix.
fn near_misses(vars: impl Iterator<Item = (String, String)>) -> Vec<String> {
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
fn known_keys() -> Vec<String> {
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
fn describe(err: &figment::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_contracts() {
        let config = Config::default();
        assert_eq!(config.server.bind, "127.0.0.1:8080");
        assert_eq!(config.server.path, "/wechat");
        assert_eq!(config.server.body_limit_bytes, 1_048_576);
        assert_eq!(config.server.reply_deadline_ms, 4500);
        assert_eq!(config.account.mode, Mode::Plain);
        assert_eq!(config.api.base_url, "https://api.weixin.qq.com");
        assert_eq!(config.media.ttl_secs, 259_200);
        assert_eq!(config.media.refresh_margin_secs, 3600);
        assert_eq!(config.store.backend, Backend::Memory);
    }

    /// A configuration that passes every rule.
    fn valid() -> Config {
        let mut config = Config::default();
        config.account.token = Secret::new("abc123");
        config
    }

    /// The one problem `change` makes in a valid configuration.
    fn only_problem(change: impl FnOnce(&mut Config)) -> Option<String> {
        let mut config = valid();
        change(&mut config);
        let problems = config.validate().err()?.problems;
        assert_eq!(problems.len(), 1, "{problems:?}");
        problems.into_iter().next()
    }

    #[test]
    fn validate_names_every_bad_key() {
        type Change = fn(&mut Config);
        let rules: [(&str, Change); 14] = [
            ("account.token is missing", |c| {
                c.account.token = Secret::default()
            }),
            ("account.token must be 3 to 32", |c| {
                c.account.token = Secret::new("ab")
            }),
            ("account.token must be 3 to 32", |c| {
                c.account.token = Secret::new("a".repeat(33))
            }),
            ("account.token must be 3 to 32", |c| {
                c.account.token = Secret::new("abc-123")
            }),
            ("account.appid is required", |c| {
                c.account.mode = Mode::Compatible;
                c.account.encoding_aes_key = Secret::new("a".repeat(43));
            }),
            ("server.bind", |c| c.server.bind = "localhost".to_owned()),
            ("server.path", |c| c.server.path = "wechat".to_owned()),
            ("server.body_limit_bytes", |c| c.server.body_limit_bytes = 0),
            ("server.reply_deadline_ms", |c| {
                c.server.reply_deadline_ms = 5000
            }),
            ("api.base_url", |c| c.api.base_url = "ftp://x".to_owned()),
            ("server.dedup_ttl_secs", |c| c.server.dedup_ttl_secs = 14),
            ("server.dedup_capacity", |c| c.server.dedup_capacity = 0),
            ("api.timeout_secs", |c| c.api.timeout_secs = 0),
            ("media.ttl_secs", |c| c.media.ttl_secs = 0),
        ];
        for (key, change) in rules {
            let problem = only_problem(change).unwrap_or_else(|| panic!("{key}: no problem"));
            assert!(problem.starts_with(key), "{key}: {problem}");
        }
        let key = only_problem(|c| {
            c.account.appid = "wx1".to_owned();
            c.account.mode = Mode::Safe;
        });
        assert!(key.is_some_and(|p| p.starts_with("account.encoding_aes_key")));
        let mut config = valid();
        config.server.path = "wechat".to_owned();
        config.server.reply_deadline_ms = 0;
        assert_eq!(
            config.validate().unwrap_err().problems.len(),
            2,
            "all at once"
        );
    }

    #[test]
    fn the_edges_of_each_range_are_accepted() {
        type Change = fn(&mut Config);
        let edges: [Change; 6] = [
            |c| c.account.token = Secret::new("abc"),
            |c| c.account.token = Secret::new("a".repeat(32)),
            |c| c.server.reply_deadline_ms = 4999,
            |c| c.server.reply_deadline_ms = 1,
            |c| c.server.dedup_ttl_secs = 15,
            |c| c.server.bind = "localhost:0".to_owned(),
        ];
        for change in edges {
            assert_eq!(only_problem(change), None);
        }
    }

    #[test]
    fn bind_problems_say_what_is_wrong() {
        let problem = |bind: &str| bind_problem(bind).unwrap_or_default();
        assert!(problem("127.0.0.1:70000").contains("port 70000 is out of range"));
        assert!(problem("8080").contains("127.0.0.1:8080"));
        assert!(problem("8080").contains("0.0.0.0:8080"));
        assert!(problem("127.0.0.1").contains("has no port"));
        assert!(problem("127.0.0.1:http").contains("not a number"));
        assert!(problem(":8080").contains("has no address"));
        assert_eq!(bind_problem("[::1]:8080"), None);
        assert_eq!(bind_problem("0.0.0.0:0"), None);
    }

    #[test]
    fn a_variable_with_one_underscore_too_few_is_named_with_its_fix() {
        let vars = [
            ("WXBOT_ACCOUNT_TOKEN", "abc123"),
            ("WXBOT_SERVER__BIND", "127.0.0.1:0"),
            ("WXBOT_LOG", "debug"),
            ("PATH", "/bin"),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned()));
        let problems = near_misses(vars.into_iter());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("WXBOT_ACCOUNT_TOKEN"),
            "{problems:?}"
        );
        assert!(problems[0].contains("WXBOT_ACCOUNT__TOKEN"), "{problems:?}");
    }

    #[test]
    fn an_unknown_mode_lists_the_values_plainly() {
        let err = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string("[account]\nmode = \"Safe\""))
            .extract::<Config>()
            .unwrap_err();
        let message = describe(&err);
        assert_eq!(
            message,
            "account.mode: unknown value \"Safe\", expected one of \"plain\", \"compatible\", \"safe\""
        );
    }

    #[test]
    fn a_number_for_bind_reaches_validation_as_text() {
        let config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string("[server]\nbind = 8080"))
            .extract()
            .expect("a number is read as text");
        assert_eq!(config.server.bind, "8080");
    }

    #[test]
    fn the_example_file_starts_as_it_is_and_sets_every_key() {
        let example = include_str!("../wxbot.example.toml");
        let config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string(example))
            .extract()
            .expect("wxbot.example.toml parses");
        config.validate().expect("wxbot.example.toml validates");
        let file_only = Figment::from(Toml::string(example));
        for key in known_keys() {
            assert!(
                file_only.find_value(&key).is_ok(),
                "wxbot.example.toml lacks {key}"
            );
        }
    }

    #[test]
    fn secrets_do_not_debug_print() {
        let mut config = Config::default();
        config.account.token = Secret::new("supersecrettoken");
        config.account.secret = Secret::new("appsecretvalue");
        let printed = format!("{config:?}");
        assert!(!printed.contains("supersecrettoken") && !printed.contains("appsecretvalue"));
    }
}
