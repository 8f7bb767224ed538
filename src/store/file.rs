//! The `file` backend: one small JSON file per key in `store.path`, so a restart keeps what
//! it holds. A write goes to a temporary file that is then renamed over the old one, so a
//! crash mid-write leaves the old record or the new one, never half of one; a file that does
//! not decode is logged, removed and read as absent.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha1::{Digest as _, Sha1};

use super::{Store, StoreError, clamp};

/// Longer names are replaced by their hash: most file systems cap a name at 255 bytes.
const LONGEST_NAME: usize = 200;

/// A folder of records. Every operation runs under one lock, so the compare operations are
/// atomic for this process (the file store is not shared between processes).
#[derive(Debug)]
pub(crate) struct Files {
    dir: PathBuf,
    lock: Mutex<()>,
    /// Numbers temporary files, so two writes of one key never share one.
    writes: AtomicU64,
}

/// What one file holds.
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    value: String,
    /// Unix milliseconds: the wall clock, as the record must outlive the process.
    expires_at_ms: u64,
}

fn unix_millis() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

fn expiry(ttl: Duration) -> u64 {
    let ttl = u64::try_from(clamp(ttl).as_millis()).unwrap_or(u64::MAX);
    unix_millis().saturating_add(ttl)
}

impl Files {
    /// A store in `dir`, created if missing.
    pub(crate) fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            dir: dir.to_owned(),
            lock: Mutex::new(()),
            writes: AtomicU64::new(0),
        })
    }

    /// How many keys starting with `prefix` have a file (expired ones included; keys too
    /// long for a file name of their own are not counted).
    pub(crate) fn count_prefixed(&self, prefix: &str) -> usize {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let prefix = escaped(prefix);
        entries
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
            .count()
    }

    /// The file of `key`: letters, digits and `-.:{}` as they are (`wxbot:{wx…}:token.json`),
    /// every other byte as `_` and two hex digits, so distinct keys never share a file; a name
    /// too long for the file system is the key's SHA-1.
    fn file(&self, key: &str) -> PathBuf {
        let mut name = escaped(key);
        if name.len() > LONGEST_NAME {
            name = super::account::hex(&Sha1::digest(key.as_bytes()));
        }
        self.dir.join(format!("{name}.json"))
    }

    /// The live record of `key`; an expired one is removed, a corrupt one logged and removed.
    fn read(&self, key: &str) -> Result<Option<Stored>, StoreError> {
        let file = self.file(key);
        let bytes = match std::fs::read(&file) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        let stored: Stored = match serde_json::from_slice(&bytes) {
            Ok(stored) => stored,
            Err(err) => {
                // Removed, so it is reported once; the next write replaces it anyway.
                let path = super::shown(&file.display().to_string());
                tracing::warn!(path, "store: unreadable record, removed: {err}");
                let _ = std::fs::remove_file(&file);
                return Ok(None);
            }
        };
        if stored.expires_at_ms <= unix_millis() {
            let _ = std::fs::remove_file(&file);
            return Ok(None);
        }
        Ok(Some(stored))
    }

    fn write(&self, key: &str, stored: &Stored) -> Result<(), StoreError> {
        let file = self.file(key);
        let n = self.writes.fetch_add(1, Ordering::Relaxed);
        let temporary = file.with_extension(format!("tmp-{}-{n}", std::process::id()));
        let json = serde_json::to_vec(stored).map_err(std::io::Error::other)?;
        let written =
            std::fs::write(&temporary, json).and_then(|()| std::fs::rename(&temporary, &file));
        if let Err(err) = written {
            let _ = std::fs::remove_file(&temporary);
            let path = super::shown(&file.display().to_string());
            tracing::warn!(path, "store: cannot write: {err}");
            return Err(err.into());
        }
        Ok(())
    }

    fn remove(&self, key: &str) -> Result<(), StoreError> {
        match std::fs::remove_file(self.file(key)) {
            Err(err) if err.kind() != ErrorKind::NotFound => Err(err.into()),
            _ => Ok(()),
        }
    }

    fn locked(&self) -> std::sync::MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `key` as a file name: letters, digits and `-.:{}` as they are, every other byte as `_` and
/// two hex digits.
fn escaped(key: &str) -> String {
    let mut name = String::with_capacity(key.len() + 8);
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || b"-.:{}".contains(&byte) {
            name.push(char::from(byte));
        } else {
            name.push('_');
            name.push_str(&super::account::hex(&[byte]));
        }
    }
    name
}

impl Store for Files {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        // Locked too: reading may remove an expired or corrupt file, which must not race a
        // write replacing it.
        let _locked = self.locked();
        Ok(self.read(key)?.map(|stored| stored.value))
    }

    async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        let _locked = self.locked();
        let stored = Stored {
            value: value.to_owned(),
            expires_at_ms: expiry(ttl),
        };
        self.write(key, &stored)
    }

    async fn put_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let _locked = self.locked();
        if self.read(key)?.is_some() {
            return Ok(false);
        }
        let stored = Stored {
            value: value.to_owned(),
            expires_at_ms: expiry(ttl),
        };
        self.write(key, &stored).map(|()| true)
    }

    async fn delete_if(&self, key: &str, expected: &str) -> Result<bool, StoreError> {
        let _locked = self.locked();
        match self.read(key)? {
            Some(stored) if stored.value == expected => self.remove(key).map(|()| true),
            _ => Ok(false),
        }
    }

    async fn expire_if(
        &self,
        key: &str,
        expected: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let _locked = self.locked();
        match self.read(key)? {
            Some(mut stored) if stored.value == expected => {
                stored.expires_at_ms = expiry(ttl);
                self.write(key, &stored).map(|()| true)
            }
            _ => Ok(false),
        }
    }
}
