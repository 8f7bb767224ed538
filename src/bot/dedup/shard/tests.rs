//! The sharded table keeps the promises of one table: the capacity bounds the whole, every
//! entry lives at least the TTL, undecided messages survive, and the table warns once.

use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;

use super::super::{Claim, Dedup};
use super::split;

const TTL: Duration = Duration::from_secs(30);

/// A table of 8 shards of 1024 keys.
const SHARDED: usize = 8 * 1024;

fn is_owner(claim: &Claim) -> bool {
    matches!(claim, Claim::Owner(_))
}

#[tokio::test(start_paused = true)]
async fn small_tables_have_one_shard_and_large_ones_split_their_capacity() {
    let now = Instant::now();
    for (capacity, shards, each) in [
        (2, 1, 2),
        (4, 1, 4),
        (2047, 1, 2047),
        (2048, 2, 1024),
        (20_000, 16, 1250),
        (10_000_000, 64, 156_250),
    ] {
        let split = split(capacity, now);
        assert_eq!(split.len(), shards, "shards of {capacity}");
        assert!(
            split.iter().all(|shard| shard.capacity == each),
            "{capacity}"
        );
        assert!(shards * each <= capacity, "the total bound holds");
    }
}

#[tokio::test(start_paused = true)]
async fn keys_spread_over_every_shard() {
    let dedup = Dedup::new(TTL, 64 * 1024);
    for i in 0..16_000 {
        drop(dedup.claim(format!("o_user\u{1f}{i}")));
    }
    // 250 a shard on average; a shard the hash bits never reach would hold none.
    for (i, shard) in dedup.shards.iter().enumerate() {
        assert!(
            (150..350).contains(&shard.len()),
            "shard {i}: {}",
            shard.len()
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_sharded_flood_stays_bounded() {
    let dedup = Dedup::new(TTL, SHARDED);
    for i in 0..100_000 {
        assert!(is_owner(&dedup.claim(format!("key{i}"))));
        if i % 64 == 0 {
            assert!(dedup.len() <= SHARDED, "len {} at {i}", dedup.len());
        }
    }
    assert!(
        !is_owner(&dedup.claim("key99999".to_owned())),
        "the newest are still known"
    );
}

#[tokio::test(start_paused = true)]
async fn sharded_entries_live_at_least_the_ttl_then_expire() {
    let dedup = Dedup::new(TTL, SHARDED);
    let keys: Vec<String> = (0..100).map(|i| format!("key{i}")).collect();
    let claim_all = |owners: bool, why: &str| {
        for key in &keys {
            assert_eq!(is_owner(&dedup.claim(key.clone())), owners, "{key}: {why}");
        }
    };
    claim_all(true, "new");
    tokio::time::advance(Duration::from_secs(29)).await;
    claim_all(false, "kept for the ttl");
    // Each shard rotates on the first claim reaching it after the TTL.
    tokio::time::advance(Duration::from_secs(2)).await;
    claim_all(false, "still kept in the previous generation");
    tokio::time::advance(Duration::from_secs(31)).await;
    claim_all(true, "gone after two generations");
}

#[tokio::test(start_paused = true)]
async fn messages_still_being_decided_survive_sharded_rotation() {
    let dedup = Dedup::new(TTL, SHARDED);
    let owner = dedup.claim("slow".to_owned());
    // Enough to fill every shard's generation several times.
    for i in 0..50_000 {
        drop(dedup.claim(format!("key{i}")));
    }
    tokio::time::advance(Duration::from_secs(90)).await;
    for i in 0..1000 {
        drop(dedup.claim(format!("later{i}")));
    }
    assert!(
        !is_owner(&dedup.claim("slow".to_owned())),
        "the undecided message is kept"
    );
    drop(owner);
}

#[tokio::test(start_paused = true)]
async fn a_full_sharded_table_warns_once_per_ttl() {
    let dedup = Dedup::new(TTL, SHARDED);
    let flooded = Instant::now();
    for i in 0..50_000 {
        drop(dedup.claim(format!("key{i}")));
    }
    // Every shard rotated early, many times: the first warned, the others were held back.
    assert_ne!(dedup.warned.load(Ordering::Relaxed), 0, "the first warned");
    assert!(!dedup.full_warning_due(flooded + Duration::from_secs(29)));
    assert!(dedup.full_warning_due(flooded + TTL), "again a TTL later");
    assert!(!dedup.full_warning_due(flooded + TTL + Duration::from_secs(1)));
}
