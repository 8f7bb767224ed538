//! What [`TestBot::deliver`](super::TestBot::deliver) does in `safe` and `compatible` mode:
//! seal the request as WeChat does, open the sealed answer.

use crate::callback::CallbackQuery;
use crate::config::{Config, Mode};

use super::{NONCE, TIMESTAMP, TestResponse, signed};

/// `xml` sealed for `config`'s account as WeChat POSTs it in `mode`: the query with
/// `encrypt_type=aes` and `msg_signature`, and the body, `<xml><ToUserName/><Encrypt/></xml>`
/// in `safe` mode, `xml` with its `<Encrypt>` added in `compatible` mode.
///
/// # Panics
/// When `config` has no valid key for its mode.
pub(super) fn request(config: &Config, mode: Mode, xml: &str) -> (CallbackQuery, String) {
    let Ok(Some(crypt)) = config.crypt() else {
        panic!("TestBot::deliver: account.mode is {mode:?} but the key is missing or invalid");
    };
    let plaintext_too = mode == Mode::Compatible;
    let (body, msg_signature) = crypt.seal_callback(xml, plaintext_too, TIMESTAMP, NONCE);
    let query = CallbackQuery {
        encrypt_type: Some("aes".to_owned()),
        msg_signature: Some(msg_signature),
        ..signed(config)
    };
    (query, body)
}

/// The reply inside `answer`; `success` and refusals as they are.
///
/// # Panics
/// When `answer` is a 200 reply that is not sealed for `config`'s account.
pub(super) fn opened(config: &Config, answer: TestResponse) -> TestResponse {
    if answer.status != 200 || answer.is_success() {
        return answer;
    }
    match answer.open(config) {
        Some(reply) => reply,
        None => panic!(
            "TestBot::deliver: the reply is not sealed for the account: {}",
            answer.body
        ),
    }
}
