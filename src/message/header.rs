//! The fields every callback carries.

use super::ParseError;
use crate::ids::{MsgId, OpenId};
use crate::xml::Fields;

/// The part of every message that routing, dedupe, logging and the reply need.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Header {
    /// `ToUserName`: the account's original id (`gh_…`).
    pub to: String,
    /// `FromUserName`: the follower who sent the message.
    pub from: OpenId,
    /// `CreateTime`, Unix seconds.
    pub create_time: u64,
    /// `MsgType` as sent (`text`, `event`, …).
    pub msg_type: String,
    /// `Event` as sent, for `event` messages.
    pub event: Option<String>,
    /// `MsgId` (or `MsgID`, as the job-finish events spell it), when present.
    pub msg_id: Option<MsgId>,
}

/// The message's `MsgId`, spelled `MsgID` by the job-finish events (JeffreySu/WeiXinMPSDK#2605
/// read those as 0 and dropped distinct callbacks as duplicates). Top-level only: a `MsgID`
/// inside a subscription-message `List` belongs to that item.
pub(super) fn msg_id(fields: &Fields<'_>) -> Option<MsgId> {
    fields
        .top("MsgId")
        .or_else(|| fields.top("MsgID"))
        .map(MsgId::from)
}

impl Header {
    pub(super) fn from_fields(fields: &Fields<'_>) -> Result<Self, ParseError> {
        let required = |name: &'static str| fields.top(name).ok_or(ParseError::Missing(name));
        let to = required("ToUserName")?.to_owned();
        let from = OpenId::new(required("FromUserName")?);
        let create_time = required("CreateTime")?;
        Ok(Self {
            to,
            from,
            create_time: create_time
                .trim()
                .parse()
                .map_err(|_| ParseError::NotANumber {
                    field: "CreateTime",
                    value: create_time.to_owned(),
                })?,
            msg_type: required("MsgType")?.to_owned(),
            event: fields.top("Event").map(str::to_owned),
            msg_id: msg_id(fields),
        })
    }
}
