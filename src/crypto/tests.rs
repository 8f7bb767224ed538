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

#[test]
fn bad_base64_is_base64() {
    let crypt = text().crypt();
    for input in ["not base64!", "QUJD=", "QUJDRA"] {
        let result = crypt.decrypt(input);
        assert!(
            matches!(result, Err(CryptoError::Base64 { .. })),
            "{input}: {result:?}"
        );
    }
}

#[test]
fn partial_or_short_blocks_are_length() {
    let crypt = text().crypt();
    for len in [0, 1, 15, 16, 17, 31, 33, 40] {
        let result = crypt.decrypt(&STANDARD.encode(vec![0u8; len]));
        assert_eq!(result, Err(CryptoError::Length { len }), "{len}");
    }
}

#[test]
fn bad_padding_is_padding() {
    let v = text();
    let crypt = v.crypt();
    let xml = b"<xml/>wx0123456789abcdef";
    let frame = |tail: &[u8]| forged(&v, 6, xml, tail);
    // 16 + 4 + 24 = 44 bytes; 20 more make 64.
    let mut inconsistent = [20u8; 20];
    inconsistent[3] = 19;
    for (tail, pad) in [
        ([0u8; 20], 0),
        ([33u8; 20], 33),
        ([255u8; 20], 255),
        (inconsistent, 20),
    ] {
        assert_eq!(
            crypt.decrypt(&frame(&tail)),
            Err(CryptoError::Padding { pad }),
            "{pad}"
        );
    }
    assert_eq!(crypt.decrypt(&frame(&[20u8; 20])).as_deref(), Ok("<xml/>"));
}

#[test]
fn a_length_field_beyond_the_data_is_frame() {
    let v = text();
    let crypt = v.crypt();
    let frame = |declared: u32| forged(&v, declared, b"<xml/>wx0123456789abcdef", &[20u8; 20]);
    assert_eq!(
        crypt.decrypt(&frame(25)),
        Err(CryptoError::Frame {
            needed: 45,
            available: 44
        })
    );
    assert!(matches!(
        crypt.decrypt(&frame(u32::MAX)),
        Err(CryptoError::Frame { .. })
    ));
    // A length that eats the appid leaves the wrong one.
    assert!(matches!(
        crypt.decrypt(&frame(24)),
        Err(CryptoError::AppId { .. })
    ));
}

#[test]
fn another_accounts_message_is_appid_with_both() {
    let v = text();
    let other = MsgCrypt::new(&v.encoding_aes_key, &v.token, "wxffffffffffffffff").expect("key");
    let encrypt = other.encrypt("<xml/>", &[1; 16]);
    assert_eq!(
        v.crypt().decrypt(&encrypt),
        Err(CryptoError::AppId {
            expected: v.appid,
            found: "wxffffffffffffffff".to_owned()
        })
    );
}

#[test]
fn non_utf8_xml_is_not_utf8() {
    let v = text();
    let mut xml = b"<xml>\xff</xml>".to_vec();
    xml.extend_from_slice(v.appid.as_bytes());
    // 16 + 4 + 12 + 18 = 50 bytes; 14 more make 64.
    let encrypt = forged(&v, 12, &xml, &[14u8; 14]);
    assert_eq!(
        v.crypt().decrypt(&encrypt),
        Err(CryptoError::NotUtf8 { valid_up_to: 5 })
    );
}

/// The frame `v`'s ciphertext holds, byte for byte: `random ‖ len ‖ xml ‖ appid ‖ pad`.
fn frame_of(v: &Vector) -> Vec<u8> {
    let mut frame = v.random_prefix.as_bytes().to_vec();
    frame.extend_from_slice(&(v.plaintext.len() as u32).to_be_bytes());
    frame.extend_from_slice(v.plaintext.as_bytes());
    frame.extend_from_slice(v.appid.as_bytes());
    frame.extend(std::iter::repeat_n(v.pad_len as u8, v.pad_len));
    frame
}

/// What opening `v`'s ciphertext with one bit damaged must give. In CBC, damage in
/// ciphertext block `b` turns plaintext block `b` into bytes no one can predict without the key
/// (`garbled`) and flips the same bit in the same place of block `b + 1` (`flipped`, absent in
/// the last block). The checks run in order — padding, length field, appid, UTF-8 — so the
/// first region the damage reaches names the error. Where only garbled bytes decide a field,
/// the kind of error and the fields the damage cannot reach are asserted.
fn assert_damage_is_named(v: &Vector, at: usize, opened: &Result<String, CryptoError>) {
    let frame = frame_of(v);
    let (total, xml_len) = (frame.len(), v.plaintext.len());
    let (xml_end, appid_end) = (20 + xml_len, 20 + xml_len + v.appid.len());
    let garbled = at / 16 * 16..at / 16 * 16 + 16;
    let flipped = Some(at + 16).filter(|&f| f < total);
    let flipped_in = |from: usize, to: usize| flipped.filter(|f| (from..to).contains(f));
    let garbles = |from: usize, to: usize| garbled.start < to && from < garbled.end;
    let what = format!("{}: bit 7 of ciphertext byte {at}", v.name);
    let pad = v.pad_len as u8;
    // Padding: the last byte garbled; else a pad byte flipped (the last one out of range, any
    // other breaking the run).
    if garbled.contains(&(total - 1)) {
        assert!(
            matches!(opened, Err(CryptoError::Padding { .. })),
            "{what}: {opened:?}"
        );
        return;
    }
    if let Some(f) = flipped_in(appid_end, total) {
        let last = if f == total - 1 { pad ^ 0x80 } else { pad };
        assert_eq!(*opened, Err(CryptoError::Padding { pad: last }), "{what}");
        return;
    }
    // The length field: garbled, it points past the data (a random u32 lands within the
    // frame's few hundred bytes about once in ten million, and these vectors' do not);
    // flipped, it is the declared length with that bit flipped, exactly.
    if garbles(16, 20) {
        assert!(
            matches!(opened, Err(CryptoError::Frame { needed, available })
                if *available == appid_end && *needed > appid_end),
            "{what}: {opened:?}"
        );
        return;
    }
    if let Some(f) = flipped_in(16, 20) {
        let declared = xml_len ^ (0x80 << (8 * (19 - f)));
        let expected = if 20 + declared > appid_end {
            CryptoError::Frame {
                needed: 20 + declared,
                available: appid_end,
            }
        } else {
            // A shorter length moves the end of the xml: what follows it is taken as the appid.
            CryptoError::AppId {
                expected: v.appid.clone(),
                found: String::from_utf8_lossy(&frame[20 + declared..appid_end]).into_owned(),
            }
        };
        assert_eq!(*opened, Err(expected), "{what}");
        return;
    }
    // The appid: garbled, it differs; flipped, it is the appid with that bit flipped.
    if garbles(xml_end, appid_end) {
        assert!(
            matches!(opened, Err(CryptoError::AppId { expected, found })
                if *expected == v.appid && *found != v.appid),
            "{what}: {opened:?}"
        );
        return;
    }
    if let Some(f) = flipped_in(xml_end, appid_end) {
        let mut appid = v.appid.clone().into_bytes();
        appid[f - xml_end] ^= 0x80;
        let found = String::from_utf8_lossy(&appid).into_owned();
        let expected = v.appid.clone();
        assert_eq!(
            *opened,
            Err(CryptoError::AppId { expected, found }),
            "{what}"
        );
        return;
    }
    // What is left reaches the xml only (the random prefix is never checked). Bit 7 flipped
    // in UTF-8 is never UTF-8 (ASCII becomes a lone continuation or lead byte, a continuation
    // becomes ASCII after its lead, a lead becomes ASCII before its continuations).
    let flipped = flipped.expect("a block before the xml's end has a next block");
    let xml_at = flipped - 20;
    if !garbles(20, xml_end) {
        let mut xml = v.plaintext.clone().into_bytes();
        xml[xml_at] ^= 0x80;
        let valid_up_to = std::str::from_utf8(&xml)
            .expect_err("bit 7 flipped")
            .valid_up_to();
        assert_eq!(*opened, Err(CryptoError::NotUtf8 { valid_up_to }), "{what}");
        return;
    }
    // Garbled xml: valid up to the character the garbled block starts in at least, and not
    // past the flipped byte after it.
    let first_garbled = garbled.start.max(20) - 20;
    let intact = (0..=first_garbled)
        .rev()
        .find(|&i| v.plaintext.is_char_boundary(i))
        .unwrap_or(0);
    assert!(
        matches!(opened, Err(CryptoError::NotUtf8 { valid_up_to })
            if (intact..=xml_at).contains(valid_up_to)),
        "{what}: {opened:?}, expected NotUtf8 in {intact}..={xml_at}"
    );
}

#[test]
fn damaged_ciphertexts_and_wrong_keys_fail_with_the_error_of_what_they_reach() {
    for v in vectors() {
        let crypt = v.crypt();
        let frame = frame_of(&v);
        let bytes = STANDARD.decode(&v.encrypt).expect("base64");
        // The model of the frame is right: it is what the vector encrypts.
        assert_eq!(
            aes_encrypt(&v.key(), frame.clone()),
            v.encrypt,
            "{}",
            v.name
        );
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x80;
            assert_damage_is_named(&v, at, &crypt.decrypt(&STANDARD.encode(&damaged)));
            // Cut short: not whole blocks (or under two) is a length error; whole blocks
            // decrypt to the frame's first bytes, whose last byte is text, not a pad run.
            let cut = crypt.decrypt(&STANDARD.encode(&bytes[..at]));
            let expected = if at % 16 != 0 || at < 32 {
                CryptoError::Length { len: at }
            } else {
                CryptoError::Padding { pad: frame[at - 1] }
            };
            assert_eq!(cut, Err(expected), "{}: cut at {at}", v.name);
        }
        // The lowest bit of the last pad byte: a pad of `pad_len ^ 1` is not what precedes it.
        let mut damaged = bytes.clone();
        let last = bytes.len() - 17;
        damaged[last] ^= 0x01;
        assert_eq!(
            crypt.decrypt(&STANDARD.encode(&damaged)),
            Err(CryptoError::Padding {
                pad: v.pad_len as u8 ^ 0x01
            }),
            "{}",
            v.name
        );
        // Another key garbles every block, the last one too.
        let wrong_key = MsgCrypt::new(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq",
            &v.token,
            &v.appid,
        )
        .expect("key");
        let opened = wrong_key.decrypt(&v.encrypt);
        assert!(
            matches!(opened, Err(CryptoError::Padding { .. })),
            "{}: {opened:?}",
            v.name
        );
    }
}

#[test]
fn find_encrypt_refuses_what_a_plain_body_would() {
    let doctype = "<!DOCTYPE xml [<!ENTITY a \"b\">]><xml><Encrypt>&a;</Encrypt></xml>";
    let cases: [(&[u8], CryptoError); 5] = [
        (doctype.as_bytes(), CryptoError::Envelope(XmlError::DocType)),
        (
            b"<xml><Encrypt>\xff</Encrypt></xml>",
            CryptoError::Envelope(XmlError::NotUtf8 { valid_up_to: 14 }),
        ),
        (
            b"<xml><ToUserName>gh</ToUserName></xml>",
            CryptoError::MissingEncrypt,
        ),
        (
            b"<xml><Encrypt></Encrypt></xml>",
            CryptoError::MissingEncrypt,
        ),
        (b"<xml><Encrypt/></xml>", CryptoError::MissingEncrypt),
    ];
    for (body, error) in cases {
        assert_eq!(find_encrypt(body), Err(error));
    }
    assert!(matches!(
        find_encrypt(b"<xml><Encrypt>abc</xml>"),
        Err(CryptoError::Envelope(XmlError::Malformed { .. }))
    ));
}

#[test]
fn keys_with_trailing_bits_decode_to_wechatpys_bytes() {
    for v in vectors() {
        assert_ne!(v.key_trailing_bits, 0, "{}", v.name);
        // A strict decoder refuses these keys (binarywang/WxJava#1454); ours must not.
        assert!(STANDARD.decode(format!("{}=", v.encoding_aes_key)).is_err());
        // Encrypting with wechatpy's key bytes by hand gives what MsgCrypt gives.
        let frame_by_hand = {
            let mut plain = v.random_prefix.as_bytes().to_vec();
            plain.extend_from_slice(&(v.plaintext.len() as u32).to_be_bytes());
            plain.extend_from_slice(v.plaintext.as_bytes());
            plain.extend_from_slice(v.appid.as_bytes());
            plain.extend(std::iter::repeat_n(v.pad_len as u8, v.pad_len));
            aes_encrypt(&v.key(), plain)
        };
        assert_eq!(v.crypt().encrypt(&v.plaintext, &v.prefix()), frame_by_hand);
    }
}

#[test]
fn bad_keys_say_why() {
    let good = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    let new = |key: &str| MsgCrypt::new(key, "testtoken", "wx1").map(|_| ());
    assert_eq!(new(&good[1..]), Err(KeyError::Length { chars: 42 }));
    assert_eq!(
        new(&format!("{good}H")),
        Err(KeyError::Length { chars: 44 })
    );
    assert_eq!(new(""), Err(KeyError::Length { chars: 0 }));
    // Counted in characters: 43 of them, one not ASCII, is still not base64.
    let accented = format!("{}é", &good[1..]);
    assert!(matches!(new(&accented), Err(KeyError::Base64 { .. })));
    for bad in ["-", "_", "!", " "] {
        let key = format!("{}{bad}{}", &good[..10], &good[11..]);
        assert!(matches!(new(&key), Err(KeyError::Base64 { .. })), "{bad:?}");
    }
    // `=` is base64's padding: in the last place it shortens the key.
    assert_eq!(
        new(&format!("{}=", &good[..42])),
        Err(KeyError::Size { bytes: 31 })
    );
    let err = new(&good[2..]).expect_err("short");
    assert_eq!(
        err.to_string(),
        "EncodingAESKey must be 43 characters, not 41"
    );
}

#[test]
fn debug_never_shows_the_key_or_token() {
    let v = text();
    let shown = format!("{:?}", v.crypt());
    assert!(shown.contains(&v.appid), "{shown}");
    assert!(!shown.contains(&v.encoding_aes_key[..8]), "{shown}");
    assert!(!shown.contains(&v.token), "{shown}");
    assert!(!shown.contains(&v.key_hex[..8]), "{shown}");
}
