//! The account the playground runs: what the configuration leaves empty is made up (nobody
//! needs to know a local bot's token or secret), and the mode is one the page can send in.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

use crate::config::{AccountConfig, Mode};
use crate::crypto::MsgCrypt;
use crate::secret::Secret;

/// Sets the bot's mode: compatible, which answers plain and encrypted messages alike, so
/// the page may send in any mode; safe stays safe. A plain account without a usable key gets
/// one made up; whether it did is the answer.
pub(super) fn choose_mode(account: &mut AccountConfig) -> bool {
    let key = account.encoding_aes_key.expose();
    let made_up = account.mode == Mode::Plain
        && match MsgCrypt::new(key, account.token.expose(), &account.appid) {
            Ok(_) => false,
            Err(_) if key.is_empty() => true,
            Err(err) => {
                tracing::warn!("account.encoding_aes_key: {err}; the playground makes one up");
                true
            }
        };
    if made_up {
        let mut bytes = [0; 32];
        getrandom::fill(&mut bytes).expect(RANDOM_FAILED);
        // 32 bytes are 43 base64 characters and a dropped `=`, as the console shows keys.
        account.encoding_aes_key = Secret::new(STANDARD_NO_PAD.encode(bytes));
    }
    if account.mode != Mode::Safe {
        account.mode = Mode::Compatible;
    }
    made_up
}

/// The panic when there is no randomness for the made-up secrets, as [`MsgCrypt::seal`]'s.
const RANDOM_FAILED: &str = "the operating system's random source failed";

/// Makes up what the account lacks: a local bot needs a token, and the emulator an appid and
/// a secret, but nobody needs to know them.
pub(super) fn fill(account: &mut AccountConfig) {
    let hex = |len: usize| {
        let mut out = String::new();
        while out.len() < len {
            out.push_str(&format!("{:016x}", getrandom::u64().expect(RANDOM_FAILED)));
        }
        out.truncate(len);
        out
    };
    if account.token.expose().is_empty() {
        account.token = Secret::new(format!("dev{}", hex(13)));
    }
    if account.appid.is_empty() {
        account.appid = format!("wx{}", hex(16));
    }
    if account.secret.expose().is_empty() {
        account.secret = Secret::new(hex(32));
    }
}
