//! A template message (`/cgi-bin/message/template/send`'s JSON) as WeChat's client draws it:
//! a card with the template's title, its fields in their colours (`first` on top without a
//! label, `remark` at the bottom), and a "details" link when it has a URL or a mini program.

use serde::Serialize;
use serde_json::Value;

use super::View;
use crate::emulator::Emulator;

/// One field of the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(in crate::dev) struct Field {
    key: String,
    value: String,
    /// `#RRGGBB`, when the message gave one.
    color: Option<String>,
}

/// A template message's card, and the `msgid` its job report carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(in crate::dev) struct Card {
    msgid: u64,
    template_id: String,
    /// The template's title, or its id when the emulator was not told its title.
    pub(super) title: String,
    fields: Vec<Field>,
    url: Option<String>,
    /// `appid pagepath` of the mini program the card opens.
    miniprogram: Option<String>,
    /// Who it was sent to.
    touser: String,
}

/// The card of a template message the emulator accepted (it carries its `msgid`).
pub(in crate::dev) fn template(message: &Value, emulator: &Emulator) -> View {
    let text = |value: &Value| value.as_str().map(str::to_owned);
    let template_id = text(&message["template_id"]).unwrap_or_default();
    let mut fields: Vec<Field> = message["data"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, field)| Field {
            key: key.clone(),
            value: text(&field["value"]).unwrap_or_default(),
            color: text(&field["color"]),
        })
        .collect();
    // WeChat draws `first` above the keywords and `remark` below them, wherever they are sent.
    fields.sort_by_key(|field| match field.key.as_str() {
        "first" => 0,
        "remark" => 2,
        _ => 1,
    });
    let mini = &message["miniprogram"];
    let miniprogram = mini["appid"].as_str().map(|appid| {
        let page = mini["pagepath"].as_str().unwrap_or_default();
        format!("{appid} {page}").trim_end().to_owned()
    });
    View::Template(Box::new(Card {
        msgid: message["msgid"].as_u64().unwrap_or_default(),
        title: emulator
            .template_title(&template_id)
            .unwrap_or_else(|| template_id.clone()),
        template_id,
        fields,
        url: text(&message["url"]).filter(|url| !url.is_empty()),
        miniprogram,
        touser: text(&message["touser"]).unwrap_or_default(),
    }))
}
