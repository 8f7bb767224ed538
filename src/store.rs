//! Where access tokens and media ids outlive the process: with `store.backend = "file"`, a
//! restart neither fetches a new token nor uploads media again while the old ones live.
//!
//! The in-process caches (the API client's token, the media cache's ids) stay the fast path; the store is read only when they are empty (after a start) and
//! written when they change. It is best effort: a store that fails is logged, never fatal
//! to a message. `memory` keeps nothing beyond the process; `redis` is not implemented yet.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::{Backend, StoreConfig};

/// A stored value and its times, Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The token or media id.
    pub value: String,
    /// When it was issued.
    pub created_at: u64,
    /// When it stops being valid.
    pub expires_at: u64,
}

/// A key-value store of [`Record`]s.
pub trait Store: Send + Sync + fmt::Debug {
    /// The record under `key`, if any (expired or not: freshness is the caller's rule).
    fn get(&self, key: &str) -> Option<Record>;
    /// Stores `record` under `key`.
    fn put(&self, key: &str, record: &Record);
    /// Removes `key`.
    fn delete(&self, key: &str);
}

/// The store `config` asks for: `None` for `memory` (and for `redis`, not implemented yet).
pub(crate) fn open(config: &StoreConfig) -> std::io::Result<Option<FileStore>> {
    match config.backend {
        Backend::File => FileStore::open(&config.path).map(Some),
        Backend::Memory | Backend::Redis => Ok(None),
    }
}

/// One small JSON file per key in a folder, replaced atomically (write, then rename).
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// A store in `dir`, created if missing.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
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
