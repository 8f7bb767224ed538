//! Damage anywhere in a ciphertext fails with the error of the first check it reaches.

use super::*;

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
