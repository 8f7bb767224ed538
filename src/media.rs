//! The upload-on-demand cache: a local file becomes a `media_id`.
//!
//! The first reply naming a file uploads it; later replies reuse the id while it is fresh
//! (younger than `media.ttl_secs − media.refresh_margin_secs`), then upload again. Ids are
//! keyed by kind and content hash, so a changed file gets a new upload and an unchanged file
//! under another name reuses the id; the cache belongs to one account (its [`Client`]). Per
//! key, one upload runs at a time and the others wait for it: N concurrent first uses make
//! one upload. A warm hit costs one `stat`: content is hashed again only when the file's
//! length or modification time changes.

mod duration;
pub(crate) mod limits;

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use dashmap::DashMap;
use sha1::{Digest, Sha1};

pub use limits::LimitError;

use crate::client::{Client, ClientError};
use crate::clock::unix_now;
use crate::config::MediaConfig;
use crate::ids::MediaId;
use crate::ids::MediaKind;
use crate::reply::{MediaSource, Reply};
use crate::store::{AccountStore, Record};
use limits::Accepted;

/// Why a media file could not become a media id.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The path leaves `media.assets_dir` (absolute, or with `..`).
    #[error("media file {path:?} escapes media.assets_dir")]
    Escapes {
        /// The path as the handler gave it.
        path: PathBuf,
    },
    /// The file could not be read.
    #[error("media file {path:?} cannot be read: {source}")]
    Io {
        /// The resolved path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file breaks an upload limit; nothing was uploaded.
    #[error("media file {path:?} refused: {source}")]
    Limit {
        /// The resolved path.
        path: PathBuf,
        /// The broken limit.
        #[source]
        source: LimitError,
    },
    /// The file changed while it was being resolved; the next request uploads the new one.
    #[error("media file {path:?} changed while being resolved; the next request uploads it")]
    Changed {
        /// The resolved path.
        path: PathBuf,
    },
    /// The upload failed.
    #[error("media file {path:?} upload failed: {source}")]
    Upload {
        /// The resolved path.
        path: PathBuf,
        /// The API error; shared by the requests that waited on the same upload.
        #[source]
        source: Arc<ClientError>,
    },
}

/// Files to media ids, uploaded on demand. Cheap to clone (one `Arc`).
#[derive(Clone, Debug)]
pub struct MediaCache {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: Client,
    config: MediaConfig,
    /// Where ids outlive the process, when the bot was given a persistent store.
    store: AccountStore,
    /// What each (file, kind) held when last hashed, and whether it passed the limits.
    files: DashMap<(PathBuf, MediaKind), Stamp>,
    /// One slot per (kind, content): the id, behind the lock that makes uploads single-flight.
    slots: DashMap<(MediaKind, [u8; 20]), Slot>,
}

/// A cached id behind the lock its uploads take.
type Slot = Arc<SlotState>;

/// One (kind, content)'s id, behind the lock its uploads take.
#[derive(Debug, Default)]
struct SlotState {
    entry: tokio::sync::Mutex<Held>,
    /// Uploads finished, successful or not: a waiter that sees it move while it waited knows
    /// its upload was just tried, and shares that outcome instead of trying again at once.
    finished: AtomicU64,
}

#[derive(Debug, Default)]
struct Held {
    entry: Option<Entry>,
    failure: Option<Arc<ClientError>>,
}

#[derive(Debug, Clone, Copy)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    sha1: [u8; 20],
    accepted: Accepted,
}

#[derive(Debug)]
struct Entry {
    media_id: MediaId,
    created_at: u64,
}

/// Whether an id created at `created_at` is still fresh at `now` (Unix seconds): younger
/// than `ttl − margin`. With `ttl ≤ margin` nothing is ever fresh.
pub fn is_fresh(created_at: u64, now: u64, ttl_secs: u64, margin_secs: u64) -> bool {
    now < created_at.saturating_add(ttl_secs.saturating_sub(margin_secs))
}

impl MediaCache {
    /// A cache uploading through `client`, with the paths, lifetimes and limits of `config`,
    /// keeping its ids in memory. (A [`Bot`](crate::Bot) gives its cache the configured
    /// `[store]`.)
    pub fn new(client: Client, config: &MediaConfig) -> Self {
        Self::with_store(client, config, AccountStore::default())
    }

    /// A cache whose ids also go to `store`.
    pub(crate) fn with_store(client: Client, config: &MediaConfig, store: AccountStore) -> Self {
        let inner = Inner {
            client,
            config: config.clone(),
            store,
            files: DashMap::new(),
            slots: DashMap::new(),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The media id for `path` (under `media.assets_dir`) as media of `kind`.
    pub async fn resolve(&self, kind: MediaKind, path: &Path) -> Result<MediaId, MediaError> {
        let full = self.locate(path)?;
        let (stamp, mut bytes) = self.stamp(kind, &full).await?;
        // Clone the slot out so the map's guard drops before awaiting the slot's lock.
        let slot = Arc::clone(&self.inner.slots.entry((kind, stamp.sha1)).or_default());
        let seen = slot.finished.load(Ordering::Acquire);
        let mut held = slot.entry.lock().await;
        let now = unix_now();
        let config = &self.inner.config;
        let fresh = |entry: &Entry| {
            is_fresh(
                entry.created_at,
                now,
                config.ttl_secs,
                config.refresh_margin_secs,
            )
        };
        // After a restart, an id an earlier run uploaded may still live in the store.
        if held.entry.is_none() {
            held.entry = self.stored(kind, &stamp.sha1);
        }
        if let Some(entry) = held.entry.as_ref().filter(|entry| fresh(entry)) {
            return Ok(entry.media_id.clone());
        }
        let upload_failed = |source| MediaError::Upload {
            path: full.clone(),
            source,
        };
        if slot.finished.load(Ordering::Acquire) != seen
            && let Some(failure) = &held.failure
        {
            return Err(upload_failed(Arc::clone(failure)));
        }
        let bytes = match bytes.take() {
            Some(bytes) => bytes,
            // Known but expired: read again with every check, and make sure it is still the
            // content this slot stands for (a same-size rewrite within the mtime's grain).
            None => {
                let (now_held, bytes) = self.check(kind, &full, stamp.len, stamp.modified).await?;
                if now_held.sha1 != stamp.sha1 {
                    return Err(MediaError::Changed { path: full });
                }
                bytes
            }
        };
        let filename = upload_name(&full, stamp.accepted);
        let result = self
            .inner
            .client
            .upload(kind, &filename, stamp.accepted.content_type, bytes.into())
            .await;
        slot.finished.fetch_add(1, Ordering::Release);
        let uploaded = match result {
            Ok(uploaded) => uploaded,
            Err(err) => {
                let failure = Arc::new(err);
                held.failure = Some(Arc::clone(&failure));
                return Err(upload_failed(failure));
            }
        };
        tracing::info!(%kind, file = %full.display(), media_id = %uploaded.media_id, "uploaded");
        held.failure = None;
        self.store(kind, &stamp.sha1, &uploaded.media_id, now);
        held.entry = Some(Entry {
            media_id: uploaded.media_id.clone(),
            created_at: now,
        });
        Ok(uploaded.media_id)
    }

    /// `reply` with every local file replaced by its media id.
    pub async fn resolve_reply(&self, mut reply: Reply) -> Result<Reply, MediaError> {
        if let Some((kind, media)) = reply.media_mut()
            && let MediaSource::File(path) = media
        {
            *media = MediaSource::Id(self.resolve(kind, path).await?);
        }
        Ok(reply)
    }

    /// Forgets the cached id `reply` carries (after WeChat called it invalid, 40007), so the
    /// next resolve uploads again.
    pub async fn forget(&self, reply: &Reply) {
        let Some((_, MediaSource::Id(stale))) = reply.media() else {
            return;
        };
        // Cloned out first: no map guard may live across the awaits below.
        let slots: Vec<((MediaKind, [u8; 20]), Slot)> = self
            .inner
            .slots
            .iter()
            .map(|slot| (*slot.key(), Arc::clone(slot.value())))
            .collect();
        for ((kind, sha1), slot) in slots {
            let mut held = slot.entry.lock().await;
            if held
                .entry
                .as_ref()
                .is_some_and(|entry| entry.media_id == *stale)
            {
                held.entry = None;
                let store = &self.inner.store;
                store.delete(&store.media_key(kind, &sha1));
            }
        }
    }

    /// The id an earlier run stored for this content, if any.
    fn stored(&self, kind: MediaKind, sha1: &[u8; 20]) -> Option<Entry> {
        let store = &self.inner.store;
        let record = store.get(&store.media_key(kind, sha1))?;
        Some(Entry {
            media_id: MediaId::new(record.value),
            created_at: record.created_at,
        })
    }

    /// Keeps a new id for the next run.
    fn store(&self, kind: MediaKind, sha1: &[u8; 20], media_id: &MediaId, created_at: u64) {
        let store = &self.inner.store;
        let expires_at = created_at + self.inner.config.ttl_secs;
        let record = Record {
            value: media_id.to_string(),
            created_at,
            expires_at,
        };
        store.put(&store.media_key(kind, sha1), &record);
    }

    /// `path` under the assets folder; absolute paths and `..` are refused.
    fn locate(&self, path: &Path) -> Result<PathBuf, MediaError> {
        let inside = path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !inside || path.as_os_str().is_empty() {
            return Err(MediaError::Escapes {
                path: path.to_owned(),
            });
        }
        Ok(self.inner.config.assets_dir.join(path))
    }

    /// The file's hash and format, re-read only when its length or mtime changed; the bytes
    /// when they had to be read.
    async fn stamp(
        &self,
        kind: MediaKind,
        full: &Path,
    ) -> Result<(Stamp, Option<Vec<u8>>), MediaError> {
        // A `stat` is a cached-inode syscall, cheaper than a hop to the blocking pool.
        let meta = std::fs::metadata(full).map_err(|source| io(full, source))?;
        let (len, modified) = (meta.len(), meta.modified().ok());
        let key = (full.to_owned(), kind);
        if let Some(stamp) = self.inner.files.get(&key).map(|stamp| *stamp)
            && stamp.len == len
            && stamp.modified == modified
        {
            return Ok((stamp, None));
        }
        self.check(kind, full, len, modified)
            .await
            .map(|(stamp, bytes)| (stamp, Some(bytes)))
    }

    /// Reads the file where it really is (a symlink may not lead out of the assets folder),
    /// checks the limits, hashes it and records what it held.
    async fn check(
        &self,
        kind: MediaKind,
        full: &Path,
        len: u64,
        modified: Option<SystemTime>,
    ) -> Result<(Stamp, Vec<u8>), MediaError> {
        let real = |path: &Path| std::fs::canonicalize(path).map_err(|source| io(path, source));
        let checked = real(full)?;
        if !checked.starts_with(real(&self.inner.config.assets_dir)?) {
            return Err(MediaError::Escapes {
                path: full.to_owned(),
            });
        }
        // Read through the path that was checked, not the link again.
        let bytes = read(&checked).await?;
        let accepted = limits::check(&self.inner.config, kind, &bytes).map_err(|source| {
            MediaError::Limit {
                path: full.to_owned(),
                source,
            }
        })?;
        let stamp = Stamp {
            len,
            modified,
            sha1: Sha1::digest(&bytes).into(),
            accepted,
        };
        self.inner.files.insert((full.to_owned(), kind), stamp);
        Ok((stamp, bytes))
    }
}

async fn read(path: &Path) -> Result<Vec<u8>, MediaError> {
    tokio::fs::read(path)
        .await
        .map_err(|source| io(path, source))
}

fn io(path: &Path, source: std::io::Error) -> MediaError {
    MediaError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The file's own name, with the extension its content calls for.
fn upload_name(path: &Path, accepted: Accepted) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("media");
    format!("{stem}.{}", accepted.extension)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_until_ttl_minus_margin() {
        let (ttl, margin) = (259_200, 3600);
        assert!(is_fresh(1000, 1000, ttl, margin));
        assert!(is_fresh(1000, 1000 + ttl - margin - 1, ttl, margin));
        assert!(!is_fresh(1000, 1000 + ttl - margin, ttl, margin));
        assert!(!is_fresh(1000, 1000, 10, 10), "ttl ≤ margin: never fresh");
        assert!(
            is_fresh(u64::MAX - 5, u64::MAX - 1, u64::MAX, 0),
            "saturates instead of overflowing"
        );
    }
}
