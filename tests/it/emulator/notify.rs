//! `/cgi-bin/message/template/send` and `/cgi-bin/message/subscribe/bizsend`: recorded with
//! their msgid, each refusal's errcode, and the `TEMPLATESENDJOBFINISH` event for a msgid.

use std::time::Duration;

use serde_json::{Value, json};
use wxbot::emulator::{AccountKind, Emulator, Fault};
use wxbot::message::{Event, Kind, parse};

use super::{PATIENCE, api_url, emulator, post_json};

async fn template(emu: &Emulator, body: &Value) -> Value {
    post_json(&api_url(emu, "/cgi-bin/message/template/send").await, body).await
}

async fn bizsend(emu: &Emulator, body: &Value) -> Value {
    post_json(
        &api_url(emu, "/cgi-bin/message/subscribe/bizsend").await,
        body,
    )
    .await
}

fn order(touser: &str) -> Value {
    json!({
        "touser": touser,
        "template_id": "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
        "url": "http://weixin.qq.com/download",
        "miniprogram": { "appid": "xiaochengxuappid12345", "pagepath": "index?foo=bar" },
        "data": {
            "first": { "value": "恭喜你购买成功！", "color": "#173177" },
            "keyword1": { "value": "巧克力" },
            "remark": { "value": "欢迎再次购买！", "color": "#173177" },
        },
    })
}

#[tokio::test]
async fn a_template_message_is_answered_a_msgid_and_recorded_with_it() {
    let emu = emulator();
    let first = template(&emu, &order("o_alice")).await;
    assert_eq!(first["errcode"], 0, "{first}");
    assert_eq!(first["errmsg"], "ok");
    let msgid = first["msgid"].as_u64().expect("a msgid");
    let second = template(&emu, &order("o_bob")).await;
    assert_ne!(second["msgid"], first["msgid"]);

    let sent = emu.templates();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["msgid"], msgid);
    assert_eq!(sent[0]["touser"], "o_alice");
    assert_eq!(sent[0]["data"]["first"]["color"], "#173177");
    let next = tokio::time::timeout(PATIENCE, emu.next_template()).await;
    assert_eq!(next.expect("one waiting")["msgid"], msgid);
    let next = tokio::time::timeout(PATIENCE, emu.next_template()).await;
    assert_eq!(next.expect("another")["touser"], "o_bob");
    let none = tokio::time::timeout(Duration::from_millis(50), emu.next_template()).await;
    assert!(none.is_err(), "each message is returned once");
}

#[tokio::test]
async fn each_refusal_has_wechats_errcode_and_records_nothing() {
    let emu = emulator();
    emu.set_following("o_gone", false);
    let with = |field: &str, value: Value| {
        let mut body = order("o_alice");
        body[field] = value;
        body
    };
    let cases = [
        (with("touser", json!("")), 40003),
        (with("touser", json!("o bad")), 40003),
        (with("template_id", json!("")), 40037),
        (with("data", json!("first")), 47001),
        (with("data", json!({ "first": { "value": 1 } })), 47001),
        (
            with("data", json!({ "first": { "value": "x", "color": "red" } })),
            47001,
        ),
        (with("miniprogram", json!({ "pagepath": "index" })), 47001),
        (with("url", json!(42)), 47001),
        (order("o_gone"), 43004),
    ];
    for (body, code) in cases {
        let answer = template(&emu, &body).await;
        assert_eq!(answer["errcode"], code, "{body} → {answer}");
    }
    assert!(emu.templates().is_empty());

    // Once the test names the account's templates, only those are known.
    emu.add_template("TPL_ORDER", "Order paid");
    assert_eq!(template(&emu, &order("o_alice")).await["errcode"], 40037);
    assert_eq!(
        emu.template_title("TPL_ORDER").as_deref(),
        Some("Order paid")
    );
    let known = with("template_id", json!("TPL_ORDER"));
    assert_eq!(template(&emu, &known).await["errcode"], 0);

    emu.set_account_kind(AccountKind::UnverifiedSubscription);
    assert_eq!(template(&emu, &known).await["errcode"], 48001);
    emu.set_account_kind(AccountKind::VerifiedService);
    emu.script(
        "/cgi-bin/message/template/send",
        Fault::Errcode(-1, "system busy".into()),
    );
    assert_eq!(template(&emu, &known).await["errcode"], -1);
    assert_eq!(emu.templates().len(), 1);
}

#[tokio::test]
async fn the_job_finished_event_for_a_msgid_parses_as_wechats() {
    let emu = emulator();
    let msgid = template(&emu, &order("o_alice")).await["msgid"]
        .as_u64()
        .expect("a msgid");
    let callback = emu
        .template_job_finished(msgid, "gh_account", "success")
        .expect("a recorded msgid");
    assert_eq!(callback.openid, "o_alice");
    assert!(
        callback
            .xml
            .contains("<ToUserName><![CDATA[gh_account]]></ToUserName>")
    );
    assert!(
        callback.xml.contains(&format!("<MsgID>{msgid}</MsgID>")),
        "{}",
        callback.xml
    );
    let parsed = parse(callback.xml.as_bytes()).expect("parses");
    assert_eq!(parsed.header.from.as_str(), "o_alice");
    let Kind::Event(Event::TemplateSendJobFinish(job)) = parsed.kind else {
        panic!("not a job report: {:?}", parsed.kind);
    };
    assert_eq!(job.status, "success");
    assert_eq!(job.msg_id.map(|id| id.to_string()), Some(msgid.to_string()));
    assert!(
        emu.template_job_finished(msgid + 1000, "gh_account", "success")
            .is_none()
    );
}

#[tokio::test]
async fn a_subscription_message_is_recorded_and_its_bad_data_is_47003() {
    let emu = emulator();
    let notice = json!({
        "touser": "o_alice",
        "template_id": "TPL_SUB",
        "page": "pages/index",
        "data": { "thing1": { "value": "Ready" }, "time2": { "value": "2024-01-01 10:00" } },
    });
    assert_eq!(
        bizsend(&emu, &notice).await,
        json!({ "errcode": 0, "errmsg": "ok" })
    );
    let sent = emu.subscribe_messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["data"]["thing1"]["value"], "Ready");
    assert!(sent[0]["msgid"].is_u64());

    let mut bad = notice.clone();
    bad["data"] = json!({ "thing1": {} });
    assert_eq!(bizsend(&emu, &bad).await["errcode"], 47003);
    bad["touser"] = json!("");
    assert_eq!(bizsend(&emu, &bad).await["errcode"], 40003);
    let mut nameless = notice.clone();
    nameless["template_id"] = json!("");
    assert_eq!(bizsend(&emu, &nameless).await["errcode"], 40037);
    assert_eq!(emu.subscribe_messages().len(), 1);
}
