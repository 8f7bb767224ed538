//! Handing a lot's answers out: each ask its own, after its look's.

use redis::Value;

use super::Entry;

/// Hands each ask of a lot its answers from `values`, the pipeline's in order (`shown`: the
/// URL, for the warning about a refused command); how many writes Redis refused.
pub(super) fn answer(shown: &str, entries: Vec<Entry>, values: Vec<Value>) -> usize {
    let mut values = values.into_iter();
    let mut looked: Vec<(usize, Value)> = Vec::new();
    let (mut refused, mut first) = (0, None);
    for (at, entry) in entries.into_iter().enumerate() {
        let (n, look, answers) = match entry {
            Entry::Write => {
                if let Some(err) = values.next().as_ref().and_then(refusal) {
                    refused += 1;
                    first.get_or_insert(err);
                }
                continue;
            }
            Entry::Look => {
                looked.extend(values.next().map(|value| (at, value)));
                continue;
            }
            Entry::Ask { n, look, answers } => (n, look, answers),
        };
        // The look's value comes first; a refused look (a key of another type) is its
        // asker's to read, and fails no ask.
        let shared = look.and_then(|look| looked.iter().find(|(entry, _)| *entry == look));
        let mut mine = Vec::with_capacity(n + 1);
        mine.extend(shared.map(|(_, value)| value.clone()));
        let own = mine.len();
        mine.extend(values.by_ref().take(n));
        let answer = match mine[own..].iter().find_map(refusal) {
            Some(err) => {
                tracing::warn!(url = %shown, "store: redis refused a command: {err}");
                Err(err.into())
            }
            None => Ok(mine),
        };
        let _ = answers.send(answer);
    }
    // One line a lot: writes are refused together, if at all (Redis out of memory, say).
    if let Some(err) = first {
        tracing::warn!(url = %shown, "store: redis refused {refused} write(s): {err}");
    }
    refused
}

/// The error a command's answer carries, if it is one.
pub(super) fn refusal(value: &Value) -> Option<redis::RedisError> {
    match value {
        Value::ServerError(err) => Some(err.clone().into()),
        _ => None,
    }
}
