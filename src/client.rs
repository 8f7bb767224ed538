//! The WeChat API client: one envelope, one retry policy, a shared access token.
//!
//! Every call goes to `api.base_url`. An answer carrying a non-zero `errcode` is an
//! [`ApiError`] even under HTTP 200, so no caller ever mistakes it for data. Busy (`-1`),
//! 5xx and connection errors are retried with back-off; an invalid or expired token is
//! dropped, fetched again, and the call retried once.

mod custom;
mod error;
mod media;
mod notify;
mod platform;
mod token;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;

pub use custom::SendError;
pub use error::{ApiError, ClientError};
pub use media::{Downloaded, Uploaded};
pub use notify::{Field, MiniProgram, SubscribeMessage, TemplateMessage};
pub use platform::{MAX_PERMANENT_SCENE, MAX_QR_EXPIRE, MAX_SCENE_BYTES, QrCode, Scene, UserInfo};

use crate::config::{Config, TokenEndpoint};
use crate::router::Ctx;
use crate::secret::Secret;
use crate::store::AccountStore;
use token::TokenManager;

/// The one call that must not be repeated blindly.
const CUSTOM_SEND: &str = "/cgi-bin/message/custom/send";

/// Attempts for a call that meets busy, 5xx or connection errors: the first and two retries.
const ATTEMPTS: u32 = 3;
/// The first back-off; it doubles per retry (0.2 s, 0.4 s), well inside WeChat's 5 s.
const BACKOFF: Duration = Duration::from_millis(200);

/// A client for one account's WeChat API. Cheap to clone (one `Arc`); clones share the
/// access token.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Built on first use: TLS set-up costs tens of milliseconds, and a bot that only
    /// answers text never calls the API.
    http: OnceLock<reqwest::Client>,
    timeout: Duration,
    base_url: String,
    appid: String,
    secret: Secret,
    endpoint: TokenEndpoint,
    token: TokenManager,
    /// Where the token outlives the process, when the bot was given a persistent store.
    store: AccountStore,
}

/// The shape of every JSON answer: an optional error, then the payload.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

impl Client {
    /// A client for the account and API settings of `config`, keeping its token in memory.
    /// (A [`Bot`](crate::Bot) gives its client the configured `[store]`.)
    pub fn new(config: &Config) -> Self {
        Self::with_store(config, AccountStore::default())
    }

    /// A client whose token also goes to `store`.
    pub(crate) fn with_store(config: &Config, store: AccountStore) -> Self {
        let inner = Inner {
            http: OnceLock::new(),
            timeout: Duration::from_secs(config.api.timeout_secs),
            base_url: config.api.base_url.trim_end_matches('/').to_owned(),
            appid: config.account.appid.clone(),
            secret: config.account.secret.clone(),
            endpoint: config.account.token_endpoint,
            token: TokenManager::default(),
            store,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The current access token, fetched when there is none or it is about to expire.
    /// Concurrent callers share one fetch.
    pub async fn access_token(&self) -> Result<Arc<str>, ClientError> {
        self.inner.token.get(|force| self.fetch_token(force)).await
    }

    /// Runs an authenticated call: `request` builds it for a token; a token-invalid answer
    /// drops that token and runs it once more with a fresh one. Returns the content type and
    /// the body of the answer.
    async fn authed(
        &self,
        path: &str,
        request: impl Fn(&str) -> reqwest::RequestBuilder,
    ) -> Result<(String, Bytes), ClientError> {
        let token = self.access_token().await?;
        match self.send(path, || request(&token)).await {
            Err(ClientError::Api(err)) if err.is_token_invalid() => {
                tracing::info!(
                    code = err.code,
                    path,
                    "access token refused; fetching a new one"
                );
                self.inner.token.invalidate(&token);
                self.forget_stored_token(&token).await;
                let fresh = self.access_token().await?;
                self.send(path, || request(&fresh)).await
            }
            other => other,
        }
    }

    /// Sends with retries and decodes the JSON envelope.
    async fn send_json<T: DeserializeOwned>(
        &self,
        path: &str,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let body = self.send(path, request).await?.1;
        decode(path, &body)
    }

    /// Sends `request` (rebuilt per attempt), retrying transient failures with back-off.
    /// Returns the response's content type and body; a JSON error answer is an error.
    async fn send(
        &self,
        path: &str,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<(String, Bytes), ClientError> {
        let mut delay = BACKOFF;
        let mut attempt = 1;
        loop {
            match self.attempt(path, request()).await {
                Err(err) if attempt < ATTEMPTS && err.is_transient() => {
                    tracing::warn!(path, attempt, error = %err, "transient api failure; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    async fn attempt(
        &self,
        path: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<(String, Bytes), ClientError> {
        // The URL carries the secret (token fetch) or the access token: never in an error.
        let http = |source: reqwest::Error| ClientError::Http {
            path: path.to_owned(),
            source: source.without_url(),
        };
        let response = request.send().await.map_err(http)?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.bytes().await.map_err(http)?;
        if status >= 400 {
            return Err(ClientError::Status {
                path: path.to_owned(),
                status,
                body: excerpt(&body),
            });
        }
        // WeChat reports errors as JSON under 200, sometimes labelled text/plain.
        if body.trim_ascii_start().first() == Some(&b'{')
            && let Ok(envelope) = serde_json::from_slice::<Envelope>(&body)
            && envelope.errcode != 0
        {
            return Err(ApiError {
                code: envelope.errcode,
                message: envelope.errmsg,
            }
            .into());
        }
        Ok((content_type, body))
    }

    fn http(&self) -> &reqwest::Client {
        self.inner.http.get_or_init(|| {
            reqwest::Client::builder()
                .timeout(self.inner.timeout)
                .build()
                .unwrap_or_default()
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.base_url)
    }
}

fn decode<T: DeserializeOwned>(path: &str, body: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice(body).map_err(|err| ClientError::Decode {
        path: path.to_owned(),
        reason: err.to_string(),
        body: excerpt(body),
    })
}

/// The first 200 bytes of a body, for error messages.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    text.into_owned()
}

impl<S> Ctx<S> {
    /// The account's WeChat API client: media, customer-service sends, typing, the menu, QR
    /// codes, template and subscription messages, user info.
    pub fn api(&self) -> &Client {
        self.lent()
            .downcast_ref::<Client>()
            .expect("the bot lends every Ctx its API client")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errcode_predicates() {
        let err = |code| ApiError {
            code,
            message: String::new(),
        };
        for code in [40001, 40014, 42001] {
            assert!(err(code).is_token_invalid(), "{code}");
        }
        assert!(!err(40007).is_token_invalid());
        assert!(err(40007).is_media_invalid());
        assert!(err(-1).is_busy());
        assert!(err(45015).is_outside_service_window() && err(45047).is_outside_service_window());
        assert!(!err(40003).is_outside_service_window());
    }

    #[test]
    fn transient_is_busy_5xx_or_transport_only() {
        let api = |code| {
            ClientError::Api(ApiError {
                code,
                message: String::new(),
            })
        };
        assert!(api(-1).is_transient());
        assert!(!api(40003).is_transient());
        assert!(
            !api(40001).is_transient(),
            "token errors have their own single retry"
        );
        let status = |status| ClientError::Status {
            path: String::new(),
            status,
            body: String::new(),
        };
        assert!(status(502).is_transient());
        assert!(!status(404).is_transient());
    }
}
