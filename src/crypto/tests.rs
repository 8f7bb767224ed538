//! Safe mode against vectors computed outside wxbot (`fixtures/crypto/make_vectors.py`, with
//! wechatpy's `WeChatCrypto`): known ciphertexts and signatures, byte-identical encryption,
//! round trips, and every way a ciphertext or key can be wrong, each with its own error.

use super::{CryptoError, KeyError, MsgCrypt, find_encrypt};
use crate::signature;
use crate::xml::XmlError;
use aes::Aes256;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

/// Damage anywhere in a ciphertext: the error of the first check it reaches.
mod damage;
/// Any body, ciphertext or frame opens or is refused, never panics.
mod fuzz;
/// Every way a ciphertext or a key can be wrong, each with its own error.
mod refusals;

#[derive(Debug, Deserialize)]
struct Vectors {
    vectors: Vec<Vector>,
}

/// One line of `vectors.json`: an account, a message and what wechatpy made of them.
#[derive(Debug, Deserialize)]
struct Vector {
    name: String,
    token: String,
    encoding_aes_key: String,
    key_trailing_bits: u8,
    key_hex: String,
    appid: String,
    timestamp: String,
    nonce: String,
    random_prefix: String,
    plaintext: String,
    pad_len: usize,
    encrypt: String,
    msg_signature: String,
    envelope: String,
    safe_body: String,
}

impl Vector {
    fn crypt(&self) -> MsgCrypt {
        MsgCrypt::new(&self.encoding_aes_key, &self.token, &self.appid).expect("vector key")
    }

    fn key(&self) -> [u8; 32] {
        let bytes: Vec<u8> = (0..self.key_hex.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&self.key_hex[at..at + 2], 16).expect("hex"))
            .collect();
        bytes.try_into().expect("32 bytes")
    }

    fn prefix(&self) -> [u8; 16] {
        self.random_prefix.as_bytes().try_into().expect("16 bytes")
    }
}

fn vectors() -> Vec<Vector> {
    let json = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/crypto/vectors.json"
    ));
    serde_json::from_str::<Vectors>(json)
        .expect("vectors.json")
        .vectors
}

/// The bench account's vector: a text message with CJK, emoji and a split CDATA.
fn text() -> Vector {
    vectors()
        .into_iter()
        .find(|v| v.name == "text")
        .expect("text vector")
}

/// The text of `<tag>` in one of the flat envelopes here, CDATA or not.
fn field<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = xml.find(&open).expect("tag") + open.len();
    let end = start + xml[start..].find(&format!("</{tag}>")).expect("end tag");
    let value = &xml[start..end];
    value
        .strip_prefix("<![CDATA[")
        .and_then(|v| v.strip_suffix("]]>"))
        .unwrap_or(value)
}

/// AES-256-CBC of whole blocks with IV = key[..16], by the crates alone: no wxbot framing.
fn aes_encrypt(key: &[u8; 32], mut plain: Vec<u8>) -> String {
    let (blocks, tail) = aes::Block::slice_as_chunks_mut(&mut plain);
    assert!(tail.is_empty(), "whole blocks only");
    cbc::Encryptor::<Aes256>::new(key.into(), key[..16].try_into().expect("iv"))
        .encrypt_blocks(blocks);
    STANDARD.encode(&plain)
}

/// The recorded procedure, written out independently of wxbot: base64, AES-256-CBC, strip
/// PKCS#7, then `random(16) ‖ len ‖ xml ‖ appid`. Returns the pad, xml and appid.
fn decrypt_by_hand(key: &[u8; 32], encrypt: &str) -> (usize, String, String) {
    let mut plain = STANDARD.decode(encrypt).expect("base64");
    let (blocks, _) = aes::Block::slice_as_chunks_mut(&mut plain);
    cbc::Decryptor::<Aes256>::new(key.into(), key[..16].try_into().expect("iv"))
        .decrypt_blocks(blocks);
    let pad = usize::from(*plain.last().expect("not empty"));
    let body = &plain[16..plain.len() - pad];
    let len = u32::from_be_bytes(body[..4].try_into().expect("4 bytes")) as usize;
    let xml = String::from_utf8(body[4..4 + len].to_vec()).expect("utf-8");
    let appid = String::from_utf8(body[4 + len..].to_vec()).expect("utf-8");
    (pad, xml, appid)
}

/// A frame with the given fields and raw tail (pad bytes included), encrypted with `v`'s key.
fn forged(v: &Vector, declared_len: u32, xml: &[u8], tail: &[u8]) -> String {
    let mut plain = b"0123456789abcdef".to_vec();
    plain.extend_from_slice(&declared_len.to_be_bytes());
    plain.extend_from_slice(xml);
    plain.extend_from_slice(tail);
    aes_encrypt(&v.key(), plain)
}

#[test]
fn known_ciphertexts_decrypt_to_the_exact_xml() {
    for v in vectors() {
        assert_eq!(
            v.crypt().decrypt(&v.encrypt).as_deref(),
            Ok(&*v.plaintext),
            "{}",
            v.name
        );
    }
}

#[test]
fn known_msg_signatures_verify_and_open() {
    for v in vectors() {
        let parts = &mut [v.token.as_str(), &v.timestamp, &v.nonce, &v.encrypt];
        assert!(signature::verify(parts, &v.msg_signature), "{}", v.name);
        let opened = v
            .crypt()
            .open(&v.msg_signature, &v.timestamp, &v.nonce, &v.encrypt);
        assert_eq!(opened.as_deref(), Ok(&*v.plaintext), "{}", v.name);
    }
}

#[test]
fn wechatpy_envelopes_and_safe_bodies_open() {
    for v in vectors() {
        let crypt = v.crypt();
        let env = &v.envelope;
        let encrypt = find_encrypt(env.as_bytes()).expect("envelope");
        assert_eq!(encrypt, v.encrypt);
        let (sig, ts, nonce) = (
            field(env, "MsgSignature"),
            field(env, "TimeStamp"),
            field(env, "Nonce"),
        );
        assert_eq!(
            (sig, ts, nonce),
            (&*v.msg_signature, &*v.timestamp, &*v.nonce)
        );
        assert_eq!(
            crypt.open(sig, ts, nonce, &encrypt).as_deref(),
            Ok(&*v.plaintext)
        );

        let encrypt = find_encrypt(v.safe_body.as_bytes()).expect("safe body");
        let opened = crypt.open(&v.msg_signature, &v.timestamp, &v.nonce, &encrypt);
        assert_eq!(opened.as_deref(), Ok(&*v.plaintext), "{}", v.name);
    }
}

#[test]
fn compatible_bodies_yield_their_ciphertext() {
    let v = text();
    let compatible = v.plaintext.replace(
        "</xml>",
        &format!("<Encrypt><![CDATA[{}]]></Encrypt></xml>", v.encrypt),
    );
    assert_eq!(
        find_encrypt(compatible.as_bytes()).expect("body"),
        v.encrypt
    );
}

#[test]
fn encrypt_with_wechatpys_prefix_is_byte_identical() {
    for v in vectors() {
        let ours = v.crypt().encrypt(&v.plaintext, &v.prefix());
        assert_eq!(ours, v.encrypt, "{}", v.name);
    }
}

#[test]
fn aligned_frames_carry_a_full_block_of_padding() {
    let v = vectors()
        .into_iter()
        .find(|v| v.name == "aligned")
        .expect("aligned vector");
    assert_eq!(v.pad_len, 32);
    let (pad, xml, _) = decrypt_by_hand(&v.key(), &v.crypt().encrypt(&v.plaintext, &v.prefix()));
    assert_eq!((pad, xml), (32, v.plaintext));
}

#[test]
fn seal_writes_the_platforms_envelope_and_opens_again() {
    let v = text();
    let crypt = v.crypt();
    let sealed = crypt.seal(&v.plaintext, "1700000123", "nonce42");
    let encrypt = find_encrypt(sealed.as_bytes()).expect("sealed");
    let sig = signature::sign(&mut [v.token.as_str(), "1700000123", "nonce42", &encrypt]);
    let expected = format!(
        "<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt><MsgSignature><![CDATA[{sig}]]>\
         </MsgSignature><TimeStamp>1700000123</TimeStamp><Nonce><![CDATA[nonce42]]></Nonce></xml>"
    );
    assert_eq!(sealed, expected);
    let opened = crypt.open(&sig, "1700000123", "nonce42", &encrypt);
    assert_eq!(opened.as_deref(), Ok(&*v.plaintext));
    // Decryptable by the recorded procedure too, not only by our own `decrypt`.
    let (pad, xml, appid) = decrypt_by_hand(&v.key(), &encrypt);
    assert_eq!((pad, xml, appid), (v.pad_len, v.plaintext, v.appid));
}

#[test]
fn seal_draws_a_fresh_prefix_every_time() {
    let v = text();
    let crypt = v.crypt();
    let first = find_encrypt(crypt.seal("<xml/>", "1", "n").as_bytes())
        .expect("first")
        .into_owned();
    let second = crypt.seal("<xml/>", "1", "n");
    assert_ne!(first, find_encrypt(second.as_bytes()).expect("second"));
}

#[test]
fn seal_keeps_a_hostile_nonce_well_formed() {
    let v = text();
    let sealed = v.crypt().seal("<xml/>", "1&2", "a]]>b");
    assert!(
        sealed.contains("<TimeStamp>1&amp;2</TimeStamp>"),
        "{sealed}"
    );
    assert!(
        sealed.contains("<Nonce><![CDATA[a]]]]><![CDATA[>b]]></Nonce>"),
        "{sealed}"
    );
    assert!(find_encrypt(sealed.as_bytes()).is_ok());
}

#[test]
fn a_wrong_msg_signature_is_refused_before_decrypting() {
    let v = text();
    let crypt = v.crypt();
    let open = |sig: &str, ts: &str, encrypt: &str| crypt.open(sig, ts, &v.nonce, encrypt);
    let bad = Err(CryptoError::BadSignature);
    assert_eq!(open(&v.msg_signature, "1700000001", &v.encrypt), bad);
    assert_eq!(open(&v.msg_signature[1..], &v.timestamp, &v.encrypt), bad);
    assert_eq!(open("", &v.timestamp, &v.encrypt), bad);
    // The signature covers the ciphertext: garbage under a good query signature is a 403.
    assert_eq!(open(&v.msg_signature, &v.timestamp, "!!!"), bad);
    let upper = v.msg_signature.to_ascii_uppercase();
    assert!(open(&upper, &v.timestamp, &v.encrypt).is_ok());
}
