//! Customer-service messages (`/cgi-bin/message/custom/send`) and the typing indicator.

use serde::Serialize;

use super::{Client, ClientError};
use crate::ids::OpenId;
use crate::reply::{RenderError, Reply, custom_message};

/// Why a reply could not go out through customer service.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The reply has no customer-service form (e.g. a transfer to customer service).
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The API refused or could not be reached.
    #[error(transparent)]
    Client(#[from] ClientError),
}

#[derive(Serialize)]
struct Typing<'a> {
    touser: &'a str,
    command: &'a str,
}

#[derive(serde::Deserialize)]
struct Ack {}

impl Client {
    /// Sends `reply` to `to` as a customer-service message. Media must be resolved (media ids).
    pub async fn send_reply(&self, to: &OpenId, reply: &Reply) -> Result<(), SendError> {
        let message = custom_message(to, reply)?;
        Ok(self.send_custom(&message).await?)
    }

    /// Sends a customer-service message given as the API's JSON
    /// (`{"touser": …, "msgtype": …, "<msgtype>": {…}}`).
    pub async fn send_custom(&self, message: &serde_json::Value) -> Result<(), ClientError> {
        let sent = self.post_json(super::CUSTOM_SEND, message).await;
        let errcode = match &sent {
            Ok(()) => Some(0),
            Err(err) => err.api().map(|api| api.code),
        };
        self.inner.store.metrics().customer_service_send(errcode);
        sent
    }

    /// Shows (`true`) or hides the "typing…" indicator to `to`.
    pub async fn typing(&self, to: &OpenId, on: bool) -> Result<(), ClientError> {
        let command = if on { "Typing" } else { "CancelTyping" };
        let body = Typing {
            touser: to.as_str(),
            command,
        };
        self.post_json("/cgi-bin/message/custom/typing", &body)
            .await
    }

    async fn post_json(&self, path: &str, body: &impl Serialize) -> Result<(), ClientError> {
        self.post_api::<Ack>(path, body).await.map(drop)
    }
}
