//! The commands and scripts the Redis backend sends: the compare operations and the waiting
//! replies' are small Lua scripts, atomic across instances; the rest are plain commands.

use std::sync::LazyLock;
use std::time::Duration;

use redis::Script;

use crate::store::clamp;

/// Removes KEYS[1] if it holds ARGV[1].
pub(super) static DELETE_IF: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
    )
});
/// Gives KEYS[1] a time to live of ARGV[2] milliseconds if it holds ARGV[1].
pub(super) static EXPIRE_IF: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
    )
});

/// Sets KEYS[2] to ARGV[1] for ARGV[2] milliseconds, and the mark KEYS[1] for as long unless
/// it already lives longer.
pub(super) static KEEP_WAITING: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[2]) end redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2]) return 1",
    )
});
/// Removes KEYS[1] and returns what it held.
pub(super) static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local v = redis.call('GET', KEYS[1]) if v then redis.call('DEL', KEYS[1]) end return v",
    )
});

/// `SET key value PX ttl`, with `NX` when `only_new`: built in one allocation of its size.
pub(super) fn set(key: &str, value: &str, ttl: Duration, only_new: bool) -> redis::Cmd {
    // The most digits a u64 has.
    let size = "SETPXNX".len() + key.len() + value.len() + 20;
    let mut set = redis::Cmd::with_capacity(6, size);
    set.arg("SET")
        .arg(key)
        .arg(value)
        .arg("PX")
        .arg(millis(ttl));
    if only_new {
        set.arg("NX");
    }
    set
}

pub(super) fn millis(ttl: Duration) -> u64 {
    u64::try_from(clamp(ttl).as_millis()).unwrap_or(u64::MAX)
}
