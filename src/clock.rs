//! The wall clock, in one place: token and media lifetimes, `CreateTime`, stored records.
//!
//! Deadlines and retries use tokio's `Instant` instead, so tests can pause time; this clock
//! is for what WeChat itself counts in Unix seconds.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
