//! WeChat's side of the callback: sign (and in safe or compatible mode encrypt) a message as
//! WeChat does, POST it to the bot, deliver it again when no answer comes within the cut-off
//! (DESIGN §6, "Retries and the 5-second rule"), and open an encrypted answer. `wxbot dev`
//! pushes every message of its chat page through this; the bot's answer is the caller's to
//! read.

use std::time::{Duration, Instant};

use reqwest::header::CONTENT_TYPE;

use crate::clock::unix_now;
use crate::config::Mode;
use crate::crypto::{CryptoError, MsgCrypt};
use crate::secret::Secret;
use crate::signature;

/// WeChat waits this long for an answer before it gives up on a delivery.
pub const CUTOFF: Duration = Duration::from_secs(5);

/// WeChat delivers a message at most this many times.
pub const DELIVERIES: u32 = 3;

/// Posts callbacks to a bot the way WeChat does: signed query
/// (`signature`, `timestamp`, `nonce`, `openid`), XML body, a cut-off per delivery, and the
/// same request again after a cut-off, up to [`DELIVERIES`] times. Given the account's
/// [`MsgCrypt`], it also speaks safe and compatible mode ([`push_as`](Self::push_as)).
///
/// ```no_run
/// use wxbot::emulator::Pusher;
///
/// # async fn run() {
/// let wechat = Pusher::new("http://127.0.0.1:8080/wechat", "callback-token");
/// let delivery = wechat.push("o_user", "<xml>…</xml>").await;
/// if let Some(answer) = delivery.answer() {
///     println!("{:?} after {} deliveries: {}", answer.status, delivery.attempts.len(), answer.body);
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Pusher {
    http: reqwest::Client,
    url: String,
    token: Secret,
    cutoff: Duration,
    deliveries: u32,
    crypt: Option<MsgCrypt>,
}

/// One message's deliveries, in order, the signed request they carried, and the answer
/// opened when it was encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// The query string every delivery carried: `signature=…&timestamp=…&nonce=…&openid=…`,
    /// then `&encrypt_type=aes&msg_signature=…` when encrypted.
    pub query: String,
    /// The body every delivery carried: the message XML in plain mode; in safe mode
    /// `<xml><ToUserName/><Encrypt/></xml>`; in compatible mode the XML with `<Encrypt>` added.
    pub body: String,
    /// Each delivery; the last one is the one that was answered, unless none was.
    pub attempts: Vec<Attempt>,
    /// The answered delivery's reply opened, when it was an encrypted envelope
    /// (`<xml><Encrypt/><MsgSignature/>…`): its XML, or why it does not open (a wrong
    /// `MsgSignature`, a bad ciphertext). `None` for a plain answer or `success`.
    pub opened: Option<Result<String, CryptoError>>,
}

/// One POST of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
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
}

impl Delivery {
    /// The delivery the bot answered, if any did.
    pub fn answer(&self) -> Option<&Attempt> {
        self.attempts
            .iter()
            .find(|attempt| attempt.status.is_some())
    }
}

impl Pusher {
    /// Pushes to the callback at `callback_url` (`http://host:port/path`, no query), signing
    /// with the account's `token`; cut-off [`CUTOFF`], at most [`DELIVERIES`] deliveries.
    pub fn new(callback_url: impl Into<String>, token: &str) -> Self {
        // The bot is local: a proxy from the environment must not sit in between.
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap_or_default();
        Self {
            http,
            url: callback_url.into(),
            token: Secret::new(token),
            cutoff: CUTOFF,
            deliveries: DELIVERIES,
            crypt: None,
        }
    }

    /// Sets the account's message crypto, for safe and compatible mode: the same
    /// EncodingAESKey, token and appid as the bot's.
    #[must_use]
    pub fn crypt(mut self, crypt: MsgCrypt) -> Self {
        self.crypt = Some(crypt);
        self
    }

    /// Sets how long one delivery waits for an answer (tests shorten WeChat's 5 s).
    #[must_use]
    pub fn cutoff(mut self, cutoff: Duration) -> Self {
        self.cutoff = cutoff;
        self
    }

    /// Sets how many deliveries one message gets at most (at least 1).
    #[must_use]
    pub fn deliveries(mut self, deliveries: u32) -> Self {
        self.deliveries = deliveries.max(1);
        self
    }

    /// The cut-off of one delivery.
    pub fn cutoff_duration(&self) -> Duration {
        self.cutoff
    }

    /// The most deliveries one message gets.
    pub fn max_deliveries(&self) -> u32 {
        self.deliveries
    }

    /// Delivers `xml` from `openid` in plain mode: see [`push_as`](Self::push_as).
    pub async fn push(&self, openid: &str, xml: &str) -> Delivery {
        self.push_as(Mode::Plain, openid, xml).await
    }

    /// Delivers `xml` from `openid` as an account in `mode` receives it, again and again
    /// while no answer comes in time, and returns every delivery with the answer opened.
    ///
    /// Safe and compatible mode encrypt `xml` (a fresh random prefix), add `encrypt_type=aes`
    /// and `msg_signature` to the query, and POST `<xml><ToUserName/><Encrypt/></xml>` (safe)
    /// or `xml` with its `<Encrypt>` (compatible). Retries repeat the request exactly (same
    /// query, same body), so the bot sees the same `MsgId`, or for an event the same sender,
    /// time and event.
    ///
    /// # Panics
    ///
    /// In safe or compatible mode, when the pusher has no [`crypt`](Self::crypt).
    pub async fn push_as(&self, mode: Mode, openid: &str, xml: &str) -> Delivery {
        let timestamp = unix_now().to_string();
        let nonce = (getrandom::u64().unwrap_or_default() % 10_000_000_000).to_string();
        let signature = signature::sign(&mut [self.token.expose(), &timestamp, &nonce]);
        let mut params = vec![
            ("signature", signature),
            ("timestamp", timestamp.clone()),
            ("nonce", nonce.clone()),
            ("openid", openid.to_owned()),
        ];
        let crypt = (mode != Mode::Plain).then(|| {
            let missing = "Pusher::push_as: safe and compatible mode need Pusher::crypt";
            self.crypt.as_ref().expect(missing)
        });
        let body = match crypt {
            None => xml.to_owned(),
            Some(crypt) => {
                let compatible = mode == Mode::Compatible;
                let (body, msg_signature) =
                    crypt.seal_callback(xml, compatible, &timestamp, &nonce);
                params.extend([
                    ("encrypt_type", "aes".to_owned()),
                    ("msg_signature", msg_signature),
                ]);
                body
            }
        };
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .finish();
        let mut attempts = Vec::new();
        for number in 1..=self.deliveries {
            let attempt = self.deliver(number, &query, &body).await;
            let answered = attempt.status.is_some();
            attempts.push(attempt);
            if answered {
                break;
            }
        }
        let answer = attempts.iter().find(|attempt| attempt.status == Some(200));
        let opened = crypt.zip(answer).and_then(|(crypt, answer)| {
            match crypt.open_reply(&answer.body) {
                // No envelope: `success`, or a reply in the clear.
                Err(CryptoError::MissingEncrypt | CryptoError::Envelope(_)) => None,
                opened => Some(opened),
            }
        });
        Delivery {
            query,
            body,
            attempts,
            opened,
        }
    }

    async fn deliver(&self, number: u32, query: &str, xml: &str) -> Attempt {
        let started = Instant::now();
        let request = self
            .http
            .post(format!("{}?{query}", self.url))
            .header(CONTENT_TYPE, "text/xml")
            .body(xml.to_owned())
            // Covers the whole exchange, body included: WeChat drops the connection at 5 s.
            .timeout(self.cutoff);
        let answer = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                response.text().await.map(|body| (status, body))
            }
            Err(err) => Err(err),
        };
        let latency = started.elapsed();
        match answer {
            Ok((status, body)) => Attempt {
                number,
                status: Some(status),
                body,
                latency,
                error: None,
            },
            Err(err) => Attempt {
                number,
                status: None,
                body: String::new(),
                latency,
                error: Some(if err.is_timeout() {
                    format!("no answer within {} ms", self.cutoff.as_millis())
                } else {
                    format!("no answer: {err}")
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn query_values_are_percent_encoded() {
        // A port nobody listens on: the one delivery fails at once; the query is what counts.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let pusher = Pusher::new(format!("http://127.0.0.1:{port}/wechat"), "token").deliveries(1);
        let delivery = pusher.push("o x&y=z~", "<xml/>").await;
        assert!(
            delivery.query.ends_with("&openid=o+x%26y%3Dz%7E"),
            "{}",
            delivery.query
        );
        let openid = form_urlencoded::parse(delivery.query.as_bytes())
            .find(|(name, _)| name == "openid")
            .map(|(_, value)| value.into_owned());
        assert_eq!(openid.as_deref(), Some("o x&y=z~"));
    }
}
