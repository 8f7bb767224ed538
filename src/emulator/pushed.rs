//! What pushing one message comes to: the signed request, each [`Delivery`] (one POST of it;
//! WeChat makes up to three), and the answer opened. [`Pusher`](super::Pusher) makes them.

use std::time::Duration;

use crate::crypto::CryptoError;

/// One message pushed: the signed request every delivery carried, its deliveries in order,
/// and the answer opened when it was encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pushed {
    /// The query string every delivery carried: `signature=…&timestamp=…&nonce=…&openid=…`,
    /// then `&encrypt_type=aes&msg_signature=…` when encrypted.
    pub query: String,
    /// The body every delivery carried: the message XML in plain mode; in safe mode
    /// `<xml><ToUserName/><Encrypt/></xml>`; in compatible mode the XML with `<Encrypt>` added.
    pub body: String,
    /// Each delivery; the last one is the one that was answered, unless none was.
    pub deliveries: Vec<Delivery>,
    /// The answered delivery's reply opened, when it was an encrypted envelope
    /// (`<xml><Encrypt/><MsgSignature/>…`): its XML, or why it does not open (a wrong
    /// `MsgSignature`, a bad ciphertext). `None` for a plain answer or `success`.
    pub opened: Option<Result<String, CryptoError>>,
}

/// One POST of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// 1 for the first delivery.
    pub number: u32,
    /// The HTTP status, or `None` when no answer came (cut-off or connection error).
    pub status: Option<u16>,
    /// The answer's body; empty when there was none.
    pub body: String,
    /// From sending the request to the end of the answer, or to giving up.
    pub latency: Duration,
    /// Why there is no answer: the cut-off, or the connection error.
    pub error: Option<String>,
    /// Whether WeChat gave up on it at the cut-off (rather than the connection failing).
    pub timed_out: bool,
}

impl Pushed {
    /// The delivery the bot answered, if any was.
    pub fn answered(&self) -> Option<&Delivery> {
        self.deliveries
            .iter()
            .find(|delivery| delivery.status.is_some())
    }
}
