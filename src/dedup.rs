//! Retry dedupe (CONTRACT §4.3): the first delivery of a message owns its work; a repeat
//! never runs the handler and gets the first delivery's fate, waiting for it if need be.
//!
//! Entries live in two generations that rotate every `server.dedup_ttl_secs`, so each lives
//! between one and two TTLs with no per-entry timer or sweep. A flood of distinct messages
//! rotates early once the current generation holds half of `server.dedup_capacity`: memory
//! stays bounded, at the price of shorter-lived entries, which is logged.

use std::collections::HashMap;
use std::mem;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::message::Header;

/// What became of a message: decided once, shared with every delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fate {
    /// The work is still running and the deadline has not passed.
    Pending,
    /// The reply was ready in time: every delivery answers with this XML.
    Replied(Bytes),
    /// Nothing to reply (no reply, an error or a panic): every delivery answers `success`.
    Ack,
    /// The deadline passed first: deliveries answer `success`, and the reply, once ready, goes
    /// out once through the customer-service API.
    Deferred,
}

/// The outcome of claiming a message's key.
#[derive(Debug)]
pub(crate) enum Claim {
    /// The first delivery: publish the fate here.
    Owner(watch::Sender<Fate>),
    /// A repeat: the fate arrives here.
    Follower(watch::Receiver<Fate>),
}

/// The dedupe table.
#[derive(Debug)]
pub(crate) struct Dedup {
    ttl: Duration,
    capacity: usize,
    generations: Mutex<Generations>,
}

#[derive(Debug)]
struct Generations {
    current: HashMap<String, watch::Receiver<Fate>>,
    previous: HashMap<String, watch::Receiver<Fate>>,
    started: Instant,
    warned: Option<Instant>,
}

/// The dedupe key of a message: the sender and `MsgId`, or for events without one the sender,
/// `CreateTime`, `Event` and `EventKey`. The sender is part of every key because MsgId
/// collisions across users have been seen (binarywang/WxJava#333).
pub(crate) fn key(header: &Header, event_key: Option<&str>) -> Option<String> {
    const SEP: char = '\u{1f}';
    let from = header.from.as_str();
    if let Some(id) = &header.msg_id {
        return Some(format!("{from}{SEP}{id}"));
    }
    let event = header.event.as_deref()?;
    let time = header.create_time;
    Some(format!(
        "{from}{SEP}{time}{SEP}{event}{SEP}{}",
        event_key.unwrap_or_default()
    ))
}

/// Waits until the fate is decided; a publisher that vanished counts as `Ack`.
pub(crate) async fn settled(mut fate: watch::Receiver<Fate>) -> Fate {
    match fate.wait_for(|fate| *fate != Fate::Pending).await {
        Ok(decided) => decided.clone(),
        Err(_) => Fate::Ack,
    }
}

impl Dedup {
    /// A table keeping entries at least `ttl`, holding at most about `capacity`.
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        let generations = Generations {
            current: HashMap::new(),
            previous: HashMap::new(),
            started: Instant::now(),
            warned: None,
        };
        Self {
            ttl,
            capacity: capacity.max(2),
            generations: Mutex::new(generations),
        }
    }

    /// Claims `key`: the owner's sender for a new key, the fate's receiver for a known one.
    pub(crate) fn claim(&self, key: String) -> Claim {
        let (owner, fate) = watch::channel(Fate::Pending);
        let expired;
        {
            let mut generations = self
                .generations
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let found = generations
                .current
                .get(&key)
                .or_else(|| generations.previous.get(&key));
            if let Some(fate) = found {
                return Claim::Follower(fate.clone());
            }
            expired = self.rotate(&mut generations);
            generations.current.insert(key, fate);
        }
        // Dropped outside the lock: freeing a generation takes a while.
        drop(expired);
        Claim::Owner(owner)
    }

    /// How many keys are remembered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        let generations = self
            .generations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        generations.current.len() + generations.previous.len()
    }

    /// Starts a new generation when the current one is a TTL old or half the capacity full,
    /// returning the generation that expires.
    fn rotate(&self, generations: &mut Generations) -> HashMap<String, watch::Receiver<Fate>> {
        let now = Instant::now();
        let aged = now.duration_since(generations.started) >= self.ttl;
        let full = generations.current.len() >= self.capacity / 2;
        if !aged && !full {
            return HashMap::new();
        }
        if full
            && !aged
            && generations
                .warned
                .is_none_or(|at| now.duration_since(at) >= self.ttl)
        {
            generations.warned = Some(now);
            tracing::warn!(
                capacity = self.capacity,
                "dedupe table full: retries may now run a handler again; raise server.dedup_capacity"
            );
        }
        generations.started = now;
        let current = mem::take(&mut generations.current);
        mem::replace(&mut generations.previous, current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_owner(claim: &Claim) -> bool {
        matches!(claim, Claim::Owner(_))
    }

    #[tokio::test(start_paused = true)]
    async fn a_repeat_follows_the_first_and_sees_its_fate() {
        let dedup = Dedup::new(Duration::from_secs(30), 100);
        let Claim::Owner(owner) = dedup.claim("k".to_owned()) else {
            panic!("first is owner")
        };
        let Claim::Follower(follower) = dedup.claim("k".to_owned()) else {
            panic!("repeat follows")
        };
        let waiting = tokio::spawn(settled(follower));
        owner.send_replace(Fate::Replied(Bytes::from_static(b"<xml/>")));
        assert_eq!(
            waiting.await.unwrap(),
            Fate::Replied(Bytes::from_static(b"<xml/>"))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn entries_live_at_least_the_ttl_then_expire() {
        let dedup = Dedup::new(Duration::from_secs(30), 100);
        assert!(is_owner(&dedup.claim("a".to_owned())));
        tokio::time::advance(Duration::from_secs(29)).await;
        assert!(!is_owner(&dedup.claim("a".to_owned())), "kept for the ttl");
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(
            is_owner(&dedup.claim("b".to_owned())),
            "rotates: a moves to previous"
        );
        assert!(
            !is_owner(&dedup.claim("a".to_owned())),
            "still kept in the previous generation"
        );
        tokio::time::advance(Duration::from_secs(31)).await;
        assert!(is_owner(&dedup.claim("c".to_owned())));
        assert!(
            is_owner(&dedup.claim("a".to_owned())),
            "gone after two generations"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_flood_of_distinct_keys_stays_bounded() {
        let dedup = Dedup::new(Duration::from_secs(30), 1000);
        for i in 0..100_000 {
            assert!(is_owner(&dedup.claim(format!("key{i}"))));
            assert!(dedup.len() <= 1000, "len {} at {i}", dedup.len());
        }
        assert!(
            !is_owner(&dedup.claim("key99999".to_owned())),
            "the newest are still known"
        );
    }

    #[test]
    fn keys_follow_the_contract() {
        let msg = crate::message::parse(
            b"<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>7</CreateTime>\
              <MsgType>text</MsgType><Content>a</Content><MsgId>42</MsgId></xml>",
        )
        .unwrap();
        assert_eq!(key(&msg.header, None).as_deref(), Some("o1\u{1f}42"));
        let event = crate::message::parse(
            b"<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>7</CreateTime>\
              <MsgType>event</MsgType><Event>CLICK</Event><EventKey>K</EventKey></xml>",
        )
        .unwrap();
        assert_eq!(
            key(&event.header, Some("K")).as_deref(),
            Some("o1\u{1f}7\u{1f}CLICK\u{1f}K")
        );
    }
}
