//! WeChat's side of the callback: sign (and in safe or compatible mode encrypt) a message as
//! WeChat does, POST it to the bot, deliver it again when no answer comes within the cut-off
//! (WeChat waits 5 s, three deliveries in all), and open an encrypted answer. `wxbot dev`
//! pushes every message of its chat page through this; the bot's answer is the caller's to
//! read.

use std::time::{Duration, Instant};

use reqwest::header::CONTENT_TYPE;

use super::pushed::{Delivery, Pushed};
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
/// let pushed = wechat.push("o_user", "<xml>…</xml>").await;
/// if let Some(answered) = pushed.answered() {
///     println!("{:?} after {} deliveries: {}", answered.status, pushed.deliveries.len(), answered.body);
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
    pub async fn push(&self, openid: &str, xml: &str) -> Pushed {
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
    pub async fn push_as(&self, mode: Mode, openid: &str, xml: &str) -> Pushed {
        let crypt = (mode != Mode::Plain).then(|| {
            let missing = "Pusher::push_as: safe and compatible mode need Pusher::crypt";
            self.crypt.as_ref().expect(missing)
        });
        let (query, body) = self.sign(crypt, mode, openid, xml);
        let deliveries = self.deliver_until_answered(&query, &body).await;
        let opened = crypt.and_then(|crypt| open(crypt, &deliveries));
        Pushed {
            query,
            body,
            deliveries,
            opened,
        }
    }

    /// The query and body every delivery of `xml` carries: signed, and sealed with `crypt`
    /// when there is one (`mode` says whether the clear XML stays beside it).
    fn sign(
        &self,
        crypt: Option<&MsgCrypt>,
        mode: Mode,
        openid: &str,
        xml: &str,
    ) -> (String, String) {
        let timestamp = unix_now().to_string();
        let nonce = (getrandom::u64().unwrap_or_default() % 10_000_000_000).to_string();
        let signature = signature::sign(&mut [self.token.expose(), &timestamp, &nonce]);
        let mut params = vec![
            ("signature", signature),
            ("timestamp", timestamp.clone()),
            ("nonce", nonce.clone()),
            ("openid", openid.to_owned()),
        ];
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
        (query, body)
    }

    /// POSTs the same request until one delivery is answered (any status) or none is left.
    async fn deliver_until_answered(&self, query: &str, body: &str) -> Vec<Delivery> {
        let mut deliveries = Vec::new();
        for number in 1..=self.deliveries {
            let delivery = self.deliver(number, query, body).await;
            let answered = delivery.status.is_some();
            deliveries.push(delivery);
            if answered {
                break;
            }
        }
        deliveries
    }

    async fn deliver(&self, number: u32, query: &str, xml: &str) -> Delivery {
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
            Ok((status, body)) => Delivery {
                number,
                status: Some(status),
                body,
                latency,
                error: None,
                timed_out: false,
            },
            Err(err) => Delivery {
                number,
                status: None,
                body: String::new(),
                latency,
                error: Some(if err.is_timeout() {
                    format!("no answer within {} ms", self.cutoff.as_millis())
                } else {
                    format!("no answer: {err}")
                }),
                timed_out: err.is_timeout(),
            },
        }
    }
}

/// The HTTP 200 answer opened with `crypt`, when it is an encrypted envelope; `None` when no
/// delivery got a 200 or the answer is `success` or a reply in the clear.
fn open(crypt: &MsgCrypt, deliveries: &[Delivery]) -> Option<Result<String, CryptoError>> {
    let answer = deliveries
        .iter()
        .find(|delivery| delivery.status == Some(200))?;
    match crypt.open_reply(&answer.body) {
        // No envelope: `success`, or a reply in the clear.
        Err(CryptoError::MissingEncrypt | CryptoError::Envelope(_)) => None,
        opened => Some(opened),
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
        let pushed = pusher.push("o x&y=z~", "<xml/>").await;
        assert!(
            pushed.query.ends_with("&openid=o+x%26y%3Dz%7E"),
            "{}",
            pushed.query
        );
        let openid = form_urlencoded::parse(pushed.query.as_bytes())
            .find(|(name, _)| name == "openid")
            .map(|(_, value)| value.into_owned());
        assert_eq!(openid.as_deref(), Some("o x&y=z~"));
    }
}
