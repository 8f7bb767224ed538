//! Checking the configuration: every rule names its key, all problems are reported at once,
//! and nothing here does I/O (the store is opened by the bot, the address bound by the server).

use std::net::{SocketAddr, ToSocketAddrs};

use super::{Backend, Config, ConfigError, Mode, OPS_PATHS, ServerConfig};
use crate::crypto::{KeyError, MsgCrypt, decode_key};

impl Config {
    /// Checks every key, reporting all problems at once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems: Vec<String> = self
            .rules()
            .into_iter()
            .filter(|(ok, _)| !ok)
            .map(|(_, problem)| problem.to_owned())
            .collect();
        problems.extend(bind_problem(&self.server.bind));
        problems.extend(self.server.ops_problem());
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

    /// Every simple rule, as (holds, the problem when it does not): a flat table.
    fn rules(&self) -> [(bool, &'static str); 15] {
        let (server, account, api, store) = (&self.server, &self.account, &self.api, &self.store);
        let token = account.token.expose();
        let token_ok =
            (3..=32).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric());
        [
            (
                !token.is_empty(),
                "account.token is missing (wxbot.toml [account] token, or WXBOT_ACCOUNT__TOKEN)",
            ),
            (
                token.is_empty() || token_ok,
                "account.token must be 3 to 32 letters or digits, as WeChat requires",
            ),
            (
                account.mode == Mode::Plain || !account.appid.is_empty(),
                "account.appid is required when account.mode is not \"plain\" (the ciphertext carries it)",
            ),
            (
                server.path.starts_with('/'),
                "server.path must start with /",
            ),
            (
                server.body_limit_bytes > 0,
                "server.body_limit_bytes must be positive",
            ),
            (
                (1..5000).contains(&server.reply_deadline_ms),
                "server.reply_deadline_ms must be between 1 and 4999 (WeChat waits 5 s)",
            ),
            (
                api.base_url.starts_with("http://") || api.base_url.starts_with("https://"),
                "api.base_url must be an http:// or https:// URL",
            ),
            (
                server.dedup_ttl_secs >= 15,
                "server.dedup_ttl_secs must be at least 15 (WeChat retries for about 15 s)",
            ),
            (
                server.dedup_capacity > 0,
                "server.dedup_capacity must be positive",
            ),
            (api.timeout_secs > 0, "api.timeout_secs must be positive"),
            (self.media.ttl_secs > 0, "media.ttl_secs must be positive"),
            (
                store.backend != Backend::Redis || store.url.expose().starts_with("redis://"),
                "store.url must be a redis:// URL",
            ),
            (
                server.typing_after_ms < 30_000,
                "server.typing_after_ms must be below 30000 (WeChat shows typing only within 30 s of the user's message)",
            ),
            (
                !self.session.pending_notice.trim().is_empty(),
                "session.pending_notice must not be empty",
            ),
            (
                !store.prefix.is_empty()
                    && !store
                        .prefix
                        .contains(|c: char| c.is_whitespace() || "{}".contains(c)),
                "store.prefix must be non-empty, without spaces or braces (they tag the account)",
            ),
        ]
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

impl ServerConfig {
    /// An `ops_bind` that is no address, or, without one, a callback path the operator's
    /// endpoints would shadow on the shared port.
    fn ops_problem(&self) -> Option<String> {
        if !self.ops_bind.is_empty() {
            return address_problem("server.ops_bind", &self.ops_bind);
        }
        OPS_PATHS.contains(&self.path.as_str()).then(|| {
            format!(
                "server.path \"{}\" is taken by the health and metrics endpoints: pick another \
                 path, or serve those on server.ops_bind",
                self.path
            )
        })
    }
}

/// Why `bind` is not `address:port`, in words that name the fix. A host name passes: it is
/// resolved when the server binds (validation does no I/O).
pub(super) fn bind_problem(bind: &str) -> Option<String> {
    address_problem("server.bind", bind)
}

/// [`bind_problem`] for the address under `key`.
fn address_problem(key: &str, bind: &str) -> Option<String> {
    if bind.parse::<SocketAddr>().is_ok() {
        return None;
    }
    if !bind.is_empty() && bind.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!(
            "{key} \"{bind}\" is a port without an address: write 127.0.0.1:{bind} \
             (this machine only) or 0.0.0.0:{bind} (every interface)"
        ));
    }
    let Some((host, port)) = bind.rsplit_once(':') else {
        return Some(format!(
            "{key} \"{bind}\" has no port: write address:port, e.g. 127.0.0.1:8080"
        ));
    };
    match port.parse::<u64>() {
        Err(_) => Some(format!(
            "{key} \"{bind}\": the port \"{port}\" is not a number"
        )),
        Ok(port) if port > u64::from(u16::MAX) => Some(format!(
            "{key} \"{bind}\": port {port} is out of range (0 to 65535)"
        )),
        Ok(_) if host.is_empty() => Some(format!(
            "{key} \"{bind}\" has no address: write 127.0.0.1{bind} or 0.0.0.0{bind}"
        )),
        Ok(_) => None,
    }
}
