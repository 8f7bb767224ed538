//! [`Answer`]: what one delivery of a parsed message gets.

use super::dedup::Verdict;
use crate::clock::unix_now;
use crate::message::Header;
use crate::reply::render;

/// The answer to a message that parsed: the reply XML, or `success`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// Reply XML.
    Reply(String),
    /// No reply (or the reply follows through customer service): WeChat shows nothing and
    /// does not retry.
    Success,
}

impl Answer {
    /// The answer to a delivery of the message with `header`, given its verdict.
    pub(super) fn of(verdict: Verdict, header: &Header) -> Self {
        match verdict {
            // Rendered again for this delivery: only `CreateTime` can differ.
            Verdict::Replied(reply) => {
                render(header, &reply, unix_now()).map_or(Self::Success, Self::Reply)
            }
            Verdict::Ack | Verdict::Deferred => Self::Success,
            Verdict::Relayed(answer) => answer,
        }
    }
}
