//! The WXBizMsgCrypt plaintext frame, before AES and after it:
//! `random(16) ‖ len(u32 BE) ‖ xml ‖ appid`, PKCS#7-padded to a multiple of 32 bytes.
//!
//! Pure byte work: no key, no cipher. `MsgCrypt` encrypts what [`build`] returns and hands
//! what it decrypted to [`open`].

use super::CryptoError;

/// WXBizMsgCrypt pads to 32-byte blocks although AES's block is 16 (its `PKCS7Encoder`
/// has `block_size = 32`); `cbc`'s own `Pkcs7` pads to 16, hence padding by hand.
pub(super) const PAD_BLOCK: usize = 32;
/// The random prefix: the sender's, never checked.
const RANDOM: usize = 16;
/// The random prefix and the big-endian `u32` length of the XML.
const HEADER: usize = RANDOM + 4;

/// The frame for `xml` from `appid`, padded and ready for AES-256-CBC.
///
/// # Panics
///
/// If `xml` is 4 GiB or longer: the frame's length field is a `u32`.
pub(super) fn build(random: &[u8; RANDOM], xml: &str, appid: &str) -> Vec<u8> {
    let xml_len = u32::try_from(xml.len()).expect("a message under 4 GiB (u32 length field)");
    let unpadded = HEADER + xml.len() + appid.len();
    let mut frame = Vec::with_capacity(unpadded + pad_len(unpadded));
    frame.extend_from_slice(random);
    // Network byte order, as WXBizMsgCrypt's `htonl`.
    frame.extend_from_slice(&xml_len.to_be_bytes());
    frame.extend_from_slice(xml.as_bytes());
    frame.extend_from_slice(appid.as_bytes());
    pad(&mut frame);
    frame
}

/// The XML of a decrypted frame, once its padding, length field and appid hold.
///
/// The frame is reused as the string's buffer, so the XML is not copied.
pub(super) fn open(mut frame: Vec<u8>, appid: &str) -> Result<String, CryptoError> {
    let end = unpad(&frame)?;
    if end < HEADER {
        return Err(CryptoError::Frame {
            needed: HEADER,
            available: end,
        });
    }
    let declared = u32::from_be_bytes([frame[16], frame[17], frame[18], frame[19]]);
    // Saturating: on a 32-bit target a hostile length must fail the bound, not wrap past it.
    let xml_end = usize::try_from(declared).map_or(usize::MAX, |len| HEADER.saturating_add(len));
    if xml_end > end {
        return Err(CryptoError::Frame {
            needed: xml_end,
            available: end,
        });
    }
    let found = &frame[xml_end..end];
    if found != appid.as_bytes() {
        return Err(CryptoError::AppId {
            expected: appid.to_owned(),
            found: String::from_utf8_lossy(found).into_owned(),
        });
    }
    frame.truncate(xml_end);
    frame.drain(..HEADER);
    String::from_utf8(frame).map_err(|err| CryptoError::NotUtf8 {
        valid_up_to: err.utf8_error().valid_up_to(),
    })
}

/// How many pad bytes follow `len` bytes: 1..=32, a full block when `len` is aligned.
fn pad_len(len: usize) -> usize {
    PAD_BLOCK - len % PAD_BLOCK
}

/// Appends PKCS#7 padding to a multiple of 32 bytes.
fn pad(frame: &mut Vec<u8>) {
    let count = pad_len(frame.len());
    // `count` is 1..=32, so it fits a byte.
    frame.resize(frame.len() + count, count as u8);
}

/// The length of `frame` without its padding, when the padding is well-formed: the last byte
/// `n` is 1..=32 and the last `n` bytes all equal it.
///
/// Not constant time, and it need not be: `MsgCrypt::open` checks `msg_signature` over the
/// ciphertext first, so a forger cannot use this as a padding oracle.
fn unpad(frame: &[u8]) -> Result<usize, CryptoError> {
    let Some(&last) = frame.last() else {
        return Err(CryptoError::Padding { pad: 0 });
    };
    let count = usize::from(last);
    if !(1..=PAD_BLOCK).contains(&count) || count > frame.len() {
        return Err(CryptoError::Padding { pad: last });
    }
    let end = frame.len() - count;
    if frame[end..].iter().any(|&byte| byte != last) {
        return Err(CryptoError::Padding { pad: last });
    }
    Ok(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn padded(len: usize) -> Vec<u8> {
        let mut frame = vec![0xAA; len];
        pad(&mut frame);
        frame
    }

    #[test]
    fn pkcs7_pads_to_32_with_a_full_block_when_aligned() {
        let aligned = padded(64);
        assert_eq!(aligned.len(), 96);
        assert_eq!(aligned[64..], [32u8; 32]);
        assert_eq!(padded(0), vec![32u8; 32]);
        let short = padded(33);
        assert_eq!(short.len(), 64);
        assert_eq!(short[33..], [31u8; 31]);
        let one = padded(31);
        assert_eq!(one.len(), 32);
        assert_eq!(one[31], 1);
        // 16-aligned is not 32-aligned: a 16-byte pad, where `cbc`'s Pkcs7 would add a block.
        assert_eq!(padded(48)[48..], [16u8; 16]);
    }

    #[test]
    fn unpad_inverts_pad_for_every_length() {
        for len in 0..100 {
            assert_eq!(unpad(&padded(len)), Ok(len), "length {len}");
        }
    }

    #[test]
    fn unpad_refuses_out_of_range_and_inconsistent_pads() {
        let mut zero = padded(31);
        zero[31] = 0;
        assert_eq!(unpad(&zero), Err(CryptoError::Padding { pad: 0 }));
        let mut over = vec![33u8; 64];
        assert_eq!(unpad(&over), Err(CryptoError::Padding { pad: 33 }));
        over[63] = 4;
        over[61] = 5;
        assert_eq!(unpad(&over), Err(CryptoError::Padding { pad: 4 }));
        assert_eq!(unpad(&[2]), Err(CryptoError::Padding { pad: 2 }));
        assert_eq!(unpad(&[]), Err(CryptoError::Padding { pad: 0 }));
    }

    #[test]
    fn build_then_open_round_trips_and_lays_out_the_fields() {
        let frame = build(&[7; 16], "<xml/>", "wx1");
        assert_eq!(frame.len(), 32);
        assert_eq!(frame[..16], [7; 16]);
        assert_eq!(frame[16..20], [0, 0, 0, 6]);
        assert_eq!(&frame[20..29], b"<xml/>wx1");
        assert_eq!(frame[29..], [3, 3, 3]);
        assert_eq!(open(frame, "wx1").as_deref(), Ok("<xml/>"));
    }

    #[test]
    fn open_names_what_is_wrong() {
        let frame = build(&[0; 16], "<xml/>", "wx1");
        assert_eq!(
            open(frame.clone(), "wx2"),
            Err(CryptoError::AppId {
                expected: "wx2".to_owned(),
                found: "wx1".to_owned()
            })
        );
        let mut long = frame;
        long[19] = 200;
        assert_eq!(
            open(long, "wx1"),
            Err(CryptoError::Frame {
                needed: 220,
                available: 29
            })
        );
        let mut huge = build(&[0; 16], "", "");
        huge[16..20].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(open(huge, ""), Err(CryptoError::Frame { .. })));
        // 32 bytes that are all padding leave no room for the header.
        assert_eq!(
            open(vec![32; 32], ""),
            Err(CryptoError::Frame {
                needed: 20,
                available: 0
            })
        );
        let mut bad = build(&[0; 16], "ab", "wx1");
        bad[20] = 0xFF;
        assert_eq!(
            open(bad, "wx1"),
            Err(CryptoError::NotUtf8 { valid_up_to: 0 })
        );
    }
}
