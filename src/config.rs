//! The configuration: `wxbot.toml` (see `wxbot.example.toml`), then `WXBOT_<SECTION>__<KEY>` variables.
//!
//! Loading and validation report every problem at once, each naming its key, so a bad deploy
//! fails before it binds, in one line.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

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
    /// `[store]`: where tokens and media ids persist, and what several instances share.
    pub store: StoreConfig,
    /// `[session]`: per-user state, and replies waiting for their user.
    pub session: SessionConfig,
    /// `[menu]`: the account's custom menu (`wxbot menu push`), checked against WeChat's
    /// rules by `wxbot::menu::Menu::check`.
    pub menu: MenuConfig,
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
    /// What happens to a reply not ready by the deadline.
    pub late_reply: LateReply,
    /// Show "typing…" to the user once a handler has run this long (customer-service API;
    /// 0: never).
    pub typing_after_ms: u64,
    /// `address:port` for `/healthz`, `/readyz` and `/metrics` alone, off the public port;
    /// empty: they are served on `bind`, beside the callback.
    #[serde(deserialize_with = "crate::secret::lenient_string")]
    pub ops_bind: String,
    /// How `wxbot serve` writes its log lines on stderr.
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum LogFormat {
    /// One line of text per event, for people (`RUST_LOG`'s usual look).
    #[default]
    Text,
    /// One JSON object per line, for log collectors; the access line's fields at the top.
    Json,
}

/// The operator's endpoints (health, readiness, metrics): on `server.bind` unless
/// `server.ops_bind` gives them an address of their own.
pub const OPS_PATHS: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// How a reply not ready by `server.reply_deadline_ms` reaches its user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LateReply {
    /// `success` at the deadline, then the reply through the customer-service API.
    #[default]
    CustomerService,
    /// For accounts without that API: hold the delivery so WeChat retries, answer a retry
    /// passively once the reply is ready (about 15 s in all), then `session.pending_notice`,
    /// the reply waiting for the user's next message.
    Retries,
}

/// `[session]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct SessionConfig {
    /// A user's session expires after this much silence; 0 keeps none.
    pub ttl_secs: u64,
    /// The answer when a reply is still not ready after WeChat's last delivery.
    pub pending_notice: String,
    /// How long a finished late reply waits for the user's next message.
    pub pending_ttl_secs: u64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            ttl_secs: 1800,
            pending_notice: "Still working on it. Send any message to get the answer.".to_owned(),
            pending_ttl_secs: 3600,
        }
    }
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
            late_reply: LateReply::CustomerService,
            typing_after_ms: 0,
            ops_bind: String::new(),
            log_format: LogFormat::Text,
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
    /// How long a file found unchanged is trusted before a `stat` looks again (0: always).
    pub recheck_ms: u64,
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
            recheck_ms: 1000,
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
    /// The redis backend's URL: `redis://[user:password@]host[:port][/db]`.
    pub url: Secret,
    /// The first part of every key (`<prefix>:{<appid>}:…`), so environments can share a
    /// Redis.
    pub prefix: String,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            backend: Backend::Memory,
            path: "wxbot-state".into(),
            url: Secret::new("redis://127.0.0.1:6379/0"),
            prefix: "wxbot".to_owned(),
        }
    }
}

/// Where tokens, media ids and message outcomes are kept, and whether other instances share
/// them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Backend {
    /// In this process only.
    #[default]
    Memory,
    /// Files in `store.path`: a restart reuses the token and the media ids.
    File,
    /// A Redis (or Valkey) server at `store.url`, shared by every instance using it.
    Redis,
}

/// Every problem found in a configuration, each naming its key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("config: {}", .problems.join("; "))]
pub struct ConfigError {
    /// One sentence per problem, starting with the key.
    pub problems: Vec<String>,
}

mod load;
mod menu;
pub use menu::{ButtonConfig, MenuConfig};
#[cfg(test)]
mod tests;
mod validate;
