//! The custom menu: `POST /cgi-bin/menu/create`, `GET /cgi-bin/menu/get`,
//! `GET /cgi-bin/menu/delete`. A menu is checked button by button, in order, and refused with
//! the errcode WeChat gives the first rule it breaks (40016 to 40027: one code per rule, the
//! sub-menu's codes apart from the bar's). A menu that passes is stored as created, fields
//! WeChat does not know left out; `menu/get` returns it as WeChat does, every button with its
//! `sub_button` list, empty for one that acts.

use serde_json::{Map, Value, json};

use crate::emulator::errcode::{Refusal, Served, json_object, ok};
use crate::emulator::request::ApiRequest;
use crate::emulator::state::State;
use crate::menu::{
    MAX_BUTTONS, MAX_KEY_BYTES, MAX_NAME_BYTES, MAX_SUB_BUTTONS, MAX_SUB_NAME_BYTES, MAX_URL_BYTES,
};

/// The types that send an event with their `key`.
const KEYED: &[&str] = &[
    "click",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
];

/// A button's place, which picks its limits and WeChat's codes: a sub-menu's buttons have
/// codes of their own (40024 for 40017, and so on).
struct Level {
    name_bytes: usize,
    /// Type, name, key, url, url domain.
    codes: [i64; 5],
    what: &'static str,
}

const BAR: Level = Level {
    name_bytes: MAX_NAME_BYTES,
    codes: [40017, 40018, 40019, 40020, 40055],
    what: "button",
};

const SUB: Level = Level {
    name_bytes: MAX_SUB_NAME_BYTES,
    codes: [40024, 40025, 40026, 40027, 40054],
    what: "sub button",
};

/// `POST /cgi-bin/menu/create`: `{"button": [...]}`, one to three buttons.
pub(in crate::emulator) fn create(state: &State, request: &ApiRequest<'_>) -> Served {
    let body = json_object(request.body)?;
    let buttons = body
        .get("button")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if !(1..=MAX_BUTTONS).contains(&buttons.len()) {
        return Err(Refusal::new(40016, "invalid button size"));
    }
    let stored = buttons
        .iter()
        .map(bar_button)
        .collect::<Result<Vec<_>, _>>()?;
    state.set_menu(json!({ "button": stored }));
    ok()
}

/// `GET /cgi-bin/menu/get`: `{"menu": {"button": [...]}}`, or 46003 when there is none.
pub(in crate::emulator) fn get(state: &State, _: &ApiRequest<'_>) -> Served {
    match state.menu() {
        Some(menu) => Ok(actix_web::HttpResponse::Ok().json(json!({ "menu": as_returned(menu) }))),
        None => Err(Refusal::new(46003, "menu no exist")),
    }
}

/// `GET /cgi-bin/menu/delete`: the menu is gone (deleting none is fine too, as on WeChat).
pub(in crate::emulator) fn delete(state: &State, _: &ApiRequest<'_>) -> Served {
    state.delete_menu();
    ok()
}

/// The stored menu as `menu/get` shows it: a button that acts gets an empty `sub_button`.
fn as_returned(mut menu: Value) -> Value {
    fn fill(buttons: Option<&mut Vec<Value>>) {
        for button in buttons.into_iter().flatten() {
            let subs = button.get_mut("sub_button").and_then(Value::as_array_mut);
            match subs {
                Some(subs) => fill(Some(subs)),
                None => button["sub_button"] = json!([]),
            }
        }
    }
    fill(menu.get_mut("button").and_then(Value::as_array_mut));
    menu
}

/// A button on the bar: one that opens a sub-menu of one to five, or one that acts.
fn bar_button(button: &Value) -> Result<Value, Refusal> {
    let button = object(button)?;
    let subs = button
        .get("sub_button")
        .and_then(Value::as_array)
        .filter(|subs| !subs.is_empty());
    let Some(subs) = subs else {
        return entry(button, &BAR);
    };
    let name = name(button, &BAR)?;
    if subs.len() > MAX_SUB_BUTTONS {
        return Err(Refusal::new(40023, "invalid sub button size"));
    }
    let mut stored = Vec::with_capacity(subs.len());
    for sub in subs {
        let sub = object(sub)?;
        let nested = sub.get("sub_button").and_then(Value::as_array);
        if nested.is_some_and(|nested| !nested.is_empty()) {
            return Err(Refusal::new(40022, "invalid sub menu level"));
        }
        stored.push(entry(sub, &SUB)?);
    }
    Ok(json!({ "name": name, "sub_button": stored }))
}

/// A button that acts: its type, name and the fields its type needs.
fn entry(button: &Map<String, Value>, level: &Level) -> Result<Value, Refusal> {
    let [type_code, _, key_code, url_code, domain_code] = level.codes;
    let kind = text(button, "type");
    let name = name(button, level)?;
    let mut stored = json!({ "type": kind, "name": name });
    let mut keep = |field: &str, limit: usize, code: i64, what: &str| {
        let value = text(button, field);
        if value.is_empty() || value.len() > limit {
            return Err(Refusal::new(code, format!("invalid {} {what}", level.what)));
        }
        stored[field] = json!(value);
        Ok(value)
    };
    match kind {
        kind if KEYED.contains(&kind) => {
            keep("key", MAX_KEY_BYTES, key_code, "key size")?;
        }
        "view" | "miniprogram" => {
            let url = keep("url", MAX_URL_BYTES, url_code, "url size")?;
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                let message = format!("invalid {} url domain", level.what);
                return Err(Refusal::new(domain_code, message));
            }
            if kind == "miniprogram" {
                keep("appid", MAX_KEY_BYTES, 47001, "appid: data format error")?;
                keep(
                    "pagepath",
                    MAX_URL_BYTES,
                    47001,
                    "pagepath: data format error",
                )?;
            }
        }
        "media_id" | "view_limited" => {
            keep("media_id", MAX_KEY_BYTES, 40007, "media_id")?;
        }
        "article_id" | "article_view_limited" => {
            keep(
                "article_id",
                MAX_KEY_BYTES,
                47001,
                "article_id: data format error",
            )?;
        }
        _ => {
            let message = format!("invalid {} type", level.what);
            return Err(Refusal::new(type_code, message));
        }
    }
    Ok(stored)
}

/// The button's name, present and within the level's byte limit (UTF-8, as WeChat counts).
fn name<'a>(button: &'a Map<String, Value>, level: &Level) -> Result<&'a str, Refusal> {
    let name = text(button, "name");
    if name.trim().is_empty() || name.len() > level.name_bytes {
        let message = format!("invalid {} name size", level.what);
        return Err(Refusal::new(level.codes[1], message));
    }
    Ok(name)
}

fn text<'a>(button: &'a Map<String, Value>, field: &str) -> &'a str {
    button
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn object(button: &Value) -> Result<&Map<String, Value>, Refusal> {
    button
        .as_object()
        .ok_or_else(|| Refusal::new(47001, "data format error: a button is no JSON object"))
}
