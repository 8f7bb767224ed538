//! URL verification (GET with `echostr`): echo on a good signature, 403 on a bad one, 400 when a
//! parameter is missing.

use actix_web::test::TestRequest;
use wxbot::Bot;
use wxbot::prelude::*;
use wxbot::testing::{self, NONCE, TIMESTAMP};

use crate::common::call;

async fn status_and_body(uri: &str) -> (u16, String) {
    let bot = Bot::new(&testing::config(), Router::new()).expect("bot");
    call(bot, TestRequest::get().uri(uri)).await
}

fn good_signature() -> String {
    testing::signed(&testing::config())
        .signature
        .expect("a signature")
}

#[actix_web::test]
async fn good_signature_echoes_echostr_exactly() {
    let uri = format!(
        "/wechat?signature={}&timestamp={TIMESTAMP}&nonce={NONCE}&echostr=5837397749447433%2Bx",
        good_signature()
    );
    assert_eq!(
        status_and_body(&uri).await,
        (200, "5837397749447433+x".to_owned())
    );
}

#[actix_web::test]
async fn wrong_signature_is_403() {
    let uri = format!(
        "/wechat?signature={}&timestamp=1700000001&nonce={NONCE}&echostr=e",
        good_signature()
    );
    assert_eq!(status_and_body(&uri).await.0, 403);
}

#[actix_web::test]
async fn each_missing_parameter_is_400() {
    let full = [
        ("signature", good_signature()),
        ("timestamp", TIMESTAMP.to_owned()),
        ("nonce", NONCE.to_owned()),
        ("echostr", "e".to_owned()),
    ];
    for skip in 0..full.len() {
        let query: Vec<String> = full
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, (k, v))| format!("{k}={v}"))
            .collect();
        let (status, body) = status_and_body(&format!("/wechat?{}", query.join("&"))).await;
        assert_eq!(status, 400, "without {}", full[skip].0);
        assert!(
            body.contains(full[skip].0),
            "the error names {}: {body}",
            full[skip].0
        );
    }
}
