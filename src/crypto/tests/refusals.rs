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
