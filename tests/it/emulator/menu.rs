//! `/cgi-bin/menu/create`, `get` and `delete`: WeChat's shapes, and the errcode of each rule
//! a menu breaks.

use serde_json::{Value, json};
use wxbot::emulator::{Emulator, Fault};

use super::{api_url, emulator, get_json, post_json};

async fn create(emu: &Emulator, menu: &Value) -> Value {
    post_json(&api_url(emu, "/cgi-bin/menu/create").await, menu).await
}

async fn get(emu: &Emulator) -> Value {
    get_json(&api_url(emu, "/cgi-bin/menu/get").await).await
}

fn click(name: &str, key: &str) -> Value {
    json!({ "type": "click", "name": name, "key": key })
}

fn view(name: &str, url: &str) -> Value {
    json!({ "type": "view", "name": name, "url": url })
}

#[tokio::test]
async fn a_created_menu_is_returned_as_wechat_returns_it_until_deleted() {
    let emu = emulator();
    assert_eq!(emu.menu(), None);
    let none = get(&emu).await;
    assert_eq!(none, json!({ "errcode": 46003, "errmsg": "menu no exist" }));

    let menu = json!({ "button": [
        click("今日歌曲", "V1001_TODAY_MUSIC"),
        { "name": "菜单", "sub_button": [
            view("搜索", "http://www.soso.com/"),
            { "type": "miniprogram", "name": "wxa", "url": "http://mp.weixin.qq.com",
              "appid": "wx286b93c14bbf93aa", "pagepath": "pages/lunar/index" },
            { "type": "scancode_push", "name": "扫码", "key": "rselfmenu_0_1", "extra": 1 },
        ]},
        { "type": "location_select", "name": "发送位置", "key": "rselfmenu_2_0" },
    ]});
    assert_eq!(
        create(&emu, &menu).await,
        json!({ "errcode": 0, "errmsg": "ok" })
    );

    // Every button with its `sub_button` list; fields WeChat does not know are dropped.
    let expected = json!({ "button": [
        { "type": "click", "name": "今日歌曲", "key": "V1001_TODAY_MUSIC", "sub_button": [] },
        { "name": "菜单", "sub_button": [
            { "type": "view", "name": "搜索", "url": "http://www.soso.com/", "sub_button": [] },
            { "type": "miniprogram", "name": "wxa", "url": "http://mp.weixin.qq.com",
              "appid": "wx286b93c14bbf93aa", "pagepath": "pages/lunar/index", "sub_button": [] },
            { "type": "scancode_push", "name": "扫码", "key": "rselfmenu_0_1", "sub_button": [] },
        ]},
        { "type": "location_select", "name": "发送位置", "key": "rselfmenu_2_0", "sub_button": [] },
    ]});
    assert_eq!(get(&emu).await, json!({ "menu": expected }));
    // As created: only `menu/get` adds the empty lists.
    let created = emu.menu().expect("a menu");
    assert_eq!(created["button"][0], click("今日歌曲", "V1001_TODAY_MUSIC"));
    assert_eq!(created["button"][1]["sub_button"][2].get("extra"), None);

    let deleted = get_json(&api_url(&emu, "/cgi-bin/menu/delete").await).await;
    assert_eq!(deleted, json!({ "errcode": 0, "errmsg": "ok" }));
    assert_eq!(get(&emu).await["errcode"], 46003);
    assert_eq!(emu.menu(), None);
}

#[tokio::test]
async fn each_broken_rule_gets_wechats_errcode_and_nothing_is_stored() {
    let emu = emulator();
    let long_name = "四个汉字多"; // 15 bytes: fits; the bar allows 16.
    let six: Vec<Value> = (0..6).map(|i| click(&format!("s{i}"), "K")).collect();
    let sub = |button: Value| json!({ "button": [{ "name": "More", "sub_button": [button] }] });
    let cases = [
        (json!({}), 40016),
        (json!({ "button": [] }), 40016),
        (
            json!({ "button": [click("a", "1"), click("b", "2"), click("c", "3"), click("d", "4")] }),
            40016,
        ),
        (
            json!({ "button": [{ "type": "teleport", "name": "T", "key": "K" }] }),
            40017,
        ),
        (json!({ "button": [{ "name": "T", "key": "K" }] }), 40017),
        (
            json!({ "button": [click(&format!("{long_name}x!"), "K")] }),
            40018,
        ),
        (json!({ "button": [click("", "K")] }), 40018),
        (json!({ "button": [click("T", &"k".repeat(129))] }), 40019),
        (
            json!({ "button": [{ "type": "click", "name": "T" }] }),
            40019,
        ),
        (
            json!({ "button": [view("T", &format!("https://e.com/{}", "x".repeat(1024)))] }),
            40020,
        ),
        (
            json!({ "button": [{ "type": "view", "name": "T" }] }),
            40020,
        ),
        (json!({ "button": [view("T", "ftp://e.com/")] }), 40055),
        (
            json!({ "button": [{ "name": "More", "sub_button": six }] }),
            40023,
        ),
        (sub(json!({ "type": "nope", "name": "T" })), 40024),
        (sub(click(&"名".repeat(21), "K")), 40025),
        (sub(json!({ "type": "pic_weixin", "name": "T" })), 40026),
        (
            sub(json!({ "type": "view", "name": "T", "url": "" })),
            40027,
        ),
        (sub(view("T", "e.com")), 40054),
        (
            sub(json!({ "name": "Deep", "sub_button": [click("T", "K")] })),
            40022,
        ),
        (sub(json!({ "type": "media_id", "name": "T" })), 40007),
        (
            json!({ "button": [{ "type": "miniprogram", "name": "T", "url": "https://e.com" }] }),
            47001,
        ),
        (json!({ "button": ["click"] }), 47001),
    ];
    for (menu, code) in cases {
        let answer = create(&emu, &menu).await;
        assert_eq!(answer["errcode"], code, "{menu} → {answer}");
        assert!(
            answer["errmsg"].as_str().is_some_and(|m| !m.is_empty()),
            "{answer}"
        );
    }
    assert_eq!(emu.menu(), None, "a refused menu is never stored");
    // At the limits, everything passes.
    let five: Vec<Value> = (0..5)
        .map(|i| click(&"名".repeat(20), &format!("K{i}")))
        .collect();
    let fits = json!({ "button": [
        click("四个汉字", &"k".repeat(128)),
        view("T", &format!("https://e.com/{}", "x".repeat(1024 - 14))),
        { "name": "More", "sub_button": five },
    ]});
    assert_eq!(create(&emu, &fits).await["errcode"], 0);
}

#[tokio::test]
async fn the_menu_apis_check_the_token_and_play_scripted_faults() {
    let emu = emulator();
    let base = emu.base_url();
    let no_token = get_json(&format!("{base}/cgi-bin/menu/get")).await;
    assert_eq!(no_token["errcode"], 41001);
    let bad = post_json(
        &format!("{base}/cgi-bin/menu/create?access_token=nope"),
        &json!({}),
    )
    .await;
    assert_eq!(bad["errcode"], 40001);
    emu.script(
        "/cgi-bin/menu/create",
        Fault::Errcode(-1, "system busy".to_owned()),
    );
    let menu = json!({ "button": [click("T", "K")] });
    assert_eq!(create(&emu, &menu).await["errcode"], -1);
    assert_eq!(emu.menu(), None);
    assert_eq!(create(&emu, &menu).await["errcode"], 0);
    assert!(emu.menu().is_some());
    assert_eq!(emu.count("/cgi-bin/menu/create"), 3);
}
