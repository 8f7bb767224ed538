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
use crate::store::{Record, media_name};

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
        if let Some(media_id) = self.current_or_stored(kind, sha1, &mut locked, now).await {
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

    /// The fresh id the cell holds, or the one an earlier run or another instance stored.
    async fn current_or_stored(
        &self,
        kind: MediaKind,
        sha1: &[u8; 20],
        locked: &mut Locked<'_>,
        now: u64,
    ) -> Option<MediaId> {
        if locked.current().is_none() {
            locked.set(self.stored(kind, sha1).await);
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
        // `stamp.state` is from a `stat` made before this request waited for the lock: as of
        // when is not known, so the next warm hit looks again (0, the oldest time).
        let (now_held, bytes) = self.check(kind, path, full, stamp.state, 0).await?;
        if now_held.stamp.sha1 != stamp.sha1 {
            return Err(MediaError::Changed {
                path: full.to_owned(),
            });
        }
        Ok(bytes)
    }

    /// Uploads `bytes`, the content `stamp` describes, unless another instance sharing the
    /// store does it first; the id goes to the cell and the store, a failure to the cell for
    /// the requests that waited.
    async fn upload(
        &self,
        kind: MediaKind,
        full: &Path,
        stamp: &Stamp,
        bytes: Vec<u8>,
        locked: &mut Locked<'_>,
        now: u64,
    ) -> Result<MediaId, MediaError> {
        let config = &self.inner.config;
        let usable = |record: &Record| Issued::from(record).is_fresh(unix_now(), config);
        let upload = async || {
            let filename = upload_name(full, stamp.accepted);
            let content_type = stamp.accepted.content_type;
            let client = &self.inner.client;
            let uploaded = client
                .upload(kind, &filename, content_type, bytes.into())
                .await;
            self.inner.store.metrics().upload(uploaded.is_ok());
            let uploaded = uploaded?;
            let media_id = uploaded.media_id;
            tracing::info!(%kind, file = %full.display(), %media_id, "uploaded");
            Ok(Record {
                value: media_id.to_string(),
                created_at: now,
                expires_at: now + config.ttl_secs,
            })
        };
        let name = media_name(kind, &stamp.sha1);
        match self.inner.store.fill_once(&name, usable, upload).await {
            Ok(record) => {
                let issued = Issued::from(&record);
                locked.finish(Ok(issued.clone()));
                Ok(issued.media_id)
            }
            Err(err) => {
                let failure = Arc::new(err);
                locked.finish(Err(Arc::clone(&failure)));
                Err(MediaError::Upload {
                    path: full.to_owned(),
                    source: failure,
                })
            }
        }
    }

    /// The id an earlier run or another instance stored for this content, if any.
    async fn stored(&self, kind: MediaKind, sha1: &[u8; 20]) -> Option<Issued> {
        let record = self.inner.store.record(&media_name(kind, sha1)).await?;
        Some(Issued::from(&record))
    }
}

/// The file's own name, with the extension its content calls for.
fn upload_name(path: &Path, accepted: Accepted) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("media");
    format!("{stem}.{}", accepted.extension)
}
