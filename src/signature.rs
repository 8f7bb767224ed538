//! The callback signatures: `sha1` over the sorted parts, compared in constant time.
//!
//! WeChat signs the URL verification and every POST with `sha1(sort(token, timestamp, nonce))`
//! and, in safe mode, the ciphertext with `sha1(sort(token, timestamp, nonce, encrypt))`.

use sha1::{Digest, Sha1};

/// The lowercase hex `sha1` of the parts, sorted bytewise and joined without separators
/// (`testtoken`, `1700000000`, `abc123` → `14868ea7d291f628c164a0e57f9a7da1bade4e37`).
pub(crate) fn sign(parts: &mut [&str]) -> String {
    let hex = hex(&digest(parts));
    hex.iter().map(|&b| char::from(b)).collect()
}

/// Whether `signature` (hex, any case) is the signature of `parts`, compared in constant time.
pub(crate) fn verify(parts: &mut [&str], signature: &str) -> bool {
    // On the stack: this runs on every callback.
    let expected = hex(&digest(parts));
    let given = signature.as_bytes();
    if given.len() != expected.len() {
        return false;
    }
    // Constant time: every byte is compared whatever the first mismatch.
    expected
        .iter()
        .zip(given)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b.to_ascii_lowercase()))
        == 0
}

fn digest(parts: &mut [&str]) -> [u8; 20] {
    parts.sort_unstable();
    let mut hasher = Sha1::new();
    for part in parts.iter() {
        hasher.update(part.as_bytes());
    }
    hasher.finalize().into()
}

fn hex(bytes: &[u8; 20]) -> [u8; 40] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0; 40];
    for (i, byte) in bytes.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(byte >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(byte & 0xf)];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // A known answer: the sorted parts join to `1700000000abc123testtoken`.
    const KNOWN: &str = "14868ea7d291f628c164a0e57f9a7da1bade4e37";

    #[test]
    fn known_answer_in_any_order() {
        assert_eq!(sign(&mut ["testtoken", "1700000000", "abc123"]), KNOWN);
        assert_eq!(sign(&mut ["abc123", "testtoken", "1700000000"]), KNOWN);
    }

    #[test]
    fn verify_accepts_uppercase_and_rejects_others() {
        assert!(verify(&mut ["testtoken", "1700000000", "abc123"], KNOWN));
        assert!(verify(
            &mut ["testtoken", "1700000000", "abc123"],
            &KNOWN.to_ascii_uppercase()
        ));
        assert!(!verify(&mut ["testtoken", "1700000001", "abc123"], KNOWN));
        assert!(!verify(
            &mut ["testtoken", "1700000000", "abc123"],
            &KNOWN[1..]
        ));
        assert!(!verify(&mut ["testtoken", "1700000000", "abc123"], ""));
    }
}
