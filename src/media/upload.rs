//! The long way to an id, under the content's lock: the id already there or kept by an
//! earlier run, a failure just shared, or an upload (re-reading the file first when only its
//! id had expired) whose id is kept for the next run.

use std::path::Path;
use std::sync::Arc;

use super::MediaCache;
use super::cell::{Issued, Locked};
use super::error::MediaError;
use super::files::{self, Stamp};
use super::limits::Accepted;
use crate::clock::unix_now;
use crate::ids::{MediaId, MediaKind};
use crate::store::Record;

impl MediaCache {
    /// The id of `path` as `kind` when the warm hit had none: checks the path, learns what
    /// the file holds, then decides under the content's lock, so N concurrent first uses
    /// make one upload.
    pub(super) async fn resolve_cold(
        &self,
        kind: MediaKind,
        path: &Path,
    ) -> Result<MediaId, MediaError> {
        let full = files::locate(&self.inner.config.assets_dir, path)?;
        let (seen, bytes) = self.stamp(kind, path, &full).await?;
        let sha1 = &seen.stamp.sha1;
        // Read before waiting: if it moves meanwhile, an upload was just tried for us.
        let before = seen.cell.finished();
        let mut locked = seen.cell.lock().await;
        let now = unix_now();
        if let Some(media_id) = self.current_or_stored(kind, sha1, &mut locked, now) {
            return Ok(media_id);
        }
        if let Some(failure) = locked.failure_since(before) {
            return Err(MediaError::Upload {
                path: full,
                source: failure,
            });
        }
        let bytes = match bytes {
            Some(bytes) => bytes,
            None => self.reread(kind, path, &full, &seen.stamp).await?,
        };
        self.upload(kind, &full, &seen.stamp, bytes, &mut locked, now)
            .await
    }

    /// The fresh id the cell holds, or, after a restart, the one an earlier run stored.
    fn current_or_stored(
        &self,
        kind: MediaKind,
        sha1: &[u8; 20],
        locked: &mut Locked<'_>,
        now: u64,
    ) -> Option<MediaId> {
        if locked.current().is_none() {
            locked.set(self.stored(kind, sha1));
        }
        locked.fresh_id(now, &self.inner.config)
    }

    /// Known but expired: the file read again with every check, made sure to be still the
    /// content the cell stands for (a same-size rewrite within the mtime's grain).
    async fn reread(
        &self,
        kind: MediaKind,
        path: &Path,
        full: &Path,
        stamp: &Stamp,
    ) -> Result<Vec<u8>, MediaError> {
        let (now_held, bytes) = self.check(kind, path, full, stamp.state).await?;
        if now_held.stamp.sha1 != stamp.sha1 {
            return Err(MediaError::Changed {
                path: full.to_owned(),
            });
        }
        Ok(bytes)
    }

    /// Uploads `bytes`, the content `stamp` describes; the new id goes to the cell and the
    /// store, a failure to the cell for the requests that waited.
    async fn upload(
        &self,
        kind: MediaKind,
        full: &Path,
        stamp: &Stamp,
        bytes: Vec<u8>,
        locked: &mut Locked<'_>,
        now: u64,
    ) -> Result<MediaId, MediaError> {
        let filename = upload_name(full, stamp.accepted);
        let content_type = stamp.accepted.content_type;
        let client = &self.inner.client;
        let result = client
            .upload(kind, &filename, content_type, bytes.into())
            .await;
        let uploaded = match result {
            Ok(uploaded) => uploaded,
            Err(err) => {
                let failure = Arc::new(err);
                locked.finish(Err(Arc::clone(&failure)));
                return Err(MediaError::Upload {
                    path: full.to_owned(),
                    source: failure,
                });
            }
        };
        let media_id = uploaded.media_id;
        tracing::info!(%kind, file = %full.display(), %media_id, "uploaded");
        self.keep(kind, &stamp.sha1, &media_id, now);
        locked.finish(Ok(Issued {
            media_id: media_id.clone(),
            created_at: now,
        }));
        Ok(media_id)
    }

    /// The id an earlier run stored for this content, if any.
    fn stored(&self, kind: MediaKind, sha1: &[u8; 20]) -> Option<Issued> {
        let store = &self.inner.store;
        let record = store.get(&store.media_key(kind, sha1))?;
        Some(Issued {
            media_id: MediaId::new(record.value),
            created_at: record.created_at,
        })
    }

    /// Keeps a new id for the next run.
    fn keep(&self, kind: MediaKind, sha1: &[u8; 20], media_id: &MediaId, created_at: u64) {
        let store = &self.inner.store;
        let record = Record {
            value: media_id.to_string(),
            created_at,
            expires_at: created_at + self.inner.config.ttl_secs,
        };
        store.put(&store.media_key(kind, sha1), &record);
    }
}

/// The file's own name, with the extension its content calls for.
fn upload_name(path: &Path, accepted: Accepted) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("media");
    format!("{stem}.{}", accepted.extension)
}
