use serde_json::json;

use super::{Action, KeyedKind, Menu};
use crate::config::{ButtonConfig, MenuConfig};

fn button(kind: &str, name: &str) -> ButtonConfig {
    ButtonConfig {
        kind: Some(kind.to_owned()),
        name: name.to_owned(),
        ..ButtonConfig::default()
    }
}

fn keyed(kind: &str, name: &str, key: &str) -> ButtonConfig {
    ButtonConfig {
        key: Some(key.to_owned()),
        ..button(kind, name)
    }
}

fn view(name: &str, url: &str) -> ButtonConfig {
    ButtonConfig {
        url: Some(url.to_owned()),
        ..button("view", name)
    }
}

fn sub_menu(name: &str, entries: Vec<ButtonConfig>) -> ButtonConfig {
    ButtonConfig {
        name: name.to_owned(),
        sub_button: entries,
        ..ButtonConfig::default()
    }
}

fn menu(buttons: Vec<ButtonConfig>) -> MenuConfig {
    MenuConfig { button: buttons }
}

fn problems(config: &MenuConfig) -> Vec<String> {
    Menu::check(config).expect_err("refused").problems
}

#[test]
fn the_contracts_menu_becomes_wechats_json() {
    let config = menu(vec![
        keyed("click", "Today", "V1001_TODAY"),
        sub_menu("More", vec![view("Site", "https://example.com/")]),
    ]);
    let checked = Menu::check(&config).expect("valid");
    assert_eq!(
        checked.to_json(),
        json!({"button": [
            {"type": "click", "name": "Today", "key": "V1001_TODAY"},
            {"name": "More", "sub_button": [
                {"type": "view", "name": "Site", "url": "https://example.com/"}
            ]}
        ]})
    );
    assert_eq!(
        checked.click_keys().collect::<Vec<_>>(),
        [("Today", "V1001_TODAY")]
    );
}

#[test]
fn every_keyed_type_keeps_its_key() {
    for kind in [
        "click",
        "scancode_push",
        "scancode_waitmsg",
        "pic_sysphoto",
        "pic_photo_or_album",
        "pic_weixin",
        "location_select",
    ] {
        let checked = Menu::check(&menu(vec![keyed(kind, "Go", "K")])).expect(kind);
        let entry = checked.entries().next().expect("one");
        assert!(
            matches!(&entry.action, Action::Keyed { kind: k, key } if k.as_str() == kind && key == "K")
        );
    }
    assert_eq!(KeyedKind::named("view"), None);
}

#[test]
fn too_many_buttons_and_sub_buttons_are_refused_naming_them() {
    let four = menu(
        (0..4)
            .map(|i| keyed("click", &format!("B{i}"), "K"))
            .collect(),
    );
    assert!(problems(&four)[0].contains("4 buttons, WeChat allows 3"));
    let six = menu(vec![sub_menu(
        "More",
        (0..6)
            .map(|i| view(&format!("S{i}"), "https://e.com"))
            .collect(),
    )]);
    let found = problems(&six);
    assert!(
        found[0].starts_with("menu.button[0] \"More\": 6 sub-buttons"),
        "{found:?}"
    );
}

#[test]
fn names_and_keys_are_counted_in_bytes() {
    // Five Chinese characters are 15 bytes: within 16. Six are 18.
    assert!(Menu::check(&menu(vec![keyed("click", "今日歌曲推", "K")])).is_ok());
    let long = problems(&menu(vec![keyed("click", "今日歌曲推荐", "K")]));
    assert!(
        long[0].contains("name is 18 bytes, WeChat allows 16"),
        "{long:?}"
    );
    let key = problems(&menu(vec![keyed("click", "Go", &"k".repeat(129))]));
    assert!(
        key[0].contains("key is 129 bytes, WeChat allows 128"),
        "{key:?}"
    );
    // A sub-button's name may be longer.
    let sub = menu(vec![sub_menu(
        "More",
        vec![view(&"s".repeat(60), "https://e.com")],
    )]);
    assert!(Menu::check(&sub).is_ok());
}

#[test]
fn missing_fields_and_unknown_types_name_the_button() {
    let found = problems(&menu(vec![
        button("click", "NoKey"),
        sub_menu(
            "More",
            vec![button("view", "NoUrl"), button("teleport", "Beam")],
        ),
        button("miniprogram", "Mini"),
    ]));
    assert_eq!(
        found,
        [
            "menu.button[0] \"NoKey\": type \"click\" needs key",
            "menu.button[1] \"More\".sub_button[0] \"NoUrl\": type \"view\" needs url",
            "menu.button[1] \"More\".sub_button[1] \"Beam\": unknown type \"teleport\": click, view, scancode_push, scancode_waitmsg, pic_sysphoto, pic_photo_or_album, pic_weixin, location_select, miniprogram, article_id, article_view_limited, media_id or view_limited",
            "menu.button[2] \"Mini\": type \"miniprogram\" needs url",
            "menu.button[2] \"Mini\": type \"miniprogram\" needs appid",
            "menu.button[2] \"Mini\": type \"miniprogram\" needs pagepath",
        ]
    );
    assert!(problems(&menu(Vec::new()))[0].contains("no buttons"));
    let untyped = problems(&menu(vec![sub_menu("Empty", Vec::new())]));
    assert!(untyped[0].contains("type is missing"), "{untyped:?}");
}

#[test]
fn long_urls_nested_sub_menus_and_typed_sub_menus_are_refused() {
    let url = format!("https://example.com/{}", "a".repeat(1024));
    let long = problems(&menu(vec![view("Site", &url)]));
    assert!(
        long[0].contains("url is 1044 bytes, WeChat allows 1024"),
        "{long:?}"
    );
    let nested = problems(&menu(vec![sub_menu(
        "More",
        vec![sub_menu("Deeper", vec![view("Site", "https://e.com")])],
    )]));
    assert!(
        nested
            .iter()
            .any(|p| p.contains("a sub-menu cannot hold another")),
        "{nested:?}"
    );
    let mut typed = sub_menu("More", vec![view("Site", "https://e.com")]);
    typed.kind = Some("click".to_owned());
    let typed = problems(&menu(vec![typed]));
    assert!(typed[0].contains("has no type"), "{typed:?}");
    let mini = problems(&menu(vec![ButtonConfig {
        url: Some("https://e.com".to_owned()),
        appid: Some("wx1".to_owned()),
        ..button("miniprogram", "Mini")
    }]));
    assert_eq!(
        mini,
        ["menu.button[0] \"Mini\": type \"miniprogram\" needs pagepath"]
    );
    let schemeless = problems(&menu(vec![view("Site", "example.com")]));
    assert!(
        schemeless[0].contains("must start with http:// or https://"),
        "{schemeless:?}"
    );
    let sub = menu(vec![sub_menu(
        "More",
        vec![view(&"s".repeat(61), "https://e.com")],
    )]);
    assert!(problems(&sub)[0].contains("name is 61 bytes, WeChat allows 60"));
}
