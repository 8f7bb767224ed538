//! The platform in the playground: the menu the page draws (`GET /api/menu`, from the config
//! or pushed to the emulator), the menu's events, follows and scans through the bot's QR codes
//! (`GET /api/qrcodes`), and template messages on the event stream with their job report
//! (`POST /api/template/finish`).

use serde_json::{Value, json};
use wxbot::config::{ButtonConfig, Config};
use wxbot::dev::{Options, Playground};
use wxbot::emulator::Emulator;
use wxbot::prelude::*;
use wxbot::testing::config;

use super::{demo, read_until, send, start};
use crate::common::{demo_playground, local_client};

fn button(kind: &str, name: &str, key: &str) -> ButtonConfig {
    let mut button = ButtonConfig::default();
    button.kind = Some(kind.to_owned());
    button.name = name.to_owned();
    button.key = Some(key.to_owned());
    button
}

fn with_menu() -> Config {
    let mut config = config();
    let mut more = ButtonConfig::default();
    more.name = "More".to_owned();
    more.sub_button = vec![
        button("scancode_push", "Scan", "SCAN_1"),
        button("location_select", "Where", "LOC_1"),
    ];
    config.menu.button = vec![button("click", "Today", "V1001_TODAY"), more];
    config
}

async fn get(playground: &Playground, path: &str) -> Value {
    let url = format!("{}{path}", playground.url());
    let response = local_client().get(url).send().await.expect("get");
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.expect("json answer")
}

async fn post(playground: &Playground, path: &str, body: &Value) -> (u16, Value) {
    let url = format!("{}{path}", playground.url());
    let response = local_client()
        .post(url)
        .json(body)
        .send()
        .await
        .expect("post");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json answer"))
}

/// A call to the playground's emulator as the bot would make it, with a fresh token.
async fn call_api(emulator: &Emulator, path: &str, body: Option<&Value>) -> Value {
    let base = emulator.base_url();
    let token_url = format!(
        "{base}/cgi-bin/token?grant_type=client_credential&appid={}&secret={}",
        emulator.appid(),
        emulator.secret()
    );
    let token: Value = local_client()
        .get(token_url)
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let url = format!(
        "{base}{path}?access_token={}",
        token["access_token"].as_str().expect("token")
    );
    let request = match body {
        Some(body) => local_client().post(url).json(body),
        None => local_client().get(url),
    };
    request
        .send()
        .await
        .expect("call")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn the_menu_is_the_configs_until_one_is_pushed_to_the_emulator() {
    let playground = demo_playground(with_menu());
    let menu = get(&playground, "api/menu").await;
    assert_eq!(menu["source"], "config", "{menu}");
    assert_eq!(
        menu["menu"]["button"][0],
        json!({ "type": "click", "name": "Today", "key": "V1001_TODAY" })
    );
    assert_eq!(
        menu["menu"]["button"][1]["sub_button"][1]["type"],
        "location_select"
    );

    let pushed = json!({ "button": [{ "type": "click", "name": "Pushed", "key": "P" }] });
    let answer = call_api(playground.emulator(), "/cgi-bin/menu/create", Some(&pushed)).await;
    assert_eq!(answer["errcode"], 0, "{answer}");
    let menu = get(&playground, "api/menu").await;
    assert_eq!(menu, json!({ "source": "emulator", "menu": pushed }));
    call_api(playground.emulator(), "/cgi-bin/menu/delete", None).await;
    assert_eq!(get(&playground, "api/menu").await["source"], "config");

    let plain = demo();
    assert_eq!(
        get(&plain, "api/menu").await,
        json!({ "source": null, "menu": null })
    );
}

#[tokio::test]
async fn each_menu_button_sends_its_event_with_its_fields() {
    let playground = demo_playground(with_menu());
    let cases = [
        (
            json!({ "type": "click", "key": "V1001_TODAY" }),
            "<Event><![CDATA[CLICK]]></Event>",
        ),
        (
            json!({ "type": "scancode_push", "key": "SCAN_1", "result": "https://example.com/qr" }),
            "<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[https://example.com/qr]]></ScanResult></ScanCodeInfo>",
        ),
        (
            json!({ "type": "scancode_waitmsg", "key": "SCAN_2", "result": "123", "scan_type": "barcode" }),
            "<ScanType><![CDATA[barcode]]></ScanType>",
        ),
        (
            json!({ "type": "pic_sysphoto", "key": "PIC", "md5": "1b5f7c23b5bf75682a53e7b6d163e185" }),
            "<SendPicsInfo><Count>1</Count><PicList><item><PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item></PicList></SendPicsInfo>",
        ),
        (
            json!({ "type": "pic_photo_or_album", "key": "PIC" }),
            "<Event><![CDATA[pic_photo_or_album]]></Event>",
        ),
        (json!({ "type": "pic_weixin", "key": "PIC" }), "<PicMd5Sum>"),
        (
            json!({ "type": "location_select", "key": "LOC_1", "x": "23.134521", "y": "113.358803", "label": "Tower", "poiname": "Canton Tower" }),
            "<SendLocationInfo><Location_X><![CDATA[23.134521]]></Location_X><Location_Y><![CDATA[113.358803]]></Location_Y><Scale><![CDATA[15]]></Scale><Label><![CDATA[Tower]]></Label><Poiname><![CDATA[Canton Tower]]></Poiname></SendLocationInfo>",
        ),
        (
            json!({ "type": "view_miniprogram", "pagepath": "pages/index" }),
            "<EventKey><![CDATA[pages/index]]></EventKey>",
        ),
    ];
    for (message, expected) in cases {
        let (status, answer) = send(&playground, json!({ "message": message })).await;
        assert_eq!(status, 200, "{answer}");
        let xml = answer["request"]["xml"].as_str().expect("xml");
        assert!(xml.contains(expected), "{message}: {xml}");
        assert_eq!(answer["msg_id"], Value::Null, "an event has no MsgId");
    }
    let (_, clicked) = send(
        &playground,
        json!({ "message": { "type": "click", "key": "V1001_TODAY" } }),
    )
    .await;
    assert_eq!(
        clicked["reply"],
        json!({ "kind": "text", "text": "click V1001_TODAY" })
    );
    for bad in [
        json!({ "type": "scancode_push", "key": "K", "result": "" }),
        json!({ "type": "pic_weixin", "key": "K", "md5": "not hex" }),
        json!({ "type": "location_select", "key": "K", "x": "91", "y": "0" }),
    ] {
        let (status, answer) = send(&playground, json!({ "message": bad })).await;
        assert_eq!(status, 400, "{bad}: {answer}");
    }
}

#[tokio::test]
async fn a_follow_through_the_bots_qr_code_carries_its_ticket_and_changes_user_info() {
    let playground = demo();
    let emulator = playground.emulator();
    let code =
        json!({ "action_name": "QR_LIMIT_SCENE", "action_info": { "scene": { "scene_id": 42 } } });
    let made = call_api(emulator, "/cgi-bin/qrcode/create", Some(&code)).await;
    let ticket = made["ticket"].as_str().expect("a ticket");
    let listed = get(&playground, "api/qrcodes").await;
    assert_eq!(listed["qr_codes"][0]["scene"], "42", "{listed}");
    assert_eq!(listed["qr_codes"][0]["ticket"], ticket);
    assert_eq!(listed["qr_codes"][0]["live"], true);
    let image = listed["qr_codes"][0]["image"].as_str().expect("image");
    let png = local_client()
        .get(image)
        .send()
        .await
        .expect("image")
        .bytes()
        .await
        .expect("bytes");
    assert!(png.starts_with(b"\x89PNG"));

    emulator.set_following("o_playground_user", false);
    let (_, answer) = send(
        &playground,
        json!({ "message": { "type": "subscribe", "scene": "42" } }),
    )
    .await;
    assert_eq!(answer["reply"]["text"], "welcome 42");
    let xml = answer["request"]["xml"].as_str().expect("xml");
    assert!(
        xml.contains(&format!("<Ticket><![CDATA[{ticket}]]></Ticket>")),
        "{xml}"
    );
    let user = emulator.user("o_playground_user");
    assert!(user.subscribe);
    assert_eq!(
        (user.subscribe_scene.as_str(), user.qr_scene),
        ("ADD_SCENE_QR_CODE", 42)
    );

    let (_, scanned) = send(
        &playground,
        json!({ "message": { "type": "scan", "key": "42" } }),
    )
    .await;
    assert!(
        scanned["request"]["xml"]
            .as_str()
            .expect("xml")
            .contains(ticket)
    );
    send(&playground, json!({ "message": { "type": "unsubscribe" } })).await;
    assert!(!emulator.user("o_playground_user").subscribe);
    let (_, again) = send(&playground, json!({ "message": { "type": "subscribe" } })).await;
    assert_eq!(again["reply"]["text"], "welcome");
    assert_eq!(
        emulator.user("o_playground_user").subscribe_scene,
        "ADD_SCENE_SEARCH"
    );
}

async fn job(job: TemplateSendJobFinish) -> String {
    let msgid = job
        .msg_id
        .map(|id| id.as_str().to_owned())
        .unwrap_or_default();
    format!("job {msgid} {}", job.status)
}

#[tokio::test]
async fn a_template_message_is_drawn_on_the_stream_and_its_job_report_reaches_the_bot() {
    let router = Router::new().on(job);
    let playground = start(router, &Options::default().port(0));
    playground
        .emulator()
        .add_template("TPL_ORDER", "Order paid");
    let url = format!("{}api/events", playground.url());
    let mut events = local_client().get(url).send().await.expect("events");
    let mut seen = String::new();
    read_until(&mut events, &mut seen, "event: ready").await;

    let message = json!({
        "touser": "o_playground_user",
        "template_id": "TPL_ORDER",
        "url": "https://example.com/orders/42",
        "data": {
            "remark": { "value": "Thanks" },
            "keyword1": { "value": "Green tea", "color": "#173177" },
            "first": { "value": "Paid" },
        },
    });
    let sent = call_api(
        playground.emulator(),
        "/cgi-bin/message/template/send",
        Some(&message),
    )
    .await;
    let msgid = sent["msgid"].as_u64().expect("a msgid");
    read_until(&mut events, &mut seen, "event: template").await;
    read_until(&mut events, &mut seen, "Green tea").await;
    let data = seen
        .lines()
        .find_map(|line| {
            line.strip_prefix("data: ")
                .filter(|data| data.contains("Green tea"))
        })
        .expect("data line");
    let event: Value = serde_json::from_str(data).expect("event json");
    let view = &event["view"];
    assert_eq!(view["kind"], "template");
    assert_eq!(view["title"], "Order paid");
    assert_eq!(view["msgid"], msgid);
    assert_eq!(view["url"], "https://example.com/orders/42");
    let keys: Vec<&str> = view["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["key"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        keys,
        ["first", "keyword1", "remark"],
        "first on top, remark at the bottom"
    );
    assert_eq!(view["fields"][1]["color"], "#173177");
    assert_eq!(event["json"]["msgid"], msgid);

    let (status, answer) = post(
        &playground,
        "api/template/finish",
        &json!({ "msgid": msgid }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let xml = answer["request"]["xml"].as_str().expect("xml");
    assert!(
        xml.contains("<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>"),
        "{xml}"
    );
    assert_eq!(answer["reply"]["text"], format!("job {msgid} success"));
    // One report per msgid, as WeChat sends: a second is a repeat the bot answers the same.
    let second = call_api(
        playground.emulator(),
        "/cgi-bin/message/template/send",
        Some(&message),
    )
    .await;
    let second = second["msgid"].as_u64().expect("a msgid");
    let blocked = json!({ "msgid": second, "status": "failed:user block" });
    let (_, blocked) = post(&playground, "api/template/finish", &blocked).await;
    assert_eq!(
        blocked["reply"]["text"],
        format!("job {second} failed:user block")
    );

    let (status, _) = post(
        &playground,
        "api/template/finish",
        &json!({ "msgid": msgid + 99 }),
    )
    .await;
    assert_eq!(status, 400, "an unknown msgid");
    let (status, _) = post(
        &playground,
        "api/template/finish",
        &json!({ "msgid": msgid, "status": "meh" }),
    )
    .await;
    assert_eq!(status, 400, "an unknown status");
}
