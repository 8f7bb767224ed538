//! Safe mode's cost per callback: decrypt and encrypt a typical text message (~300 bytes of
//! XML, the `text` vector of `tests/fixtures/crypto/vectors.json`), with and without the
//! signature and envelope around them.
//!
//! `cargo bench --bench crypto` prints nanoseconds per operation: the median of a few timed
//! rounds of about 100 ms each.

use std::hint::black_box;
use std::time::{Duration, Instant};

use wxbot::crypto::{MsgCrypt, find_encrypt};

const ROUND: Duration = Duration::from_millis(100);
const ROUNDS: usize = 7;

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
    let prefix: [u8; 16] = text("random_prefix")
        .as_bytes()
        .try_into()
        .expect("16 bytes");

    println!(
        "safe mode, {} bytes of xml, {} of base64",
        xml.len(),
        encrypt.len()
    );
    bench("decrypt", || crypt.decrypt(black_box(encrypt)));
    bench("encrypt", || {
        crypt.encrypt(black_box(xml), black_box(&prefix))
    });
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

/// Times `op` and prints the median nanoseconds per call.
fn bench<T>(name: &str, mut op: impl FnMut() -> T) {
    // Calibrate: how many calls fill one round.
    let mut batch = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..batch {
            black_box(op());
        }
        if start.elapsed() >= ROUND / 10 {
            let per_call = start.elapsed().as_secs_f64() / batch as f64;
            batch = (ROUND.as_secs_f64() / per_call).ceil() as u64;
            break;
        }
        batch *= 2;
    }
    let mut rounds: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..batch {
                black_box(op());
            }
            start.elapsed().as_nanos() as f64 / batch as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    let (min, median) = (rounds[0], rounds[ROUNDS / 2]);
    println!("{name:<34} {median:>9.0} ns/op  (best {min:.0}, {batch} calls a round)");
}
