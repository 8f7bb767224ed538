//! The table's claims, verdicts, lifetimes and bound.

use super::*;

fn is_owner(claim: &Claim) -> bool {
    matches!(claim, Claim::Owner(_))
}

#[tokio::test(start_paused = true)]
async fn a_repeat_follows_the_first_and_sees_its_verdict() {
    let dedup = Dedup::new(Duration::from_secs(30), 100);
    let Claim::Owner(owner) = dedup.claim("k".to_owned()) else {
        panic!("first is owner")
    };
    let Claim::Follower(follower) = dedup.claim("k".to_owned()) else {
        panic!("repeat follows")
    };
    let waiting = tokio::spawn(async move { follower.settled().await });
    tokio::task::yield_now().await;
    owner.decide(Verdict::Replied(Reply::text("hi")));
    owner.decide(Verdict::Deferred);
    assert_eq!(
        waiting.await.unwrap(),
        Verdict::Replied(Reply::text("hi")),
        "the first decision stands"
    );
}

#[tokio::test(start_paused = true)]
async fn an_owner_that_vanishes_decides_ack() {
    let dedup = Dedup::new(Duration::from_secs(30), 100);
    let owner = dedup.claim("k".to_owned());
    let Claim::Follower(follower) = dedup.claim("k".to_owned()) else {
        panic!("repeat follows")
    };
    drop(owner);
    assert_eq!(follower.settled().await, Verdict::Ack);
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
async fn messages_still_being_decided_survive_rotation() {
    let dedup = Dedup::new(Duration::from_secs(30), 100);
    let owner = dedup.claim("slow".to_owned());
    for i in 0..500 {
        drop(dedup.claim(format!("key{i}")));
    }
    tokio::time::advance(Duration::from_secs(90)).await;
    drop(dedup.claim("later".to_owned()));
    assert!(
        !is_owner(&dedup.claim("slow".to_owned())),
        "the undecided message is kept"
    );
    drop(owner);
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
