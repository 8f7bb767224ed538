//! Safe mode's cost per callback: open and seal a typical text message (~300 bytes of XML,
//! the `text` vector of `tests/fixtures/crypto/vectors.json`), signature and envelope
//! included.
//!
//! `cargo bench --bench crypto` prints nanoseconds per operation: the median of a few timed
//! rounds of about 100 ms each.

mod common;

use std::hint::black_box;

use common::bench;

use wxbot::crypto::{MsgCrypt, find_encrypt};

fn main() {
    let vectors: serde_json::Value =
        serde_json::from_str(wxbot::fixture!("crypto/vectors.json")).expect("vectors.json");
    let v = vectors["vectors"]
        .as_array()
        .and_then(|all| all.iter().find(|v| v["name"] == "text"))
        .expect("the text vector");
    let text = |key: &str| v[key].as_str().expect("a string field");
    let crypt = MsgCrypt::new(text("encoding_aes_key"), text("token"), text("appid")).expect("key");
    let (xml, encrypt, signature) = (text("plaintext"), text("encrypt"), text("msg_signature"));
    let (timestamp, nonce, body) = (text("timestamp"), text("nonce"), text("safe_body"));

    println!(
        "safe mode, {} bytes of xml, {} of base64",
        xml.len(),
        encrypt.len()
    );
    bench("find_encrypt (safe body)", || {
        find_encrypt(black_box(body.as_bytes())).map(|encrypt| encrypt.len())
    });
    bench("open (msg_signature + decrypt)", || {
        crypt.open(black_box(signature), timestamp, nonce, black_box(encrypt))
    });
    bench("seal (random + encrypt + sign)", || {
        crypt.seal(black_box(xml), timestamp, nonce)
    });
}
