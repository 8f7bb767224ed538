//! Records (a token, a media id): JSON with their times, kept until they expire.

use std::time::Duration;

use super::{AccountStore, hex};
use crate::clock::unix_now;
use crate::ids::MediaKind;
use crate::store::Record;

/// The name of the account's access token.
pub(crate) const TOKEN: &str = "token";

/// The name of the media id of one kind and content.
pub(crate) fn media_name(kind: MediaKind, sha1: &[u8; 20]) -> String {
    format!("media:{kind}:{}", hex(sha1))
}

impl AccountStore {
    /// The record under `name`; one that does not decode is logged and read as absent.
    pub(crate) async fn record(&self, name: &str) -> Option<Record> {
        let raw = self.get(name).await?;
        decode(name, &raw)
    }

    /// Keeps `record` under `name` until it expires (nothing, if it already has).
    pub(crate) async fn keep(&self, name: &str, record: &Record) {
        let left = record.expires_at.saturating_sub(unix_now());
        if left == 0 {
            return;
        }
        if let Ok(json) = serde_json::to_string(record) {
            self.put(name, &json, Duration::from_secs(left)).await;
        }
    }

    /// Drops the record under `name` if it still holds `value` (a token WeChat refused, a
    /// media id it called invalid); a newer one another instance wrote stays.
    pub(crate) async fn forget(&self, name: &str, value: &str) {
        let Some(raw) = self.get(name).await else {
            return;
        };
        if decode(name, &raw).is_none_or(|record| record.value == value) {
            self.delete_if(name, &raw).await;
        }
    }
}

fn decode(name: &str, raw: &str) -> Option<Record> {
    serde_json::from_str(raw)
        .inspect_err(|err| tracing::warn!(name = %crate::store::shown(name), "store: undecodable record, ignored: {err}"))
        .ok()
}
