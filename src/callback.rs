//! The callback protocol, without HTTP types: the query WeChat signs, URL verification, the
//! signature check, opening an encrypted body and sealing the reply, and why a request is
//! refused, with its status as a plain number. `endpoint.rs` is the actix glue around it,
//! and any other server can drive the same calls.

use std::sync::Arc;

use tokio::time::Instant;

use crate::bot::{Answer, Bot};
use crate::clock::unix_now;
use crate::config::Mode;
use crate::crypto::{CryptoError, MsgCrypt, find_encrypt};
use crate::message::{self, Incoming, ParseError};
use crate::signature;

/// The query string of a callback; every field optional, so a missing one is answered with
/// the contract's status (403 or 400) rather than actix's generic 400.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CallbackQuery {
    /// `signature`: sha1 of the sorted token, timestamp and nonce.
    pub signature: Option<String>,
    /// `timestamp`.
    pub timestamp: Option<String>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// `echostr`: URL verification only.
    pub echostr: Option<String>,
    /// `openid`: the sender, on message POSTs.
    pub openid: Option<String>,
    /// `encrypt_type`: `aes` for an encrypted body.
    pub encrypt_type: Option<String>,
    /// `msg_signature`: the ciphertext's signature.
    pub msg_signature: Option<String>,
}

impl CallbackQuery {
    /// Reads the parameters WeChat sends from a query string. Unknown parameters are
    /// ignored, the first of repeated ones wins, and nothing here fails: a query that makes
    /// no sense simply lacks a valid signature (403).
    pub fn parse(query: &str) -> Self {
        let mut parsed = Self::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*name {
                "signature" => &mut parsed.signature,
                "timestamp" => &mut parsed.timestamp,
                "nonce" => &mut parsed.nonce,
                "echostr" => &mut parsed.echostr,
                "openid" => &mut parsed.openid,
                "encrypt_type" => &mut parsed.encrypt_type,
                "msg_signature" => &mut parsed.msg_signature,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value.into_owned());
            }
        }
        parsed
    }
}

/// Why a callback request is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// A required query parameter is missing (URL verification).
    #[error("missing query parameter {0}")]
    Missing(&'static str),
    /// `safe` mode takes encrypted requests only, and this one is not (`encrypt_type=aes`
    /// missing): like a bad signature, it proves nothing about the sender.
    #[error("account.mode is safe but the request is not encrypted (no encrypt_type=aes)")]
    NotEncrypted,
    /// The signature is missing or does not match.
    #[error("bad or missing signature")]
    BadSignature,
    /// The body is larger than `server.body_limit_bytes`.
    #[error("body is larger than server.body_limit_bytes ({limit} bytes)")]
    TooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// The body could not be read.
    #[error("body could not be read: {0}")]
    Body(String),
    /// The body is not a WeChat message.
    #[error("bad message: {0}")]
    Parse(#[from] ParseError),
    /// An encrypted body that does not open: a bad `msg_signature` (403) or a ciphertext that
    /// does not decrypt or carries another appid (400).
    #[error("encrypted message refused: {0}")]
    Crypto(#[from] CryptoError),
}

impl CallbackError {
    /// The HTTP status WeChat gets: 403 for a bad signature, 413 for an oversized body, 400
    /// for anything else that is not a WeChat message.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadSignature | Self::NotEncrypted | Self::Crypto(CryptoError::BadSignature) => {
                403
            }
            Self::TooLarge { .. } => 413,
            Self::Missing(_) | Self::Body(_) | Self::Parse(_) | Self::Crypto(_) => 400,
        }
    }
}

/// A handled callback: the message and its answer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Handled {
    /// The parsed message.
    pub message: Arc<Incoming>,
    /// What to send back.
    pub answer: Answer,
}

impl<S: Clone + Send + Sync + 'static> Bot<S> {
    /// URL verification (WeChat's GET with `echostr`): the `echostr` to answer when the signature holds.
    pub fn verify(&self, query: &CallbackQuery) -> Result<String, CallbackError> {
        let fields = [
            ("signature", &query.signature),
            ("timestamp", &query.timestamp),
            ("nonce", &query.nonce),
            ("echostr", &query.echostr),
        ];
        if let Some((name, _)) = fields.iter().find(|(_, value)| value.is_none()) {
            return Err(CallbackError::Missing(name));
        }
        self.check_signature(query)?;
        Ok(query.echostr.clone().unwrap_or_default())
    }

    /// One callback POST: checks the signature, opens an encrypted body,
    /// parses it, runs the first matching handler and renders (and seals) its reply.
    ///
    /// Once the body has parsed, the answer is always `Ok`: a handler error or panic is
    /// logged and answered with `success`, so WeChat neither retries nor shows an error.
    pub async fn callback(
        &self,
        query: &CallbackQuery,
        body: &[u8],
    ) -> Result<Handled, CallbackError> {
        let received = Instant::now();
        self.check_signature(query)?;
        let crypt = self.crypt_for(query)?;
        let opened;
        let xml = match crypt {
            Some(crypt) => {
                opened = open(crypt, query, body).inspect_err(|err| {
                    tracing::warn!("encrypted callback refused: {err}");
                })?;
                opened.as_bytes()
            }
            None => body,
        };
        let message = Arc::new(message::parse(xml)?);
        let answer = match (
            self.dispatch_at(Arc::clone(&message), received).await,
            crypt,
        ) {
            (Answer::Reply(xml), Some(crypt)) => Answer::Reply(seal(crypt, &xml)),
            (answer, _) => answer,
        };
        Ok(Handled { message, answer })
    }

    /// The crypto this request needs: encrypted requests in `compatible` and `safe` modes.
    /// In `safe` mode a request without `encrypt_type=aes` has no `msg_signature`: 403.
    fn crypt_for(&self, query: &CallbackQuery) -> Result<Option<&MsgCrypt>, CallbackError> {
        let encrypted = query.encrypt_type.as_deref() == Some("aes");
        match (self.crypt(), self.config().account.mode) {
            (Some(crypt), _) if encrypted => Ok(Some(crypt)),
            (_, Mode::Safe) => Err(CallbackError::NotEncrypted),
            _ => Ok(None),
        }
    }

    /// `signature` over the token, `timestamp` and `nonce`; a missing part is a bad
    /// signature, not a bad request (403, as for any signature that does not match).
    fn check_signature(&self, query: &CallbackQuery) -> Result<(), CallbackError> {
        let (Some(signature), Some(timestamp), Some(nonce)) =
            (&query.signature, &query.timestamp, &query.nonce)
        else {
            return Err(CallbackError::BadSignature);
        };
        let token = self.config().account.token.expose();
        if signature::verify(&mut [token, timestamp, nonce], signature) {
            Ok(())
        } else {
            Err(CallbackError::BadSignature)
        }
    }
}

/// The decrypted XML of an encrypted callback.
fn open(crypt: &MsgCrypt, query: &CallbackQuery, body: &[u8]) -> Result<String, CallbackError> {
    let (Some(msg_signature), Some(timestamp), Some(nonce)) =
        (&query.msg_signature, &query.timestamp, &query.nonce)
    else {
        return Err(CallbackError::Crypto(CryptoError::BadSignature));
    };
    let encrypt = find_encrypt(body)?;
    Ok(crypt.open(msg_signature, timestamp, nonce, &encrypt)?)
}

/// `xml` in the encrypted envelope, with its own timestamp and a fresh nonce.
fn seal(crypt: &MsgCrypt, xml: &str) -> String {
    let nonce = getrandom::u32().unwrap_or_default().to_string();
    crypt.seal(xml, &unix_now().to_string(), &nonce)
}
