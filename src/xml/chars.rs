//! The characters a document may hold: XML 1.0 forbids the C0 controls but tab, LF and CR
//! (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F), raw or as a character reference, so a
//! body holding one is not well-formed (400). Accepting it would hand a handler text that no
//! reply can carry back: the reply writer drops these characters, and a `FromUserName` with
//! U+0000 would be answered to another user than the sender.
//!
//! The raw check is one pass over the bytes, on every callback; references are checked
//! where the walk resolves them (text) and only when a tag holds `&` (attributes). Inside
//! CDATA, comments and processing instructions `&#1;` is literal text and stays allowed.

use quick_xml::events::BytesRef;

use super::XmlError;

/// Bytes checked per step of the raw scan: a fold without an early exit over a fixed-size
/// array compiles to a few vector compares.
const LANES: usize = 32;

/// A byte that is a forbidden character by itself. In UTF-8 every byte below 0x20 is the
/// ASCII character of that value, never part of a longer sequence, so bytes suffice.
const fn forbidden_byte(b: u8) -> bool {
    // Bitwise `&` on purpose: no branch, so the chunk fold vectorizes.
    (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')
}

/// A code point XML 1.0 forbids that this check refuses: the C0 controls but tab, LF, CR.
const fn forbidden_code(code: u32) -> bool {
    code < 0x20 && forbidden_byte(code as u8)
}

/// The first forbidden raw character of `xml`, as an error naming it and its byte offset.
pub(super) fn check_raw(xml: &str) -> Result<(), XmlError> {
    let bytes = xml.as_bytes();
    match first_forbidden(bytes) {
        None => Ok(()),
        Some(at) => Err(XmlError::Forbidden {
            code: u32::from(bytes[at]),
            position: at as u64,
            reference: false,
        }),
    }
}

/// Where the first forbidden byte is. Whole chunks are tested without an early exit, then
/// the tail as a chunk padded with spaces, so the usual body (no such byte) never runs a
/// byte-at-a-time loop; only a body being refused is searched byte by byte.
fn first_forbidden(bytes: &[u8]) -> Option<usize> {
    let dirty = |chunk: &[u8; LANES]| chunk.iter().fold(false, |any, &b| any | forbidden_byte(b));
    let (chunks, tail) = bytes.as_chunks::<LANES>();
    let clean = chunks.iter().take_while(|chunk| !dirty(chunk)).count();
    if clean == chunks.len() {
        let mut last = [b' '; LANES];
        last[..tail.len()].copy_from_slice(tail);
        if !dirty(&last) {
            return None;
        }
    }
    let from = clean * LANES;
    bytes[from..]
        .iter()
        .position(|&b| forbidden_byte(b))
        .map(|i| from + i)
}

/// A reference in text at byte `at`: the five predefined entities and character references
/// are text; a reference to a forbidden character is [`XmlError::Forbidden`], anything else
/// [`XmlError::Entity`].
pub(super) fn resolve(reference: &BytesRef<'_>, at: usize) -> Result<char, XmlError> {
    let name: &str = reference.as_ref();
    let undefined = || XmlError::Entity(name.to_owned());
    if let Some(number) = name.strip_prefix('#') {
        let code = char_ref_code(number).ok_or_else(undefined)?;
        if forbidden_code(code) {
            return Err(XmlError::Forbidden {
                code,
                position: at as u64,
                reference: true,
            });
        }
        return char::from_u32(code).ok_or_else(undefined);
    }
    match name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        _ => Err(undefined()),
    }
}

/// The code point of a character reference's number (`x1F` or `31`): XML allows a lowercase
/// `x` only, and no sign. `None` when it is not a number or overflows.
fn char_ref_code(number: &str) -> Option<u32> {
    let (digits, radix) = match number.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    if digits.starts_with(['+', '-']) {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

/// The most characters between `&#` and `;` that can name a code point (`x0010FFFF`).
const LONGEST_REF: usize = 9;

/// The character references in a tag's attributes (`raw`, starting at byte `at` of the
/// document): one that names a forbidden character is refused. The walk reads no attribute
/// value, so this is their only check; a tag without `&` (every WeChat tag) costs one look
/// for that byte over its attributes, which WeChat's tags do not have.
pub(super) fn check_attribute_refs(raw: &[u8], at: usize) -> Result<(), XmlError> {
    let mut from = 0;
    while let Some(offset) = raw[from..].iter().position(|&b| b == b'&') {
        let amp = from + offset;
        from = amp + 1;
        let Some(rest) = raw[from..].strip_prefix(b"#") else {
            continue;
        };
        // A code point has at most 8 digits (`x10FFFF`, `1114111`): the `;` is looked for
        // only that far, so `&#&#&#…` without one stays linear.
        let Some(len) = rest.iter().take(LONGEST_REF + 1).position(|&b| b == b';') else {
            continue;
        };
        let code = std::str::from_utf8(&rest[..len])
            .ok()
            .and_then(char_ref_code);
        if let Some(code) = code.filter(|&code| forbidden_code(code)) {
            return Err(XmlError::Forbidden {
                code,
                position: (at + amp) as u64,
                reference: true,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
