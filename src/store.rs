//! Where access tokens and media ids outlive the process: with `store.backend = "file"`, a
//! restart neither fetches a new token nor uploads media again while the old ones live.
//!
//! The in-process caches (the API client's token, the media cache's ids) stay the fast
//! path; the store is read only when they are empty (after a start) and written when they
//! change. It is best effort: a store that fails is logged, never fatal
//! to a message. `memory` keeps nothing beyond the process; `redis` is not implemented yet
//! and refused at start-up.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::{Backend, Config, ConfigError};
use crate::ids::MediaKind;

/// A stored value and its times, Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    /// The token or media id.
    pub(crate) value: String,
    /// When it was issued.
    pub(crate) created_at: u64,
    /// When it stops being valid.
    pub(crate) expires_at: u64,
}

/// A key-value store of [`Record`]s.
pub(crate) trait Store: Send + Sync + fmt::Debug {
    /// The record under `key`, if any (expired or not: freshness is the caller's rule).
    fn get(&self, key: &str) -> Option<Record>;
    /// Stores `record` under `key`.
    fn put(&self, key: &str, record: &Record);
    /// Removes `key`.
    fn delete(&self, key: &str);
}

/// One account's share of the configured store, opened once by the bot and handed to the
/// API client (its token) and the media cache (its ids). Keys carry the appid, so accounts
/// sharing a store never see each other's records. Without a persistent backend every call
/// does nothing and the in-process caches are all there is.
#[derive(Debug, Clone, Default)]
pub(crate) struct AccountStore {
    appid: Arc<str>,
    backend: Option<Arc<dyn Store>>,
}

impl AccountStore {
    /// The store `config` asks for; one that cannot be opened is a configuration error
    /// naming its key, so the bot does not start rather than silently forget.
    pub(crate) fn open(config: &Config) -> Result<Self, ConfigError> {
        let backend: Option<Arc<dyn Store>> = match config.store.backend {
            Backend::Memory => None,
            Backend::File => {
                let store = FileStore::open(&config.store.path).map_err(|err| ConfigError {
                    problems: vec![format!(
                        "store.path: cannot use {}: {err}",
                        config.store.path.display()
                    )],
                })?;
                Some(Arc::new(store))
            }
            Backend::Redis => {
                return Err(ConfigError {
                    problems: vec![
                        "store.backend = \"redis\" is not implemented yet: use \"memory\" or \"file\""
                            .to_owned(),
                    ],
                });
            }
        };
        Ok(Self {
            appid: config.account.appid.as_str().into(),
            backend,
        })
    }

    /// The key of the account's access token.
    pub(crate) fn token_key(&self) -> String {
        format!("token:{}", self.appid)
    }

    /// The key of the media id of one kind and content.
    pub(crate) fn media_key(&self, kind: MediaKind, sha1: &[u8; 20]) -> String {
        let hex: String = sha1.iter().map(|byte| format!("{byte:02x}")).collect();
        format!("media:{}:{kind}:{hex}", self.appid)
    }

    /// The record under `key`, if the store keeps one.
    pub(crate) fn get(&self, key: &str) -> Option<Record> {
        self.backend.as_ref()?.get(key)
    }

    /// Keeps `record` under `key`, where the store persists anything.
    pub(crate) fn put(&self, key: &str, record: &Record) {
        if let Some(backend) = &self.backend {
            backend.put(key, record);
        }
    }

    /// Removes `key`.
    pub(crate) fn delete(&self, key: &str) {
        if let Some(backend) = &self.backend {
            backend.delete(key);
        }
    }
}

/// One small JSON file per key in a folder, replaced atomically (write, then rename).
#[derive(Debug, Clone)]
pub(crate) struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// A store in `dir`, created if missing.
    pub(crate) fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    /// The file for `key`: keys are ours (`token:wx…`, `media:wx…:image:<sha1>`), so
    /// replacing anything but letters, digits, `-` and `_` keeps them readable and safe.
    fn file(&self, key: &str) -> PathBuf {
        let name: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{name}.json"))
    }
}

impl Store for FileStore {
    fn get(&self, key: &str) -> Option<Record> {
        let text = std::fs::read(self.file(key)).ok()?;
        serde_json::from_slice(&text)
            .inspect_err(|err| tracing::warn!(key, "store: unreadable record: {err}"))
            .ok()
    }

    fn put(&self, key: &str, record: &Record) {
        let file = self.file(key);
        let temporary = file.with_extension(format!("tmp{}", std::process::id()));
        let written = serde_json::to_vec(record)
            .map_err(std::io::Error::other)
            .and_then(|json| std::fs::write(&temporary, json))
            .and_then(|()| std::fs::rename(&temporary, &file));
        if let Err(err) = written {
            tracing::warn!(key, path = %file.display(), "store: cannot write: {err}");
        }
    }

    fn delete(&self, key: &str) {
        let _ = std::fs::remove_file(self.file(key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_delete() {
        let dir = std::env::temp_dir().join(format!("wxbot-store-unit-{}", std::process::id()));
        let store = FileStore::open(&dir).unwrap();
        let record = Record {
            value: "id-1".to_owned(),
            created_at: 1,
            expires_at: 2,
        };
        assert_eq!(store.get("media:wx1:image:ab"), None);
        store.put("media:wx1:image:ab", &record);
        assert_eq!(store.get("media:wx1:image:ab"), Some(record));
        assert!(dir.join("media_wx1_image_ab.json").is_file());
        store.delete("media:wx1:image:ab");
        assert_eq!(store.get("media:wx1:image:ab"), None);
        let _ = std::fs::remove_dir_all(dir);
    }
}
