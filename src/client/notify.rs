//! Notifications: template messages (`/cgi-bin/message/template/send`) and subscription
//! messages (`/cgi-bin/message/subscribe/bizsend`). Neither is repeated on a timeout, as a
//! customer-service send is not: a second one would reach the user twice.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Client, ClientError};
use crate::ids::OpenId;

/// The template-message send, never repeated blindly.
pub(super) const TEMPLATE_SEND: &str = "/cgi-bin/message/template/send";
/// The subscription-message send, never repeated blindly.
pub(super) const SUBSCRIBE_SEND: &str = "/cgi-bin/message/subscribe/bizsend";

/// A mini program page a notification opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MiniProgram {
    /// The mini program.
    pub appid: String,
    /// Its page.
    pub pagepath: String,
}

impl MiniProgram {
    /// The page `pagepath` of the mini program `appid`.
    pub fn new(appid: impl Into<String>, pagepath: impl Into<String>) -> Self {
        Self {
            appid: appid.into(),
            pagepath: pagepath.into(),
        }
    }
}

/// One field of a notification: its value and, for template messages, a colour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The text.
    pub value: String,
    /// `#RRGGBB`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// A template message: a template's fields filled for one user.
///
/// ```
/// use wxbot::platform::TemplateMessage;
/// use wxbot::OpenId;
///
/// let message = TemplateMessage::new(OpenId::from("o_user"), "TEMPLATE_ID")
///     .field("thing1", "Green tea")
///     .colored("amount2", "¥12.00", "#173177")
///     .url("https://example.com/orders/42");
/// # let _ = message;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[must_use]
pub struct TemplateMessage {
    touser: OpenId,
    template_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    miniprogram: Option<MiniProgram>,
    data: BTreeMap<String, Field>,
}

impl TemplateMessage {
    /// A message of `template_id` to `to`, with no fields yet.
    pub fn new(to: OpenId, template_id: impl Into<String>) -> Self {
        Self {
            touser: to,
            template_id: template_id.into(),
            url: None,
            miniprogram: None,
            data: BTreeMap::new(),
        }
    }

    /// Fills field `name` (`thing1`, `amount2`, …).
    pub fn field(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.with(name, value, None)
    }

    /// Fills field `name` in `color` (`#RRGGBB`).
    pub fn colored(
        self,
        name: impl Into<String>,
        value: impl Into<String>,
        color: impl Into<String>,
    ) -> Self {
        self.with(name, value, Some(color.into()))
    }

    /// The page a tap opens.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The mini program page a tap opens (before `url`, on clients that have them).
    pub fn miniprogram(mut self, appid: impl Into<String>, pagepath: impl Into<String>) -> Self {
        self.miniprogram = Some(MiniProgram::new(appid, pagepath));
        self
    }

    fn with(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
        color: Option<String>,
    ) -> Self {
        let value = value.into();
        self.data.insert(name.into(), Field { value, color });
        self
    }
}

/// A subscription message: a template the user agreed to receive, filled for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[must_use]
pub struct SubscribeMessage {
    touser: OpenId,
    template_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    miniprogram: Option<MiniProgram>,
    data: BTreeMap<String, Field>,
}

impl SubscribeMessage {
    /// A message of `template_id` to `to`, with no fields yet.
    pub fn new(to: OpenId, template_id: impl Into<String>) -> Self {
        Self {
            touser: to,
            template_id: template_id.into(),
            page: None,
            miniprogram: None,
            data: BTreeMap::new(),
        }
    }

    /// Fills field `name` (subscription messages have no colours).
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let value = value.into();
        self.data.insert(name.into(), Field { value, color: None });
        self
    }

    /// The page a tap opens.
    pub fn page(mut self, url: impl Into<String>) -> Self {
        self.page = Some(url.into());
        self
    }

    /// The mini program page a tap opens.
    pub fn miniprogram(mut self, appid: impl Into<String>, pagepath: impl Into<String>) -> Self {
        self.miniprogram = Some(MiniProgram::new(appid, pagepath));
        self
    }
}

#[derive(Deserialize)]
struct Sent {
    msgid: u64,
}

impl Client {
    /// Sends a template message; its `msgid`, which the `TEMPLATESENDJOBFINISH` event
    /// reports on. 43004: the user does not follow the account.
    pub async fn send_template(&self, message: &TemplateMessage) -> Result<u64, ClientError> {
        let sent: Sent = self.post_api(TEMPLATE_SEND, message).await?;
        Ok(sent.msgid)
    }

    /// Sends a subscription message; the `subscribe_msg_sent_event` reports on it.
    pub async fn send_subscribe(&self, message: &SubscribeMessage) -> Result<(), ClientError> {
        self.post_api::<serde_json::Value>(SUBSCRIBE_SEND, message)
            .await
            .map(drop)
    }
}
