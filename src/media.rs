//! The upload-on-demand cache: a local file becomes a `media_id`.
//!
//! The first reply naming a file uploads it; later replies reuse the id while it is fresh
//! (younger than `media.ttl_secs − media.refresh_margin_secs`), then upload again. Ids are
//! keyed by kind and content hash, so a changed file gets a new upload and an unchanged file
//! under another name reuses the id; the cache belongs to one account (its [`Client`]).
//!
//! A warm hit is a read: a map lookup ([`files`]: one `stat` at most every
//! `media.recheck_ms`, and content hashed again only when the file's length or modification
//! time changed) and a lock-free load of the id ([`cell`]), so requests for a popular file
//! never wait for each other. Only an upload or a re-check takes
//! the content's lock ([`upload`]): per content, one upload runs at a time and the others
//! wait for it, so N concurrent first uses make one upload.

mod cell;
mod duration;
mod error;
mod files;
pub(crate) mod limits;
mod upload;

use std::path::Path;
use std::sync::Arc;

use dashmap::DashMap;

pub use error::MediaError;
pub use limits::LimitError;

use crate::client::Client;
use crate::config::MediaConfig;
use crate::ids::{MediaId, MediaKind};
use crate::reply::{MediaSource, Reply};
use crate::store::{AccountStore, media_name};
use cell::IdCell;
use files::Files;

/// Files to media ids, uploaded on demand. Cheap to clone (one `Arc`).
#[derive(Clone, Debug)]
pub struct MediaCache {
    inner: Arc<Inner>,
}

/// What the clones of one cache share.
#[derive(Debug)]
struct Inner {
    /// The account the ids belong to.
    client: Client,
    /// Where the files are, how long ids live, the upload limits.
    config: MediaConfig,
    /// Where ids outlive the process and reach other instances, as the bot's store allows.
    store: AccountStore,
    /// What each (file, kind) held when last hashed, and the cell of that content.
    files: Files,
    /// One cell per (kind, content): its id, and the lock that makes uploads single-flight.
    cells: DashMap<Content, Arc<IdCell>>,
}

/// A kind and a content hash: what one id stands for.
type Content = (MediaKind, [u8; 20]);

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
            files: Files::default(),
            cells: DashMap::new(),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The media id for `path` (under `media.assets_dir`) as media of `kind`.
    pub async fn resolve(&self, kind: MediaKind, path: &Path) -> Result<MediaId, MediaError> {
        let inner = &self.inner;
        let warm = inner.files.warm_hit(kind, path, &inner.config);
        inner.store.metrics().media_cache(warm.is_some());
        match warm {
            Some(media_id) => Ok(media_id),
            // Boxed: a resolve that may upload is a future of many kilobytes, which every
            // message's job would otherwise carry (and move), a warm hit's and a text's alike.
            None => Box::pin(self.resolve_cold(kind, path)).await,
        }
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
        let cells: Vec<(Content, Arc<IdCell>)> = self
            .inner
            .cells
            .iter()
            .map(|cell| (*cell.key(), Arc::clone(cell.value())))
            .collect();
        for ((kind, sha1), cell) in cells {
            // Under the lock, as an upload: one running now writes its id and its record
            // before this looks, never after.
            let mut locked = cell.lock().await;
            if locked.holds(stale) {
                locked.set(None);
                // For every instance sharing the store, unless one already uploaded anew.
                let name = media_name(kind, &sha1);
                self.inner.store.forget(&name, stale.as_str()).await;
            }
        }
    }

    /// The cell of `kind` and content `sha1`, made on first use.
    fn cell(&self, kind: MediaKind, sha1: &[u8; 20]) -> Arc<IdCell> {
        // Cloned out: the entry's guard drops at the end of this statement.
        Arc::clone(&self.inner.cells.entry((kind, *sha1)).or_default())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use futures_util::FutureExt as _;
    use sha1::{Digest, Sha1};

    use super::*;
    use crate::clock::unix_now;
    use crate::config::{Backend, Config};
    use crate::store::Record;

    /// A folder removed when the test ends.
    struct Folder(std::path::PathBuf);

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A cache over the folder `name` (fresh) whose file store already holds an id for each
    /// content: nothing is uploaded, nothing goes out.
    async fn seeded(name: &str, ids: &[(&[u8], &str)]) -> (MediaCache, Config, Folder) {
        let dir = std::env::temp_dir().join(format!("wxbot-media-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut config = Config::default();
        config.media.assets_dir = dir.join("assets");
        config.store.backend = Backend::File;
        config.store.path = dir.join("store");
        std::fs::create_dir_all(&config.media.assets_dir).unwrap();
        // The ids come from the store, as after a restart.
        let store = AccountStore::open(&config).unwrap();
        for (content, id) in ids {
            let record = Record {
                value: (*id).to_owned(),
                created_at: unix_now(),
                expires_at: unix_now() + config.media.ttl_secs,
            };
            let sha1: [u8; 20] = Sha1::digest(content).into();
            store
                .keep(&media_name(MediaKind::Image, &sha1), &record)
                .await;
        }
        let cache = MediaCache::with_store(Client::new(&config), &config.media, store);
        (cache, config, Folder(dir))
    }

    const JPEG: [u8; 7] = [0xff, 0xd8, 0xff, 0xe0, 1, 2, 3];
    const OTHER_JPEG: [u8; 8] = [0xff, 0xd8, 0xff, 0xe0, 4, 5, 6, 7];

    /// A warm hit reads: it answers while the content's lock is held (an upload or a forget
    /// running), instead of queueing behind it.
    #[tokio::test]
    async fn a_warm_hit_does_not_wait_for_the_lock() {
        let (cache, config, _folder) = seeded("lock", &[(&JPEG, "stored_id")]).await;
        std::fs::write(config.media.assets_dir.join("a.jpg"), JPEG).unwrap();
        let path = Path::new("a.jpg");
        let cold = cache.resolve(MediaKind::Image, path).await.unwrap();
        assert_eq!(cold.as_str(), "stored_id");

        let cell = cache.cell(MediaKind::Image, &Sha1::digest(JPEG).into());
        let held = cell.lock().await;
        let warm = cache.resolve(MediaKind::Image, path).now_or_never();
        assert_eq!(warm.map(Result::unwrap), Some(cold), "answered at once");
        drop(held);
    }

    /// Between two looks at a file a warm hit trusts it as it was (no `stat`); once
    /// `media.recheck_ms` has passed, the next one sees the change.
    #[tokio::test(start_paused = true)]
    async fn a_changed_file_is_seen_once_its_recheck_is_due() {
        let ids: [(&[u8], &str); 2] = [(&JPEG, "first_id"), (&OTHER_JPEG, "second_id")];
        let (cache, config, _folder) = seeded("recheck", &ids).await;
        let (file, path) = (config.media.assets_dir.join("a.jpg"), Path::new("a.jpg"));
        let resolve = || async { cache.resolve(MediaKind::Image, path).await.unwrap() };
        std::fs::write(&file, JPEG).unwrap();
        assert_eq!(resolve().await.as_str(), "first_id");

        std::fs::write(&file, OTHER_JPEG).unwrap();
        let almost = Duration::from_millis(config.media.recheck_ms - 1);
        tokio::time::advance(almost).await;
        assert_eq!(resolve().await.as_str(), "first_id", "trusted until due");
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(resolve().await.as_str(), "second_id", "seen when due");
        std::fs::write(&file, JPEG).unwrap();
        assert_eq!(
            resolve().await.as_str(),
            "second_id",
            "the look was just made"
        );
    }
}
