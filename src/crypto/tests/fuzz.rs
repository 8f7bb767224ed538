//! Whatever arrives — any body, any text or base64 as a ciphertext, any decrypted frame — is
//! opened or refused with an error, never a panic; and a forbidden character is refused in
//! the envelope and in the message it carries alike.

use proptest::prelude::*;

use super::*;
use crate::xml;

/// `xml` and the account's appid framed as WeChat does, with the length field `declared`
/// and PKCS#7 padding to 32 bytes, encrypted with `v`'s key.
fn framed(v: &Vector, declared: u32, xml: &[u8]) -> String {
    let mut plain = b"0123456789abcdef".to_vec();
    plain.extend_from_slice(&declared.to_be_bytes());
    plain.extend_from_slice(xml);
    plain.extend_from_slice(v.appid.as_bytes());
    let pad = 32 - plain.len() % 32;
    plain.extend(std::iter::repeat_n(pad as u8, pad));
    aes_encrypt(&v.key(), plain)
}

#[test]
fn a_forbidden_character_in_the_envelope_is_refused() {
    let body = b"<xml><ToUserName>gh\x00</ToUserName><Encrypt>c2VjcmV0</Encrypt></xml>";
    assert_eq!(
        find_encrypt(body),
        Err(CryptoError::Envelope(XmlError::Forbidden {
            code: 0,
            position: 19,
            reference: false
        }))
    );
    let reference = b"<xml><Encrypt>c2Vj&#x1F;cmV0</Encrypt></xml>";
    assert!(matches!(
        find_encrypt(reference),
        Err(CryptoError::Envelope(XmlError::Forbidden {
            code: 0x1f,
            ..
        }))
    ));
}

/// The crypto opens what the key opens; the walk every message goes through refuses it
/// (`message::parse` answers 400 with this error; through a bot in `tests/it/hardened.rs`).
#[test]
fn a_forbidden_character_in_the_decrypted_message_is_refused_by_the_walk() {
    let v = text();
    let crypt = v.crypt();
    let xml = v.plaintext.replacen("<Content>", "<Content>&#1;", 1);
    let opened = crypt
        .decrypt(&crypt.encrypt(&xml, &v.prefix()))
        .expect("opens");
    assert!(matches!(
        xml::scan(&opened),
        Err(XmlError::Forbidden { code: 1, .. })
    ));
}

/// A ciphertext: any text, base64 of any bytes, or base64 of whole blocks (which reach the
/// padding and frame checks).
fn ciphertext() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(any::<char>(), 0..80).prop_map(String::from_iter),
        proptest::collection::vec(any::<u8>(), 0..96).prop_map(|b| STANDARD.encode(b)),
        (1usize..6, any::<u64>()).prop_map(|(blocks, seed)| {
            let bytes: Vec<u8> = (0..blocks * 16)
                .map(|i| (seed.rotate_left(i as u32 % 64) as u8) ^ i as u8)
                .collect();
            STANDARD.encode(bytes)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_body_yields_a_ciphertext_or_an_error(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = find_encrypt(&body);
        let mut wrapped = b"<xml><Encrypt>".to_vec();
        wrapped.extend_from_slice(&body);
        wrapped.extend_from_slice(b"</Encrypt></xml>");
        let _ = find_encrypt(&wrapped);
    }

    #[test]
    fn any_ciphertext_opens_or_is_refused(encrypt in ciphertext()) {
        let crypt = text().crypt();
        let _ = crypt.decrypt(&encrypt);
        // Signed, so the signature check passes and the decryption is reached.
        let signature = crypt.msg_signature("17", "n", &encrypt);
        let _ = crypt.open(&signature, "17", "n", &encrypt);
        let _ = crypt.open_reply(&encrypt);
    }

    /// A frame whose plaintext is any bytes and whose length field is near or far from the
    /// truth: the XML (then walked, as the parser would) or an error.
    #[test]
    fn any_frame_opens_or_is_refused(
        xml in proptest::collection::vec(any::<u8>(), 0..128),
        skew in prop_oneof![Just(0i64), -40i64..40, Just(i64::from(u32::MAX))],
    ) {
        let v = text();
        let declared = (xml.len() as i64 + skew).clamp(0, i64::from(u32::MAX)) as u32;
        let opened = v.crypt().decrypt(&framed(&v, declared, &xml));
        if skew == 0 {
            prop_assert_eq!(opened.is_ok(), std::str::from_utf8(&xml).is_ok());
        }
        if let Ok(opened) = opened {
            let _ = xml::scan(&opened);
        }
    }
}
