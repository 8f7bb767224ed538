//! WeChat's menu rules, checked on the config before any call: every problem is collected,
//! each naming its button.

use super::{
    Action, Button, Entry, KeyedKind, MAX_BUTTONS, MAX_KEY_BYTES, MAX_NAME_BYTES, MAX_SUB_BUTTONS,
    MAX_SUB_NAME_BYTES, MAX_URL_BYTES, Menu, MenuError,
};
use crate::config::{ButtonConfig, MenuConfig};

/// The menu, or every rule it breaks.
pub(super) fn menu(config: &MenuConfig) -> Result<Menu, MenuError> {
    let mut problems = Vec::new();
    if config.button.is_empty() {
        problems.push("menu: no buttons (add [[menu.button]] with a type and a name)".to_owned());
    }
    if config.button.len() > MAX_BUTTONS {
        problems.push(format!(
            "menu: {} buttons, WeChat allows {MAX_BUTTONS}",
            config.button.len()
        ));
    }
    let mut buttons = Vec::new();
    for (i, spec) in config.button.iter().enumerate() {
        let at = format!("menu.button[{i}] {:?}", spec.name);
        let mut report = |problem: String| problems.push(format!("{at}: {problem}"));
        name_problem(&spec.name, MAX_NAME_BYTES).map(&mut report);
        if spec.sub_button.is_empty() {
            if let Some(action) = action(spec, &mut report) {
                buttons.push(Button::Action(Entry {
                    name: spec.name.clone(),
                    action,
                }));
            }
            continue;
        }
        if spec.kind.is_some() {
            report("a button with a sub_button list opens it and has no type".to_owned());
        }
        if spec.sub_button.len() > MAX_SUB_BUTTONS {
            report(format!(
                "{} sub-buttons, WeChat allows {MAX_SUB_BUTTONS}",
                spec.sub_button.len()
            ));
        }
        let entries = sub_buttons(&at, &spec.sub_button, &mut problems);
        buttons.push(Button::SubMenu {
            name: spec.name.clone(),
            entries,
        });
    }
    if problems.is_empty() {
        Ok(Menu { buttons })
    } else {
        Err(MenuError { problems })
    }
}

fn sub_buttons(at: &str, specs: &[ButtonConfig], problems: &mut Vec<String>) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (j, spec) in specs.iter().enumerate() {
        let at = format!("{at}.sub_button[{j}] {:?}", spec.name);
        let mut report = |problem: String| problems.push(format!("{at}: {problem}"));
        name_problem(&spec.name, MAX_SUB_NAME_BYTES).map(&mut report);
        if !spec.sub_button.is_empty() {
            report("a sub-menu cannot hold another".to_owned());
        }
        if let Some(action) = action(spec, &mut report) {
            entries.push(Entry {
                name: spec.name.clone(),
                action,
            });
        }
    }
    entries
}

fn name_problem(name: &str, limit: usize) -> Option<String> {
    if name.trim().is_empty() {
        return Some("name is missing".to_owned());
    }
    (name.len() > limit).then(|| {
        format!(
            "name is {} bytes, WeChat allows {limit} (UTF-8: a Chinese character is 3)",
            name.len()
        )
    })
}

/// The action `spec`'s type asks for, reporting each missing or oversized field.
fn action(spec: &ButtonConfig, report: &mut impl FnMut(String)) -> Option<Action> {
    let Some(kind) = spec.kind.as_deref() else {
        report("type is missing (click, view, …), or give it a sub_button list".to_owned());
        return None;
    };
    let mut field = |name: &str, value: &Option<String>, limit: usize| -> Option<String> {
        match value.as_deref().map(str::trim) {
            None | Some("") => {
                report(format!("type {kind:?} needs {name}"));
                None
            }
            Some(value) if value.len() > limit => {
                report(format!(
                    "{name} is {} bytes, WeChat allows {limit}",
                    value.len()
                ));
                None
            }
            Some(value)
                if name == "url"
                    && !(value.starts_with("http://") || value.starts_with("https://")) =>
            {
                report(format!("url {value:?} must start with http:// or https://"));
                None
            }
            Some(value) => Some(value.to_owned()),
        }
    };
    if let Some(keyed) = KeyedKind::named(kind) {
        let key = field("key", &spec.key, MAX_KEY_BYTES)?;
        return Some(Action::Keyed { kind: keyed, key });
    }
    match kind {
        "view" => {
            let url = field("url", &spec.url, MAX_URL_BYTES)?;
            Some(Action::View { url })
        }
        "miniprogram" => {
            let (url, appid, pagepath) = (
                field("url", &spec.url, MAX_URL_BYTES),
                field("appid", &spec.appid, MAX_KEY_BYTES),
                field("pagepath", &spec.pagepath, MAX_URL_BYTES),
            );
            Some(Action::Miniprogram {
                url: url?,
                appid: appid?,
                pagepath: pagepath?,
            })
        }
        "article_id" | "article_view_limited" => Some(Action::Article {
            limited: kind == "article_view_limited",
            article_id: field("article_id", &spec.article_id, MAX_KEY_BYTES)?,
        }),
        "media_id" | "view_limited" => Some(Action::Media {
            limited: kind == "view_limited",
            media_id: field("media_id", &spec.media_id, MAX_KEY_BYTES)?,
        }),
        other => {
            report(format!(
                "unknown type {other:?}: click, view, scancode_push, scancode_waitmsg, \
                 pic_sysphoto, pic_photo_or_album, pic_weixin, location_select, miniprogram, \
                 article_id, article_view_limited, media_id or view_limited"
            ));
            None
        }
    }
}
