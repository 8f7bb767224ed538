//! The contract every backend keeps, run on memory and file here, and on a real
//! `redis-server` in `redis/tests.rs`.

use std::time::Duration;

use super::file::Files;
use super::memory::Memory;
use super::{AccountStore, Record, Store};
use crate::clock::unix_now;

pub(super) const LONG: Duration = Duration::from_secs(60);

/// Get, put, the claims and the compare operations, as every backend must keep them.
pub(super) async fn keeps_the_contract(
    store: &impl Store,
    wait_for_expiry: impl AsyncFn(Duration),
) {
    assert_eq!(store.get("k").await.unwrap(), None);
    store.put("k", "v1", LONG).await.unwrap();
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some("v1"));

    assert!(
        !store.put_if_absent("k", "v2", LONG).await.unwrap(),
        "k is taken"
    );
    assert!(store.put_if_absent("lock", "me", LONG).await.unwrap());
    assert_eq!(store.get("lock").await.unwrap().as_deref(), Some("me"));

    assert!(!store.delete_if("lock", "someone else").await.unwrap());
    assert!(store.delete_if("lock", "me").await.unwrap());
    assert_eq!(store.get("lock").await.unwrap(), None);
    assert!(
        !store.delete_if("lock", "me").await.unwrap(),
        "already gone"
    );

    assert!(!store.expire_if("k", "v0", LONG).await.unwrap());
    assert!(
        store
            .expire_if("k", "v1", Duration::from_millis(30))
            .await
            .unwrap()
    );
    store
        .put("short", "s", Duration::from_millis(30))
        .await
        .unwrap();
    wait_for_expiry(Duration::from_millis(60)).await;
    assert_eq!(store.get("k").await.unwrap(), None, "expired by expire_if");
    assert_eq!(
        store.get("short").await.unwrap(),
        None,
        "expired by its ttl"
    );
    assert!(
        store.put_if_absent("short", "again", LONG).await.unwrap(),
        "an expired key is absent"
    );
}

#[tokio::test(start_paused = true)]
async fn memory_keeps_the_contract() {
    let store = Memory::default();
    keeps_the_contract(&store, async |span| tokio::time::advance(span).await).await;
}

#[tokio::test]
async fn files_keep_the_contract() {
    let dir = TempDir::new("contract");
    let store = Files::open(&dir.0).unwrap();
    keeps_the_contract(&store, async |span| tokio::time::sleep(span).await).await;
}

#[tokio::test]
async fn file_names_are_distinct_for_distinct_keys_and_bounded() {
    let dir = TempDir::new("names");
    let store = Files::open(&dir.0).unwrap();
    let keys = [
        "wxbot:{wx1}:msg:a:b",
        "wxbot:{wx1}:msg:a_b",
        "wxbot:{wx1}:msg:a_3ab",
    ];
    for key in keys {
        store.put(key, key, LONG).await.unwrap();
    }
    for key in keys {
        assert_eq!(store.get(key).await.unwrap().as_deref(), Some(key));
    }
    let long = "x".repeat(1000);
    store.put(&long, "long", LONG).await.unwrap();
    assert_eq!(store.get(&long).await.unwrap().as_deref(), Some("long"));
    for entry in std::fs::read_dir(&dir.0).unwrap() {
        assert!(entry.unwrap().file_name().len() <= 255);
    }
}

#[tokio::test]
async fn a_corrupt_or_half_written_file_reads_as_absent() {
    let dir = TempDir::new("corrupt");
    let store = Files::open(&dir.0).unwrap();
    store.put("k", "v", LONG).await.unwrap();
    let file = std::fs::read_dir(&dir.0)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&file, b"{\"value\": \"v\", \"expires_at").unwrap();
    assert_eq!(store.get("k").await.unwrap(), None);
    store.put("k", "v2", LONG).await.unwrap();
    assert_eq!(
        store.get("k").await.unwrap().as_deref(),
        Some("v2"),
        "rewritten whole"
    );
}

#[tokio::test(start_paused = true)]
async fn records_expire_with_their_token_or_id() {
    let store = AccountStore::default();
    let record = Record {
        value: "t1".to_owned(),
        created_at: unix_now(),
        expires_at: unix_now() + 2,
    };
    store.keep("token", &record).await;
    assert_eq!(store.record("token").await, Some(record.clone()));
    tokio::time::advance(Duration::from_secs(3)).await;
    assert_eq!(store.record("token").await, None);
}

#[tokio::test]
async fn forget_drops_only_the_value_it_names() {
    let store = AccountStore::default();
    let record = |value: &str| Record {
        value: value.to_owned(),
        created_at: unix_now(),
        expires_at: unix_now() + 60,
    };
    store.keep("token", &record("t2")).await;
    store.forget("token", "t1").await;
    assert_eq!(
        store.record("token").await,
        Some(record("t2")),
        "a newer token stays"
    );
    store.forget("token", "t2").await;
    assert_eq!(store.record("token").await, None);
}

#[tokio::test]
async fn an_undecodable_record_is_absent() {
    let store = AccountStore::default();
    store.put("token", "not json", LONG).await;
    assert_eq!(store.record("token").await, None);
}

/// A folder removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("wxbot-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn shown_names_hide_the_user() {
    use super::shown;
    assert_eq!(shown("msg:o_alice:1234"), "msg:<user>:1234");
    assert_eq!(
        shown("lock:session:o_bob:app::Form"),
        "lock:session:<user>:app::Form"
    );
    assert_eq!(
        shown("/var/lib/wxbot/wxbot:{wx1}:pending:o_5fcarol.json"),
        "/var/lib/wxbot/wxbot:{wx1}:pending:<user>"
    );
    assert_eq!(shown("lock:media:image:ab12"), "lock:media:image:ab12");
    assert_eq!(shown("token"), "token");
}
