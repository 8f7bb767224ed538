//! Every way a ciphertext or a key can be wrong, each with its own error: bad base64, short
//! blocks, padding, length fields, another account, bad UTF-8, damage anywhere, bad keys.

use super::*;

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
