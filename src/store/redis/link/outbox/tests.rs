use tokio::sync::oneshot;

use redis::Value;

use super::{Entry, Flush, Outbox, answer};
use crate::store::StoreError;

#[test]
fn one_flush_is_scheduled_for_however_many_commands() {
    let outbox = Outbox::default();
    assert_eq!(outbox.write(redis::cmd("SET")), Flush::Within);
    assert_eq!(
        outbox.write(redis::cmd("SET")),
        Flush::None,
        "rides with it"
    );
    assert_eq!(
        outbox.ask(None, [redis::cmd("GET")], oneshot::channel().0),
        Flush::Soon
    );
    assert_eq!(
        outbox.ask(None, [redis::cmd("GET")], oneshot::channel().0),
        Flush::None
    );
    let queued = outbox.take(&Flush::Soon);
    assert_eq!(
        (queued.pipe.len(), queued.entries.len()),
        (4, 4),
        "all leave at once"
    );
    assert_eq!(
        outbox.ask(None, [redis::cmd("GET")], oneshot::channel().0),
        Flush::Soon,
        "a new lot"
    );
    assert_eq!(
        outbox.write(redis::cmd("SET")),
        Flush::None,
        "the writes' flush is due"
    );
    let lot = outbox.take(&Flush::Within);
    assert_eq!(
        (lot.pipe.len(), lot.entries.len()),
        (2, 2),
        "the flush that runs first takes everything"
    );
    assert_eq!(
        outbox.write(redis::cmd("SET")),
        Flush::None,
        "asks are due: it rides"
    );
}

#[test]
fn a_look_is_read_once_for_the_lot_before_the_first_ask_that_wants_it() {
    let outbox = Outbox::default();
    outbox.ask(None, [redis::cmd("SET")], oneshot::channel().0);
    outbox.ask(Some("mark"), [redis::cmd("SET")], oneshot::channel().0);
    outbox.write(redis::cmd("SET"));
    outbox.ask(Some("mark"), [redis::cmd("SET")], oneshot::channel().0);
    outbox.ask(Some("other"), [redis::cmd("SET")], oneshot::channel().0);
    let lot = outbox.take(&Flush::Soon);
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
