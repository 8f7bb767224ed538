//! Which content a path holds: the path kept inside the assets folder, and what each
//! (path, kind) held when last hashed. Content is hashed again only when the file's length
//! or modification time changes. That is looked at (one `stat`) at most once every
//! `media.recheck_ms` per path, so a warm hit in between is a map lookup and no syscall.

use std::cell::RefCell;
use std::fs::Metadata;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use dashmap::DashMap;
use foldhash::fast::RandomState;
use sha1::{Digest, Sha1};
use tokio::time::Instant;

use super::MediaCache;
use super::cell::IdCell;
use super::error::{MediaError, io};
use super::limits::{self, Accepted};
use crate::clock::unix_now;
use crate::config::MediaConfig;
use crate::ids::{MediaId, MediaKind};

/// What each file held when last hashed, one map per kind, keyed by the path as the handler
/// gave it: a warm hit looks its path up as it is, building no key.
#[derive(Debug)]
pub(super) struct Files {
    image: Map,
    voice: Map,
    video: Map,
    thumb: Map,
    /// The origin of every [`Known::checked`].
    born: Instant,
}

impl Default for Files {
    fn default() -> Self {
        Self {
            image: Map::default(),
            voice: Map::default(),
            video: Map::default(),
            thumb: Map::default(),
            born: Instant::now(),
        }
    }
}

/// Paths under the assets folder (each passed [`locate`] before it was hashed) to what they
/// held.
type Map = DashMap<PathBuf, Known, RandomState>;

/// A path's entry: what it held, and when a `stat` last found it so.
#[derive(Debug)]
struct Known {
    seen: Seen,
    /// Milliseconds from [`Files::born`]; written by whichever request looked, no lock.
    checked: AtomicU64,
}

/// A file as last hashed, and the cell of its content's id.
#[derive(Debug, Clone)]
pub(super) struct Seen {
    /// What the file held.
    pub(super) stamp: Stamp,
    /// The id of that content as that kind, shared by every path holding it.
    pub(super) cell: Arc<IdCell>,
}

/// What a file held when hashed.
#[derive(Debug, Clone, Copy)]
pub(super) struct Stamp {
    /// The file's length and mtime then.
    pub(super) state: FileState,
    /// The content's hash.
    pub(super) sha1: [u8; 20],
    /// How to label it in the upload.
    pub(super) accepted: Accepted,
}

/// A file's length and modification time: when neither moved, its content is taken as
/// unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileState {
    len: u64,
    modified: Option<SystemTime>,
}

impl FileState {
    /// The state `meta` reports.
    fn of(meta: &Metadata) -> Self {
        Self {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

impl Files {
    /// The map of `kind`.
    fn map(&self, kind: MediaKind) -> &Map {
        match kind {
            MediaKind::Image => &self.image,
            MediaKind::Voice => &self.voice,
            MediaKind::Video => &self.video,
            MediaKind::Thumb => &self.thumb,
        }
    }

    /// The warm hit: the fresh id of the content `path` holds, when the file is known and
    /// was found unchanged within the last `media.recheck_ms` (else one `stat` looks again).
    /// Read locks only; `None` sends the request the long way, which also names whatever is
    /// wrong.
    pub(super) fn warm_hit(
        &self,
        kind: MediaKind,
        path: &Path,
        config: &MediaConfig,
    ) -> Option<MediaId> {
        let now = unix_now();
        let since = self.since_born();
        {
            let known = self.map(kind).get(path)?;
            let checked = known.checked.load(Ordering::Relaxed);
            if since.saturating_sub(checked) < config.recheck_ms {
                return known.seen.cell.fresh_id(now, config);
            }
        }
        // Due for a look: the syscall is made outside the map's lock, so a writer waits for
        // no `stat`. The path is known, so it passed `locate`: it is inside the folder.
        let state = stat_under(&config.assets_dir, path).ok()?;
        let known = self.map(kind).get(path)?;
        if known.seen.stamp.state != state {
            return None;
        }
        known.checked.store(since, Ordering::Relaxed);
        known.seen.cell.fresh_id(now, config)
    }

    /// The file as last hashed, if its length and mtime are still `state`, which a `stat`
    /// found at `looked`.
    fn unchanged(
        &self,
        kind: MediaKind,
        path: &Path,
        state: FileState,
        looked: u64,
    ) -> Option<Seen> {
        let known = self.map(kind).get(path)?;
        if known.seen.stamp.state != state {
            return None;
        }
        known.checked.store(looked, Ordering::Relaxed);
        Some(known.seen.clone())
    }

    /// Records that `path` held `seen`, whose state a `stat` found at `looked`.
    fn record(&self, kind: MediaKind, path: &Path, seen: Seen, looked: u64) {
        let checked = AtomicU64::new(looked);
        self.map(kind)
            .insert(path.to_owned(), Known { seen, checked });
    }

    /// Milliseconds since the map was made: [`Known::checked`]'s clock (tokio's, so tests can
    /// pause it). Read just before a `stat`, it is when that `stat` looked.
    pub(super) fn since_born(&self) -> u64 {
        u64::try_from(self.born.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

impl MediaCache {
    /// What `path` (at `full`) holds: as last hashed when its length and mtime are
    /// unchanged, else read again with every check, and then its bytes too.
    pub(super) async fn stamp(
        &self,
        kind: MediaKind,
        path: &Path,
        full: &Path,
    ) -> Result<(Seen, Option<Vec<u8>>), MediaError> {
        let looked = self.inner.files.since_born();
        // A `stat` is a cached-inode syscall, cheaper than a hop to the blocking pool.
        let meta = std::fs::metadata(full).map_err(|source| io(full, source))?;
        let state = FileState::of(&meta);
        if let Some(seen) = self.inner.files.unchanged(kind, path, state, looked) {
            return Ok((seen, None));
        }
        let (seen, bytes) = self.check(kind, path, full, state, looked).await?;
        Ok((seen, Some(bytes)))
    }

    /// Reads the file where it really is (a symlink may not lead out of the assets folder),
    /// checks the limits, hashes it and records what it held, as of `state`, which a `stat`
    /// found at `looked` ([`Files::since_born`]).
    pub(super) async fn check(
        &self,
        kind: MediaKind,
        path: &Path,
        full: &Path,
        state: FileState,
        looked: u64,
    ) -> Result<(Seen, Vec<u8>), MediaError> {
        let config = &self.inner.config;
        let checked = contained(&config.assets_dir, full)?;
        // Read through the path that was checked, not the link again.
        let bytes = tokio::fs::read(&checked)
            .await
            .map_err(|source| io(&checked, source))?;
        let accepted = limits::check(config, kind, &bytes).map_err(|source| MediaError::Limit {
            path: full.to_owned(),
            source,
        })?;
        let sha1 = Sha1::digest(&bytes).into();
        let seen = Seen {
            stamp: Stamp {
                state,
                sha1,
                accepted,
            },
            cell: self.cell(kind, &sha1),
        };
        self.inner.files.record(kind, path, seen.clone(), looked);
        Ok((seen, bytes))
    }
}

/// `path` under the assets folder; absolute paths and `..` are refused.
pub(super) fn locate(assets_dir: &Path, path: &Path) -> Result<PathBuf, MediaError> {
    if !is_inside(path) {
        return Err(MediaError::Escapes {
            path: path.to_owned(),
        });
    }
    Ok(assets_dir.join(path))
}

/// Whether `path` names something under a folder: relative, non-empty, no `..`.
fn is_inside(path: &Path) -> bool {
    !path.as_os_str().is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// `full` where it really is, refused when that is outside the assets folder.
fn contained(assets_dir: &Path, full: &Path) -> Result<PathBuf, MediaError> {
    let real = |path: &Path| std::fs::canonicalize(path).map_err(|source| io(path, source));
    let checked = real(full)?;
    if !checked.starts_with(real(assets_dir)?) {
        return Err(MediaError::Escapes {
            path: full.to_owned(),
        });
    }
    Ok(checked)
}

thread_local! {
    /// A path buffer per thread: a warm hit builds the file's full path without allocating.
    static FULL: RefCell<PathBuf> = RefCell::new(PathBuf::new());
}

/// The state of `path` (inside) under `dir`, by one `stat`.
fn stat_under(dir: &Path, path: &Path) -> std::io::Result<FileState> {
    FULL.with_borrow_mut(|full| {
        full.as_mut_os_string().clear();
        full.push(dir);
        full.push(path);
        std::fs::metadata(&*full).map(|meta| FileState::of(&meta))
    })
}
