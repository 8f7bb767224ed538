//! The access token: cached, shared, fetched once however many callers need it at once.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::{Client, ClientError};
use crate::clock::unix_now;
use crate::config::TokenEndpoint;
use crate::store::{Record, TOKEN};

/// The longest lifetime a token is taken to have, whatever `expires_in` says (a day).
const MAX_LIFETIME_SECS: u64 = 86_400;

/// Refresh when less than this is left (WeChat overlaps old and new tokens by 5 minutes).
const MARGIN: Duration = Duration::from_secs(300);

/// The cached token and the gate that makes refreshes single-flight.
#[derive(Debug, Default)]
pub(super) struct TokenManager {
    /// Read on every call without awaiting; written only under `gate`.
    current: RwLock<Option<Token>>,
    /// Held while fetching; keeps the last fetch's failure for the callers that waited on it.
    gate: tokio::sync::Mutex<Option<Arc<ClientError>>>,
    /// Fetches finished: a caller that sees it move while it waited shares that outcome.
    finished: AtomicU64,
    /// The token WeChat refused last: the next fetch must not hand it back (another
    /// instance's copy, or `stable_token`'s answer until asked to `force_refresh`).
    refused: Mutex<Option<Arc<str>>>,
}

#[derive(Debug, Clone)]
struct Token {
    value: Arc<str>,
    refresh_at: Instant,
}

/// What `/cgi-bin/token` and `/cgi-bin/stable_token` answer.
#[derive(Debug, Deserialize)]
pub(super) struct Issued {
    access_token: String,
    expires_in: u64,
}

impl TokenManager {
    /// The cached token while it is fresh; otherwise one caller fetches and the rest wait.
    pub(super) async fn get<F, Fut>(&self, fetch: F) -> Result<Arc<str>, ClientError>
    where
        F: FnOnce(Option<Arc<str>>) -> Fut,
        Fut: Future<Output = Result<Issued, ClientError>>,
    {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let seen = self.finished.load(Ordering::Acquire);
        let mut failure = self.gate.lock().await;
        // Another caller may have refreshed while this one waited at the gate.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        // Or failed: then this caller shares the failure rather than fetching again at once.
        if self.finished.load(Ordering::Acquire) != seen
            && let Some(failed) = failure.as_ref()
        {
            return Err(ClientError::Token(Arc::clone(failed)));
        }
        let refusals = &self.refused;
        let refused = refusals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let fetched = fetch(refused.clone()).await;
        if fetched.is_err() {
            // Still refused: the next fetch must not take it back either.
            *refusals.lock().unwrap_or_else(PoisonError::into_inner) = refused;
        }
        self.finished.fetch_add(1, Ordering::Release);
        let issued = match fetched {
            Ok(issued) => issued,
            Err(err) => {
                let failed = Arc::new(err);
                *failure = Some(Arc::clone(&failed));
                return Err(ClientError::Token(failed));
            }
        };
        *failure = None;
        // Capped: an absurd `expires_in` must not overflow the clock.
        let lifetime = Duration::from_secs(issued.expires_in.min(MAX_LIFETIME_SECS));
        let token = Token {
            value: issued.access_token.into(),
            refresh_at: Instant::now() + lifetime - margin(lifetime),
        };
        let value = Arc::clone(&token.value);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(token);
        Ok(value)
    }

    /// Drops the cached token if it is still `failed`: when ten calls fail with one token,
    /// the first drop suffices and the rest leave the new token alone.
    pub(super) fn invalidate(&self, failed: &str) {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if current
            .as_ref()
            .is_some_and(|token| &*token.value == failed)
            && let Some(token) = current.take()
        {
            *self.refused.lock().unwrap_or_else(PoisonError::into_inner) = Some(token.value);
        }
    }

    fn fresh(&self) -> Option<Arc<str>> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        let token = current.as_ref()?;
        (Instant::now() < token.refresh_at).then(|| Arc::clone(&token.value))
    }
}

#[derive(Serialize)]
struct StableRequest<'a> {
    grant_type: &'a str,
    appid: &'a str,
    secret: &'a str,
    force_refresh: bool,
}

impl Client {
    /// The account's token for a caller whose cache is empty or stale: one that an earlier
    /// run or another instance stored, while it is fresh and not the `refused` one; else a new
    /// one, fetched (with the usual retries) by one instance for all.
    pub(super) async fn fetch_token(
        &self,
        refused: Option<Arc<str>>,
    ) -> Result<Issued, ClientError> {
        let inner = &self.inner;
        if inner.appid.is_empty() || inner.secret.expose().is_empty() {
            return Err(ClientError::NoCredentials);
        }
        let usable = |record: &Record| {
            refused.as_deref() != Some(record.value.as_str()) && outlives_margin(record, unix_now())
        };
        let fetch = async || {
            let issued = self.request_token(refused.as_deref()).await;
            inner.store.metrics().token_fetch(issued.is_ok());
            let issued = issued?;
            let now = unix_now();
            Ok::<_, ClientError>(Record {
                value: issued.access_token,
                created_at: now,
                expires_at: now.saturating_add(issued.expires_in.min(MAX_LIFETIME_SECS)),
            })
        };
        let record = match inner.store.record(TOKEN).await.filter(usable) {
            Some(record) => record,
            None => inner.store.fill_once(TOKEN, usable, fetch).await?,
        };
        Ok(Issued {
            expires_in: record.expires_at.saturating_sub(unix_now()),
            access_token: record.value,
        })
    }

    /// Drops the stored token if it is still the one WeChat `refused`, so neither a restart
    /// nor another instance picks it up again.
    pub(super) async fn forget_stored_token(&self, refused: &str) {
        self.inner.store.forget(TOKEN, refused).await;
    }

    /// A new token from WeChat. `stable_token` may hand back the token WeChat just `refused`
    /// (it is stable by design): only then is it asked to `force_refresh`, which WeChat allows
    /// 20 times a day and which invalidates every other holder's token.
    async fn request_token(&self, refused: Option<&str>) -> Result<Issued, ClientError> {
        let issued = self.request_token_once(false).await?;
        if self.inner.endpoint == TokenEndpoint::Stable
            && refused == Some(issued.access_token.as_str())
        {
            tracing::info!("stable_token returned the refused token; forcing a refresh");
            return self.request_token_once(true).await;
        }
        Ok(issued)
    }

    async fn request_token_once(&self, force: bool) -> Result<Issued, ClientError> {
        let inner = &self.inner;
        tracing::debug!(endpoint = ?inner.endpoint, "fetching access token");
        match inner.endpoint {
            TokenEndpoint::Classic => {
                let path = "/cgi-bin/token";
                let query = [
                    ("grant_type", "client_credential"),
                    ("appid", &inner.appid),
                    ("secret", inner.secret.expose()),
                ];
                self.send_json(path, || self.http().get(self.url(path)).query(&query))
                    .await
            }
            TokenEndpoint::Stable => {
                let path = "/cgi-bin/stable_token";
                let body = StableRequest {
                    grant_type: "client_credential",
                    appid: &inner.appid,
                    secret: inner.secret.expose(),
                    force_refresh: force,
                };
                self.send_json(path, || self.http().post(self.url(path)).json(&body))
                    .await
            }
        }
    }
}

/// Whether a stored token has more left than the margin its lifetime calls for, so a reader
/// would not have to refresh it at once.
fn outlives_margin(record: &Record, now: u64) -> bool {
    let lifetime = Duration::from_secs(record.expires_at.saturating_sub(record.created_at));
    let left = Duration::from_secs(record.expires_at.saturating_sub(now));
    left > margin(lifetime)
}

/// How long before expiry a token is refreshed: WeChat overlaps the old and new tokens by
/// 5 minutes; short-lived tokens (tests, emulators) refresh at half-life instead.
fn margin(lifetime: Duration) -> Duration {
    MARGIN.min(lifetime / 2)
}

#[cfg(test)]
mod tests;
