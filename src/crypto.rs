//! Safe and compatible mode (WXBizMsgCrypt): opening encrypted callbacks and sealing replies.
//!
//! This module owns WeChat's message cryptography: decoding the EncodingAESKey,
//! `msg_signature`, AES-256-CBC with WeChat's framing and its PKCS#7 padding to 32 bytes, the
//! appid check, and the encrypted reply envelope. It leaves to others which mode applies to a
//! request and the status codes (`endpoint`), and parsing the decrypted XML, with the same
//! hostile-input rules as a plain body (the message parser's).

mod envelope;
mod frame;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::fmt;

use aes::Aes256;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit};
use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig};

use crate::signature;
use crate::xml::{self, XmlError};

/// The length of an EncodingAESKey, in characters.
pub const KEY_CHARS: usize = 43;

/// The EncodingAESKey's base64. 43 characters carry 258 bits for a 256-bit key, and the
/// platform leaves the 2 discarded bits non-zero, which strict decoders refuse
/// (binarywang/WxJava#1454).
const KEY_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// Why an EncodingAESKey is unusable; shown at start-up after the key's name
/// (`account.encoding_aes_key`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Not 43 characters long.
    #[error("EncodingAESKey must be {KEY_CHARS} characters, not {chars}")]
    Length {
        /// How many characters it has.
        chars: usize,
    },
    /// Not base64 (a character outside `A–Z a–z 0–9 + /`, or misplaced `=`).
    #[error("EncodingAESKey is not base64: {reason}")]
    Base64 {
        /// The decoder's description.
        reason: String,
    },
    /// Decodes, but not to the 32 bytes of an AES-256 key (it ends in `=`).
    #[error("EncodingAESKey decodes to {bytes} bytes, not 32")]
    Size {
        /// How many bytes it decodes to.
        bytes: usize,
    },
}

/// Why an encrypted callback cannot be opened.
///
/// [`BadSignature`](Self::BadSignature) is answered 403, everything else 400.
/// The messages name the cause for the operator's log and never include the key or token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// `msg_signature` is not the signature of the token, timestamp, nonce and ciphertext.
    #[error("msg_signature does not match the ciphertext")]
    BadSignature,
    /// The encrypted body is not an acceptable XML document.
    #[error("encrypted body: {0}")]
    Envelope(XmlError),
    /// The body has no `<Encrypt>` element, or an empty one.
    #[error("encrypted body has no Encrypt element")]
    MissingEncrypt,
    /// The ciphertext is not standard base64.
    #[error("ciphertext is not base64: {reason}")]
    Base64 {
        /// The decoder's description.
        reason: String,
    },
    /// The decoded ciphertext is not whole AES blocks, or too short to hold a frame.
    #[error("ciphertext of {len} bytes is not a multiple of 16 of at least 32")]
    Length {
        /// Its length in bytes, after base64.
        len: usize,
    },
    /// The PKCS#7 padding is not 1..=32 equal bytes: the wrong key, or a damaged ciphertext.
    #[error("bad padding (last byte {pad}): wrong EncodingAESKey or damaged ciphertext")]
    Padding {
        /// The last decrypted byte.
        pad: u8,
    },
    /// The frame is shorter than its header, or its length field points past the data.
    #[error("decrypted frame needs {needed} bytes but has {available}")]
    Frame {
        /// The bytes the header and length field call for.
        needed: usize,
        /// The bytes there are, without padding.
        available: usize,
    },
    /// The decrypted XML is not UTF-8.
    #[error("decrypted xml is not utf-8 (invalid byte at offset {valid_up_to})")]
    NotUtf8 {
        /// Length of the valid prefix.
        valid_up_to: usize,
    },
    /// The message was encrypted for another account.
    #[error("message is for appid {found:?}, not {expected:?}")]
    AppId {
        /// This account's appid.
        expected: String,
        /// The appid in the message (lossily decoded).
        found: String,
    },
}

/// One account's message crypto: the AES key from its EncodingAESKey, its token and appid.
///
/// Build it once at start-up and share it; `Clone` copies the expanded key. `Debug` shows the
/// appid only.
///
/// ```
/// use wxbot::crypto::{MsgCrypt, find_encrypt};
///
/// let key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
/// let crypt = MsgCrypt::new(key, "testtoken", "wx0123456789abcdef")?;
///
/// // An encrypted reply, and how the other side opens it.
/// let reply = "<xml><Content><![CDATA[hi]]></Content></xml>";
/// let sealed = crypt.seal(reply, "1700000000", "abc123");
/// let encrypt = find_encrypt(sealed.as_bytes())?;
/// let msg_signature = crypt.msg_signature("1700000000", "abc123", &encrypt);
/// assert_eq!(crypt.open(&msg_signature, "1700000000", "abc123", &encrypt)?, reply);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct MsgCrypt {
    cipher: Aes256,
    /// WXBizMsgCrypt's IV is the key's first 16 bytes, for every message.
    iv: [u8; 16],
    token: String,
    appid: String,
}

impl fmt::Debug for MsgCrypt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MsgCrypt")
            .field("appid", &self.appid)
            .finish_non_exhaustive()
    }
}

/// The AES-256 key of an EncodingAESKey, or why it is unusable (configuration checks it
/// without building the crypto).
pub(crate) fn decode_key(encoding_aes_key: &str) -> Result<[u8; 32], KeyError> {
    let chars = encoding_aes_key.chars().count();
    if chars != KEY_CHARS {
        return Err(KeyError::Length { chars });
    }
    let bytes = KEY_BASE64
        .decode(format!("{encoding_aes_key}="))
        .map_err(|err| KeyError::Base64 {
            reason: err.to_string(),
        })?;
    bytes
        .as_slice()
        .try_into()
        .map_err(|_| KeyError::Size { bytes: bytes.len() })
}

impl MsgCrypt {
    /// The crypto of the account with this EncodingAESKey, token and appid.
    ///
    /// The key is the 43 characters shown in the console, decoded as `base64(key + "=")`
    /// with its discarded trailing bits allowed.
    pub fn new(encoding_aes_key: &str, token: &str, appid: &str) -> Result<Self, KeyError> {
        let key = decode_key(encoding_aes_key)?;
        let mut iv = [0; 16];
        iv.copy_from_slice(&key[..16]);
        Ok(Self {
            cipher: Aes256::new(&key.into()),
            iv,
            token: token.to_owned(),
            appid: appid.to_owned(),
        })
    }

    /// The appid messages must carry.
    pub fn appid(&self) -> &str {
        &self.appid
    }

    /// The XML of an encrypted callback: checks `msg_signature` (hex, any case) over the
    /// token, `timestamp`, `nonce` and `encrypt` in constant time, then decrypts and checks
    /// the frame and the appid.
    ///
    /// `encrypt` is the `<Encrypt>` text ([`find_encrypt`]); the other three come from the query.
    pub fn open(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> Result<String, CryptoError> {
        // The signature first: CBC carries no MAC, so this is what makes the ciphertext
        // authentic, and decrypt's distinct errors are never a padding oracle for a forger.
        let parts = &mut [self.token.as_str(), timestamp, nonce, encrypt];
        if !signature::verify(parts, msg_signature) {
            return Err(CryptoError::BadSignature);
        }
        self.decrypt(encrypt)
    }

    /// Encrypts `reply_xml` into WeChat's reply envelope, signed over `timestamp` (Unix
    /// seconds) and `nonce`, with a fresh random prefix:
    /// `<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`.
    ///
    /// # Panics
    ///
    /// If the operating system's random source fails, or `reply_xml` is 4 GiB or longer.
    pub fn seal(&self, reply_xml: &str, timestamp: &str, nonce: &str) -> String {
        let encrypt = self.encrypt(reply_xml, &fresh_random());
        self.envelope(&encrypt, timestamp, nonce)
    }

    /// The base64 ciphertext of `xml`: `random ‖ len(u32 BE) ‖ xml ‖ appid`, PKCS#7-padded
    /// to 32 bytes, AES-256-CBC. [`seal`](Self::seal) draws `random` afresh for every reply;
    /// a fixed one gives a reproducible ciphertext, for tests.
    ///
    /// # Panics
    ///
    /// If `xml` is 4 GiB or longer: the frame's length field is a `u32`.
    pub(crate) fn encrypt(&self, xml: &str, random: &[u8; 16]) -> String {
        let mut frame = frame::build(random, xml, &self.appid);
        // The frame is whole 32-byte pad blocks, so whole AES blocks: no tail.
        let (blocks, _) = aes::Block::slice_as_chunks_mut(&mut frame);
        cbc::Encryptor::<&Aes256>::inner_iv_init(&self.cipher, &self.iv.into())
            .encrypt_blocks(blocks);
        STANDARD.encode(&frame)
    }

    /// The XML inside a base64 ciphertext, once its padding, length field, appid and UTF-8
    /// hold. It does not check `msg_signature`: [`open`](Self::open) does, then calls this.
    pub(crate) fn decrypt(&self, encrypt: &str) -> Result<String, CryptoError> {
        let mut frame = STANDARD
            .decode(encrypt)
            .map_err(|err| CryptoError::Base64 {
                reason: err.to_string(),
            })?;
        // Whole AES blocks, and two at least: 20 bytes of header and 1 of padding.
        if frame.len() % 16 != 0 || frame.len() < 32 {
            return Err(CryptoError::Length { len: frame.len() });
        }
        let (blocks, _) = aes::Block::slice_as_chunks_mut(&mut frame);
        cbc::Decryptor::<&Aes256>::inner_iv_init(&self.cipher, &self.iv.into())
            .decrypt_blocks(blocks);
        frame::open(frame, &self.appid)
    }
}

/// A fresh random frame prefix.
///
/// # Panics
///
/// If the operating system's random source fails.
fn fresh_random() -> [u8; 16] {
    let mut random = [0; 16];
    getrandom::fill(&mut random).expect("the operating system's random source failed");
    random
}

/// The ciphertext of an encrypted callback body: the text of its `<Encrypt>` element.
///
/// A safe-mode body is `<xml><ToUserName/><Encrypt/></xml>`; a compatible-mode body has the
/// plaintext fields as well. The body is walked by the same scanner as a plain one, so a
/// DOCTYPE, an undefined entity or a second root is refused here too.
///
/// ```
/// let body = b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName>\
///     <Encrypt><![CDATA[c2VjcmV0]]></Encrypt></xml>";
/// assert_eq!(wxbot::crypto::find_encrypt(body).unwrap(), "c2VjcmV0");
/// ```
pub fn find_encrypt(body: &[u8]) -> Result<Cow<'_, str>, CryptoError> {
    let text = xml::utf8(body).map_err(CryptoError::Envelope)?;
    let fields = xml::scan(text).map_err(CryptoError::Envelope)?;
    fields
        .leaves
        .into_iter()
        .find(|leaf| leaf.name == "Encrypt")
        .map(|leaf| leaf.value)
        .filter(|value| !value.is_empty())
        .ok_or(CryptoError::MissingEncrypt)
}
