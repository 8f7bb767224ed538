//! `/cgi-bin/qrcode/create` and `/cgi-bin/showqrcode`: temporary and permanent codes, integer
//! and string scenes, WeChat's limits, the image.

use serde_json::{Value, json};
use wxbot::emulator::{AccountKind, Emulator, Fault};

use super::{api_url, emulator, post_json};
use crate::common::local_client;

async fn create(emu: &Emulator, body: &Value) -> Value {
    post_json(&api_url(emu, "/cgi-bin/qrcode/create").await, body).await
}

fn scene_id(action: &str, id: u64) -> Value {
    json!({ "action_name": action, "action_info": { "scene": { "scene_id": id } } })
}

fn scene_str(action: &str, scene: &str) -> Value {
    json!({ "action_name": action, "action_info": { "scene": { "scene_str": scene } } })
}

async fn image(emu: &Emulator, ticket: &str) -> (u16, Vec<u8>) {
    let ticket: String = form_urlencoded::byte_serialize(ticket.as_bytes()).collect();
    let url = format!("{}/cgi-bin/showqrcode?ticket={ticket}", emu.base_url());
    let response = local_client().get(url).send().await.expect("get");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("body").to_vec())
}

#[tokio::test]
async fn temporary_and_permanent_codes_answer_wechats_shape() {
    let emu = emulator();
    let mut temporary = scene_id("QR_SCENE", 123);
    temporary["expire_seconds"] = json!(604_800);
    let made = create(&emu, &temporary).await;
    assert_eq!(made["expire_seconds"], 604_800, "{made}");
    let ticket = made["ticket"].as_str().expect("a ticket");
    assert!(ticket.starts_with("gQ"), "{ticket}");
    let url = made["url"].as_str().expect("a url");
    assert!(url.starts_with("http://weixin.qq.com/q/"), "{url}");
    assert_eq!(emu.qr_scene(ticket).as_deref(), Some("123"));

    // No expire_seconds: 60 seconds, as WeChat's default.
    let short = create(&emu, &scene_str("QR_STR_SCENE", "promo")).await;
    assert_eq!(short["expire_seconds"], 60, "{short}");

    let permanent = create(&emu, &scene_str("QR_LIMIT_STR_SCENE", "poster-7")).await;
    assert_eq!(permanent.get("expire_seconds"), None, "{permanent}");
    let limit = create(&emu, &scene_id("QR_LIMIT_SCENE", 100_000)).await;
    assert_eq!(limit.get("errcode"), None, "{limit}");

    let codes = emu.qr_codes();
    assert_eq!(codes.len(), 4);
    assert_eq!(codes[0].action_name, "QR_SCENE");
    assert_eq!(codes[0].expire_seconds, Some(604_800));
    assert_eq!(codes[2].scene, "poster-7");
    assert_eq!(codes[2].expire_seconds, None);
    assert_eq!(codes[2].url, permanent["url"]);
    assert_ne!(codes[0].ticket, codes[1].ticket);
    assert_eq!(emu.qr_scene("nope"), None);
}

#[tokio::test]
async fn the_image_is_a_png_for_a_known_ticket_and_404_otherwise() {
    let emu = emulator();
    let made = create(&emu, &scene_id("QR_LIMIT_SCENE", 7)).await;
    let ticket = made["ticket"].as_str().expect("a ticket");
    let (status, png) = image(&emu, ticket).await;
    assert_eq!(status, 200);
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "no PNG");
    assert_eq!(image(&emu, "gQunknown").await.0, 404);
    assert!(emu.unexpected().is_empty(), "{:?}", emu.unexpected());
}

#[tokio::test]
async fn scenes_and_lives_outside_wechats_limits_are_40097() {
    let emu = emulator();
    let mut too_long = scene_id("QR_SCENE", 1);
    too_long["expire_seconds"] = json!(2_592_001);
    let mut zero = scene_id("QR_SCENE", 1);
    zero["expire_seconds"] = json!(0);
    let cases = [
        scene_id("QR_TELEPORT", 1),
        json!({ "action_info": { "scene": { "scene_id": 1 } } }),
        json!({ "action_name": "QR_SCENE" }),
        scene_id("QR_LIMIT_SCENE", 0),
        scene_id("QR_LIMIT_SCENE", 100_001),
        scene_id("QR_SCENE", 0),
        scene_id("QR_SCENE", 1 << 32),
        scene_str("QR_STR_SCENE", ""),
        scene_str("QR_LIMIT_STR_SCENE", &"s".repeat(65)),
        scene_str("QR_LIMIT_SCENE", "text where a number belongs"),
        too_long,
        zero,
    ];
    for body in cases {
        let answer = create(&emu, &body).await;
        assert_eq!(answer["errcode"], 40097, "{body} → {answer}");
    }
    assert!(emu.qr_codes().is_empty());
    let fits = create(&emu, &scene_str("QR_LIMIT_STR_SCENE", &"s".repeat(64))).await;
    assert!(fits["ticket"].is_string(), "{fits}");
}

#[tokio::test]
async fn an_unverified_account_is_refused_and_faults_play() {
    let emu = emulator();
    let body = scene_id("QR_LIMIT_SCENE", 1);
    emu.script(
        "/cgi-bin/qrcode/create",
        Fault::Errcode(-1, "system busy".to_owned()),
    );
    assert_eq!(create(&emu, &body).await["errcode"], -1);
    emu.set_account_kind(AccountKind::UnverifiedSubscription);
    assert_eq!(create(&emu, &body).await["errcode"], 48001);
    let base = emu.base_url();
    let no_token = post_json(&format!("{base}/cgi-bin/qrcode/create"), &body).await;
    assert_eq!(no_token["errcode"], 41001);
    assert!(emu.qr_codes().is_empty());
}
