//! The XML around a ciphertext, on both sides of the callback: the body WeChat POSTs in safe
//! and compatible modes, and the reply envelope `<xml><Encrypt/><MsgSignature/><TimeStamp/>
//! <Nonce/></xml>` the bot answers with.
//!
//! The bot seals replies and opens requests; WeChat (played by the emulator and the test
//! kit) seals requests and opens replies.

use super::{CryptoError, MsgCrypt, find_encrypt};
use crate::signature;
use crate::xml::{self, push_cdata};

impl MsgCrypt {
    /// The `msg_signature` of a ciphertext: the `sha1` of the sorted token, `timestamp`,
    /// `nonce` and `encrypt`, in lowercase hex.
    pub fn msg_signature(&self, timestamp: &str, nonce: &str, encrypt: &str) -> String {
        signature::sign(&mut [self.token.as_str(), timestamp, nonce, encrypt])
    }

    /// The reply inside an encrypted reply envelope, once its `MsgSignature` holds over its
    /// own `TimeStamp` and `Nonce`: what WeChat does with a safe-mode answer.
    ///
    /// A body with no `<Encrypt>` (`success`, a plain reply) is
    /// [`MissingEncrypt`](CryptoError::MissingEncrypt) or [`Envelope`](CryptoError::Envelope);
    /// an envelope without its signature fields is [`BadSignature`](CryptoError::BadSignature).
    ///
    /// ```
    /// use wxbot::crypto::MsgCrypt;
    ///
    /// let crypt = MsgCrypt::new("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "tok", "wx1")?;
    /// let sealed = crypt.seal("<xml><Content>hi</Content></xml>", "1700000000", "n1");
    /// assert_eq!(crypt.open_reply(&sealed)?, "<xml><Content>hi</Content></xml>");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_reply(&self, envelope: &str) -> Result<String, CryptoError> {
        let encrypt = find_encrypt(envelope.as_bytes())?;
        let fields = xml::scan(envelope).map_err(CryptoError::Envelope)?;
        let field = |name| fields.top(name).ok_or(CryptoError::BadSignature);
        let (msg_signature, timestamp, nonce) =
            (field("MsgSignature")?, field("TimeStamp")?, field("Nonce")?);
        self.open(msg_signature, timestamp, nonce, &encrypt)
    }

    /// `xml` as WeChat POSTs it encrypted, with a fresh random prefix: the body and the
    /// `msg_signature` for the query. The body is `<xml><ToUserName/><Encrypt/></xml>` (safe
    /// mode), or with `plaintext_too` `xml` itself with `<Encrypt>` added (compatible mode).
    #[cfg(feature = "emulator")]
    pub(crate) fn seal_callback(
        &self,
        xml: &str,
        plaintext_too: bool,
        timestamp: &str,
        nonce: &str,
    ) -> (String, String) {
        let encrypt = self.encrypt(xml, &super::fresh_random());
        let msg_signature = self.msg_signature(timestamp, nonce, &encrypt);
        let mut element = String::with_capacity(encrypt.len() + 40);
        element.push_str("<Encrypt>");
        push_cdata(&mut element, &encrypt);
        element.push_str("</Encrypt>");
        let body = if plaintext_too {
            // WeChat adds the ciphertext as the last field.
            match xml.rfind("</xml>") {
                Some(end) => format!("{}{element}{}", &xml[..end], &xml[end..]),
                None => format!("{xml}{element}"),
            }
        } else {
            let fields = xml::scan(xml).unwrap_or_default();
            let mut body = String::from("<xml><ToUserName>");
            push_cdata(&mut body, fields.top("ToUserName").unwrap_or_default());
            body.push_str("</ToUserName>");
            body.push_str(&element);
            body.push_str("</xml>");
            body
        };
        (body, msg_signature)
    }

    /// The reply envelope of the ciphertext `encrypt`, signed over `timestamp` and `nonce`.
    pub(super) fn envelope(&self, encrypt: &str, timestamp: &str, nonce: &str) -> String {
        let msg_signature = self.msg_signature(timestamp, nonce, encrypt);
        let mut out = String::with_capacity(encrypt.len() + timestamp.len() + nonce.len() + 190);
        // Base64 and hex never contain `]]>`: their CDATA needs no splitting.
        out.push_str("<xml><Encrypt><![CDATA[");
        out.push_str(encrypt);
        out.push_str("]]></Encrypt><MsgSignature><![CDATA[");
        out.push_str(&msg_signature);
        // TimeStamp is plain text, as in WXBizMsgCrypt's own replies.
        out.push_str("]]></MsgSignature><TimeStamp>");
        out.push_str(&quick_xml::escape::escape(timestamp));
        out.push_str("</TimeStamp><Nonce>");
        push_cdata(&mut out, nonce);
        out.push_str("</Nonce></xml>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    const XML: &str = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Content>hi</Content></xml>";

    fn crypt() -> MsgCrypt {
        MsgCrypt::new(KEY, "tok", "wx1").expect("key")
    }

    #[test]
    fn a_safe_body_carries_only_the_addressee_and_the_ciphertext() {
        let (body, msg_signature) = crypt().seal_callback(XML, false, "17", "n");
        let encrypt = find_encrypt(body.as_bytes()).expect("Encrypt");
        let expected = format!(
            "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        );
        assert_eq!(body, expected);
        assert_eq!(
            crypt().open(&msg_signature, "17", "n", &encrypt),
            Ok(XML.to_owned())
        );
    }

    #[test]
    fn a_compatible_body_keeps_the_plaintext_and_adds_the_ciphertext_last() {
        let (body, msg_signature) = crypt().seal_callback(XML, true, "17", "n");
        let encrypt = find_encrypt(body.as_bytes()).expect("Encrypt");
        assert!(body.starts_with(&XML[..XML.len() - 6]), "{body}");
        assert!(body.ends_with("]]></Encrypt></xml>"), "{body}");
        assert_eq!(
            crypt().open(&msg_signature, "17", "n", &encrypt),
            Ok(XML.to_owned())
        );
    }

    #[test]
    fn a_reply_opens_only_with_its_own_signature() {
        let sealed = crypt().seal(XML, "17", "n");
        assert_eq!(crypt().open_reply(&sealed), Ok(XML.to_owned()));
        let forged = sealed.replace("<TimeStamp>17<", "<TimeStamp>18<");
        assert_eq!(crypt().open_reply(&forged), Err(CryptoError::BadSignature));
        let unsigned = "<xml><Encrypt><![CDATA[QUJD]]></Encrypt></xml>";
        assert_eq!(crypt().open_reply(unsigned), Err(CryptoError::BadSignature));
        assert_eq!(
            crypt().open_reply("<xml><Content>x</Content></xml>"),
            Err(CryptoError::MissingEncrypt)
        );
        assert!(matches!(
            crypt().open_reply("success"),
            Err(CryptoError::Envelope(_))
        ));
    }
}
