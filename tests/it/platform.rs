//! The platform APIs on the client against the emulator (menu, QR codes, template and
//! subscription messages, user info), the `menu` and `qr` commands through the real binary,
//! and the start-up warning for a menu click no route takes.

use std::process::{Command, Output};
use std::time::Duration;

use serde_json::json;
use wxbot::config::{ButtonConfig, MenuConfig};
use wxbot::emulator::{Emulator, Fault};
use wxbot::menu::Menu;
use wxbot::platform::{Scene, SubscribeMessage, TemplateMessage};
use wxbot::prelude::*;
use wxbot::{Bot, Client};

use crate::common::{TempDir, config, local_client, write_demo_toml};
use crate::dedup::Logs;

fn click(name: &str, key: &str) -> ButtonConfig {
    let mut button = ButtonConfig::default();
    button.kind = Some("click".to_owned());
    button.name = name.to_owned();
    button.key = Some(key.to_owned());
    button
}

fn today_menu() -> MenuConfig {
    let mut menu = MenuConfig::default();
    menu.button.push(click("Today", "V1001_TODAY"));
    menu
}

#[tokio::test]
async fn the_menu_is_pushed_read_back_and_deleted() {
    let emulator = Emulator::start().expect("emulator");
    let client = Client::new(&config(&emulator));
    assert_eq!(client.menu().await.expect("read"), None, "no menu yet");
    let menu = Menu::check(&today_menu()).expect("valid");
    client.create_menu(&menu).await.expect("pushed");
    assert_eq!(emulator.menu(), Some(menu.to_json()));
    let shown = client.menu().await.expect("read").expect("a menu");
    assert_eq!(shown["button"][0]["key"], "V1001_TODAY");
    client.delete_menu().await.expect("deleted");
    assert_eq!(client.menu().await.expect("read"), None);
}

#[tokio::test]
async fn qr_codes_carry_their_scene_and_serve_an_image() {
    let emulator = Emulator::start().expect("emulator");
    let client = Client::new(&config(&emulator));
    let temporary = client
        .create_qrcode(&Scene::Id(42), Some(Duration::from_secs(600)))
        .await
        .expect("temporary");
    assert_eq!(temporary.expire_seconds, Some(600));
    assert_eq!(emulator.qr_scene(&temporary.ticket).as_deref(), Some("42"));
    let permanent = client
        .create_qrcode(&Scene::Str("poster-7".to_owned()), None)
        .await
        .expect("permanent");
    assert_eq!(permanent.expire_seconds, None);
    assert_eq!(
        emulator.qr_scene(&permanent.ticket).as_deref(),
        Some("poster-7")
    );
    let image = client.qrcode_image_url(&permanent.ticket);
    assert!(image.starts_with(&emulator.base_url()), "{image}");
    let png = local_client().get(&image).send().await.expect("get");
    assert_eq!(png.status(), 200);
    assert!(png.bytes().await.expect("body").starts_with(b"\x89PNG"));
}

#[tokio::test]
async fn template_messages_return_their_msgid_and_need_a_follower() {
    let emulator = Emulator::start().expect("emulator");
    let client = Client::new(&config(&emulator));
    let message = TemplateMessage::new(OpenId::from("o_alice"), "TPL_ORDER")
        .field("thing1", "Green tea")
        .colored("amount2", "¥12.00", "#173177")
        .url("https://example.com/orders/42");
    let msgid = client.send_template(&message).await.expect("sent");
    let sent = emulator.templates();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["msgid"], json!(msgid));
    assert_eq!(
        sent[0]["data"]["amount2"],
        json!({"value": "¥12.00", "color": "#173177"})
    );

    emulator.set_following("o_bob", false);
    let refused = TemplateMessage::new(OpenId::from("o_bob"), "TPL_ORDER").field("thing1", "x");
    let err = client
        .send_template(&refused)
        .await
        .expect_err("not a follower");
    assert_eq!(err.api().map(|api| api.code), Some(43004), "{err}");

    let notice = SubscribeMessage::new(OpenId::from("o_alice"), "TPL_SUB").field("thing1", "Ready");
    client.send_subscribe(&notice).await.expect("sent");
    assert_eq!(
        emulator.subscribe_messages()[0]["data"]["thing1"]["value"],
        "Ready"
    );
}

#[tokio::test]
async fn user_info_is_typed_and_empty_for_someone_who_left() {
    let emulator = Emulator::start().expect("emulator");
    let client = Client::new(&config(&emulator));
    let alice = client
        .user_info(&OpenId::from("o_alice"))
        .await
        .expect("info");
    assert!(alice.subscribe);
    assert_eq!(alice.openid.as_str(), "o_alice");
    assert!(!alice.language.is_empty());
    emulator.set_following("o_bob", false);
    let bob = client
        .user_info(&OpenId::from("o_bob"))
        .await
        .expect("info");
    assert!(!bob.subscribe);
    assert_eq!(bob.subscribe_time, 0);
}

fn wxbot(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wxbot"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run wxbot")
}

fn with_menu(dir: &std::path::Path, emulator: &Emulator, menu: &str) {
    write_demo_toml(dir, emulator);
    let path = dir.join("wxbot.toml");
    let toml = std::fs::read_to_string(&path).expect("read") + menu;
    std::fs::write(path, toml).expect("write");
}

const CONTRACT_MENU: &str = r#"
[[menu.button]]
type = "click"
name = "Today"
key = "V1001_TODAY"

[[menu.button]]
name = "More"
  [[menu.button.sub_button]]
  type = "view"
  name = "Site"
  url = "https://example.com/"
"#;

#[test]
fn menu_push_show_and_delete_through_the_command_line() {
    let dir = TempDir::new("menu-cli");
    let emulator = Emulator::start().expect("emulator");
    with_menu(&dir.0, &emulator, CONTRACT_MENU);
    let push = wxbot(&dir.0, &["menu", "push"]);
    assert!(push.status.success(), "{push:?}");
    let pushed = emulator.menu().expect("a menu");
    assert_eq!(
        pushed["button"][1]["sub_button"][0]["url"],
        "https://example.com/"
    );

    // `show` prints the menu as the config's [menu]: it reads back as the one pushed.
    let show = wxbot(&dir.0, &["menu", "show"]);
    assert!(show.status.success(), "{show:?}");
    let shown = String::from_utf8_lossy(&show.stdout);
    assert!(shown.contains("[[menu.button]]"), "{shown}");
    #[derive(serde::Deserialize)]
    struct Menus {
        menu: MenuConfig,
    }
    let read = |toml_text: &str| toml::from_str::<Menus>(toml_text).expect("[menu]").menu;
    assert_eq!(read(&shown), read(CONTRACT_MENU));

    assert!(wxbot(&dir.0, &["menu", "delete"]).status.success());
    assert_eq!(emulator.menu(), None);
}

#[test]
fn a_menu_breaking_the_rules_is_refused_before_any_call() {
    let dir = TempDir::new("menu-bad");
    let emulator = Emulator::start().expect("emulator");
    let four: String = (0..4)
        .map(|i| format!("[[menu.button]]\ntype = \"click\"\nname = \"B{i}\"\nkey = \"K{i}\"\n"))
        .collect();
    with_menu(
        &dir.0,
        &emulator,
        &format!("{four}[[menu.button]]\ntype = \"view\"\nname = \"NoUrl\"\n"),
    );
    let push = wxbot(&dir.0, &["menu", "push"]);
    assert_eq!(push.status.code(), Some(2), "{push:?}");
    let err = String::from_utf8_lossy(&push.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("5 buttons, WeChat allows 3"), "{err}");
    assert!(err.contains("menu.button[4] \"NoUrl\""), "{err}");
    assert_eq!(
        emulator.count("/cgi-bin/menu/create"),
        0,
        "nothing was sent"
    );
}

#[test]
fn an_api_error_exits_1_with_its_errcode() {
    let dir = TempDir::new("menu-errcode");
    let emulator = Emulator::start().expect("emulator");
    with_menu(&dir.0, &emulator, CONTRACT_MENU);
    emulator.script(
        "/cgi-bin/menu/create",
        Fault::Errcode(40018, "invalid button name size".into()),
    );
    let push = wxbot(&dir.0, &["menu", "push"]);
    assert_eq!(push.status.code(), Some(1), "{push:?}");
    assert!(String::from_utf8_lossy(&push.stderr).contains("40018"));
}

#[test]
fn qr_prints_the_image_url_and_refuses_impossible_scenes() {
    let dir = TempDir::new("qr-cli");
    let emulator = Emulator::start().expect("emulator");
    write_demo_toml(&dir.0, &emulator);
    let qr = wxbot(&dir.0, &["qr", "42", "--expire", "600"]);
    assert!(qr.status.success(), "{qr:?}");
    let url = String::from_utf8_lossy(&qr.stdout).trim().to_owned();
    let ticket = url.split("ticket=").nth(1).expect("a ticket");
    assert!(url.contains("/cgi-bin/showqrcode?ticket="), "{url}");
    let ticket: String = form_urlencoded::parse(format!("t={ticket}").as_bytes())
        .map(|(_, value)| value.into_owned())
        .collect();
    assert_eq!(emulator.qr_scene(&ticket).as_deref(), Some("42"));
    for args in [
        &["qr", "0", "--expire", "60"][..],
        &["qr", "0"],
        &["qr", "7", "--expire", "99999999"],
        &["qr", &"s".repeat(65)],
    ] {
        let refused = wxbot(&dir.0, args);
        assert_eq!(refused.status.code(), Some(2), "{args:?}: {refused:?}");
    }
    assert_eq!(emulator.count("/cgi-bin/qrcode/create"), 1);
}

async fn nothing(_: Text) {}

#[tokio::test]
async fn a_menu_click_no_route_takes_is_a_warning_naming_it() {
    let (logs, _guard) = Logs::capture();
    let mut config = wxbot::testing::config();
    config.menu = today_menu();
    config.menu.button.push(click("Help", "HELP"));
    async fn help(_: Click) -> &'static str {
        "help"
    }
    let router = Router::new().event_key("HELP", help).on(nothing);
    Bot::new(&config, router).expect("bot");
    let warned = logs.lines("no route takes this click key");
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("V1001_TODAY"), "{warned:?}");
}
