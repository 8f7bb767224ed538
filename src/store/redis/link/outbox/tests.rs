use tokio::sync::oneshot;

use redis::Value;

use std::sync::Arc;

use super::{Entry, Outbox, Start, answer};
use crate::store::StoreError;
use crate::store::redis::link::Link;

#[test]
fn one_sender_at_a_time_and_each_lot_is_everything_queued_meanwhile() {
    let outbox = Outbox::default();
    let set = || redis::cmd("SET");
    let get = || [redis::cmd("GET")];
    let answers = || oneshot::channel().0;
    assert_eq!(outbox.write(set()), Start::Within);
    assert_eq!(outbox.write(set()), Start::None, "rides with it");
    assert_eq!(
        outbox.ask(None, get(), answers()),
        Start::Now,
        "an ask does not wait"
    );
    assert!(!outbox.waited(), "the waiting sender gives way");
    assert_eq!(outbox.ask(None, get(), answers()), Start::None);
    let lot = outbox.next_lot().expect("a lot");
    assert_eq!((lot.pipe.len(), lot.entries.len()), (4, 4), "all at once");
    // While that lot is out, what comes waits for it, and leaves as the next one.
    assert_eq!(outbox.ask(None, get(), answers()), Start::None);
    assert_eq!(outbox.write(set()), Start::None);
    let lot = outbox.next_lot().expect("a lot");
    assert_eq!((lot.pipe.len(), lot.entries.len()), (2, 2));
    assert!(outbox.next_lot().is_none(), "nothing left: the sender ends");
    assert_eq!(outbox.write(set()), Start::Within, "a new sender");
    assert!(outbox.waited(), "nobody took over");
    assert_eq!(outbox.ask(None, get(), answers()), Start::None, "it sends");
    assert_eq!(outbox.next_lot().expect("a lot").entries.len(), 2);
}

#[test]
fn a_look_is_read_once_for_the_lot_before_the_first_ask_that_wants_it() {
    let outbox = Outbox::default();
    outbox.ask(None, [redis::cmd("SET")], oneshot::channel().0);
    outbox.ask(Some("mark"), [redis::cmd("SET")], oneshot::channel().0);
    outbox.write(redis::cmd("SET"));
    outbox.ask(Some("mark"), [redis::cmd("SET")], oneshot::channel().0);
    outbox.ask(Some("other"), [redis::cmd("SET")], oneshot::channel().0);
    let lot = outbox.next_lot().expect("a lot");
    let packed = String::from_utf8(lot.pipe.get_packed_pipeline()).unwrap();
    assert_eq!(packed.matches("$3\r\nGET\r\n").count(), 2, "one per key");
    let kinds: Vec<&str> = (lot.entries.iter())
        .map(|entry| match entry {
            Entry::Write => "write",
            Entry::Look => "look",
            Entry::Ask { look: None, .. } => "ask",
            Entry::Ask { look: Some(_), .. } => "ask after a look",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "ask",
            "look",
            "ask after a look",
            "write",
            "ask after a look",
            "look",
            "ask after a look"
        ]
    );
}

#[test]
fn each_ask_gets_its_looks_value_then_its_own_its_own_refusals_fail_it_and_refused_writes_are_told()
{
    let text = |text: &str| Value::BulkString(text.as_bytes().to_vec());
    let refused = || {
        redis::parse_redis_value(
            b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        )
        .expect("an error reply")
    };
    let mut receivers = Vec::new();
    let mut ask = |n, look| {
        let (answers, answered) = oneshot::channel();
        receivers.push(answered);
        Entry::Ask { n, look, answers }
    };
    let entries = vec![
        ask(1, None),
        Entry::Look,
        ask(2, Some(1)),
        Entry::Write,
        Entry::Write,
        ask(1, Some(1)),
        Entry::Look,
        ask(1, Some(6)),
        ask(1, None),
    ];
    let values = vec![
        text("a"),
        text("mark"),
        text("b"),
        text("c"),
        Value::Okay,
        refused(),
        text("d"),
        refused(),
        text("e"),
        refused(),
    ];
    assert_eq!(
        answer("redis://test", entries, values),
        1,
        "the refused write"
    );
    let got: Vec<Result<Vec<Value>, StoreError>> = receivers
        .into_iter()
        .map(|mut answered| answered.try_recv().expect("answered"))
        .collect();
    let ok = |i: usize| got[i].as_ref().expect("answers").clone();
    assert_eq!(ok(0), [text("a")]);
    assert_eq!(ok(1), [text("mark"), text("b"), text("c")]);
    assert_eq!(ok(2), [text("mark"), text("d")]);
    assert_eq!(
        ok(3)[1..],
        [text("e")],
        "a refused look is the asker's to read"
    );
    assert!(matches!(ok(3)[0], Value::ServerError(_)));
    assert!(got[4].is_err(), "its own command was refused");
}

#[test]
fn a_sender_dropped_with_its_runtime_fails_its_lot_and_leaves_room_for_the_next() {
    let client = redis::Client::open("redis://127.0.0.1:1/0").unwrap();
    let link = Arc::new(Link::new(client, "redis://127.0.0.1:1/0".to_owned()));
    let outbox = Arc::new(Outbox::default());
    let (answers, mut answered) = oneshot::channel();
    let start = outbox.ask(None, [redis::cmd("GET")], answers);
    assert_eq!(start, Start::Now);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The sender is spawned, then its runtime stops before it ever runs.
    runtime.block_on(async { link.start(Arc::clone(&outbox), start) });
    drop(runtime);
    assert!(
        matches!(answered.try_recv(), Ok(Err(StoreError::Down))),
        "the asker is answered"
    );
    assert_eq!(
        outbox.ask(None, [redis::cmd("GET")], oneshot::channel().0),
        Start::Now,
        "the next ask starts a sender"
    );
}
