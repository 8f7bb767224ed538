//! What the page draws for an answer: the reply XML of a pushed message, or a customer-service
//! or template message's JSON (`view/template.rs`), turned into one [`View`]. Media ids become the page's `/media/{id}` URLs,
//! and an id the emulator never issued is shown as the failure WeChat would make of it.

use serde::Serialize;
use serde_json::Value;

use crate::emulator::{Emulator, Pushed};
use crate::xml::{self, Fields};

mod template;
pub(super) use template::template;

/// What WeChat shows a user when an account answers wrongly, or not at all.
const UNAVAILABLE: &str = "the user sees “该公众号暂时无法提供服务，请稍后再试”";

/// One message as the page renders it (JSON, `"kind"` first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(super) enum View {
    Text {
        text: String,
    },
    Image {
        media_id: String,
        url: String,
    },
    Voice {
        media_id: String,
        url: String,
        /// The file's content type: browsers play MP3 but not AMR.
        format: String,
    },
    Video {
        media_id: String,
        url: String,
        title: Option<String>,
        description: Option<String>,
    },
    Music {
        title: Option<String>,
        description: Option<String>,
        music_url: Option<String>,
        hq_music_url: Option<String>,
        thumb_url: String,
    },
    News {
        articles: Vec<Article>,
    },
    /// A template message: its card, and the `msgid` its job report carries.
    Template(Box<template::Card>),
    /// The chat was handed to a human agent (`transfer_customer_service`).
    Transfer {
        kf_account: Option<String>,
    },
    /// `success` or an empty body: WeChat shows nothing.
    None,
    /// A well-formed reply of a type the page does not draw.
    Unknown {
        msg_type: String,
    },
    /// An answer WeChat would refuse, and why.
    Failed {
        message: String,
    },
}

impl View {
    /// One line for a delivery in the details: what the user sees of this answer.
    pub(super) fn summary(&self) -> String {
        match self {
            Self::Text { text } => {
                let short: String = text.chars().take(SUMMARY_CHARS).collect();
                let more = if short.len() < text.len() { "…" } else { "" };
                format!("text “{short}{more}”")
            }
            Self::Image { .. } => "an image".to_owned(),
            Self::Voice { .. } => "a voice message".to_owned(),
            Self::Video { .. } => "a video".to_owned(),
            Self::Music { .. } => "a music card".to_owned(),
            Self::News { articles } => format!("news, {} article(s)", articles.len()),
            Self::Template(card) => format!("template message “{}”", card.title),
            Self::Transfer { .. } => "a hand-off to customer service".to_owned(),
            Self::None => "“success”: no reply".to_owned(),
            Self::Unknown { msg_type } => format!("a {msg_type} reply"),
            Self::Failed { .. } => "an answer WeChat refuses".to_owned(),
        }
    }
}

/// How much of a text reply a delivery's line quotes.
const SUMMARY_CHARS: usize = 60;

/// One news card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct Article {
    title: String,
    description: String,
    pic_url: String,
    url: String,
}

/// The page's URL for stored media: the id is one path segment, percent-encoded.
pub(super) fn media_url(media_id: &str) -> String {
    // Form encoding writes a space as `+`, which a path reads as a plus; a `+` of the id's own
    // is `%2B`, so every `+` here is a space.
    let segment: String = form_urlencoded::byte_serialize(media_id.as_bytes()).collect();
    format!("/media/{}", segment.replace('+', "%20"))
}

/// The view of the answered delivery (its reply opened when it was encrypted), or of the
/// silence after the last one.
pub(super) fn reply(pushed: &Pushed, emulator: &Emulator) -> View {
    answered_body(pushed)
        .and_then(|body| reply_body(body, emulator))
        .unwrap_or_else(|failure| failure)
}

/// The body the bot answered, opened when it was encrypted; the failure WeChat makes of no
/// answer, an HTTP error or an envelope that does not open.
fn answered_body(pushed: &Pushed) -> Result<&str, View> {
    let Some(delivery) = pushed.answered() else {
        return Err(failed(format!(
            "no answer after {} deliveries: {UNAVAILABLE}",
            pushed.deliveries.len()
        )));
    };
    let body = delivery.body.trim();
    match delivery.status {
        Some(200) => {}
        Some(status) => return Err(failed(format!("HTTP {status} {body}: {UNAVAILABLE}"))),
        None => return Err(failed(format!("no answer: {UNAVAILABLE}"))),
    }
    match &pushed.opened {
        None => Ok(body),
        Some(Ok(xml)) => Ok(xml.trim()),
        Some(Err(err)) => Err(failed(format!(
            "the encrypted reply does not open ({err}): {UNAVAILABLE}"
        ))),
    }
}

/// An answered body: nothing for `success` or an empty body, else its reply XML drawn.
fn reply_body(body: &str, emulator: &Emulator) -> Result<View, View> {
    if body.is_empty() || body == "success" {
        return Ok(View::None);
    }
    let Ok(fields) = xml::scan(body) else {
        return Err(failed(format!(
            "the answer is neither reply XML nor \"success\": {UNAVAILABLE}"
        )));
    };
    reply_xml(&fields, emulator)
}

/// The reply XML's fields drawn by `MsgType`, as WeChat's client shows each kind; media it
/// names must be in the emulator.
fn reply_xml(fields: &Fields<'_>, emulator: &Emulator) -> Result<View, View> {
    let media = |name| media(emulator, fields.get(name).unwrap_or_default());
    match fields.top("MsgType").unwrap_or_default() {
        "text" => Ok(View::Text {
            text: fields.string("Content"),
        }),
        "image" => media("MediaId").map(|(media_id, url, _)| View::Image { media_id, url }),
        "voice" => media("MediaId").map(|(media_id, url, format)| View::Voice {
            media_id,
            url,
            format,
        }),
        "video" => media("MediaId").map(|(media_id, url, _)| View::Video {
            media_id,
            url,
            title: fields.opt("Title"),
            description: fields.opt("Description"),
        }),
        "music" => media("ThumbMediaId").map(|(_, thumb_url, _)| View::Music {
            title: fields.opt("Title"),
            description: fields.opt("Description"),
            music_url: fields.opt("MusicUrl"),
            hq_music_url: fields.opt("HQMusicUrl"),
            thumb_url,
        }),
        "news" => Ok(View::News {
            articles: fields
                .groups("item")
                .iter()
                .map(|item| Article {
                    title: item.string("Title"),
                    description: item.string("Description"),
                    pic_url: item.string("PicUrl"),
                    url: item.string("Url"),
                })
                .collect(),
        }),
        "transfer_customer_service" => Ok(View::Transfer {
            kf_account: fields.opt("KfAccount"),
        }),
        other => Ok(View::Unknown {
            msg_type: other.to_owned(),
        }),
    }
}

/// The view of a customer-service message (`/cgi-bin/message/custom/send`'s JSON).
pub(super) fn custom(message: &Value, emulator: &Emulator) -> View {
    let msg_type = message["msgtype"].as_str().unwrap_or_default();
    let body = &message[msg_type];
    let text = |key: &str| body[key].as_str().map(str::to_owned);
    let media = |key: &str| media(emulator, body[key].as_str().unwrap_or_default());
    let view = match msg_type {
        "text" => Ok(View::Text {
            text: text("content").unwrap_or_default(),
        }),
        "image" => media("media_id").map(|(media_id, url, _)| View::Image { media_id, url }),
        "voice" => media("media_id").map(|(media_id, url, format)| View::Voice {
            media_id,
            url,
            format,
        }),
        "video" => media("media_id").map(|(media_id, url, _)| View::Video {
            media_id,
            url,
            title: text("title"),
            description: text("description"),
        }),
        "music" => media("thumb_media_id").map(|(_, thumb_url, _)| View::Music {
            title: text("title"),
            description: text("description"),
            music_url: text("musicurl"),
            hq_music_url: text("hqmusicurl"),
            thumb_url,
        }),
        "news" => Ok(View::News {
            articles: custom_articles(body),
        }),
        other => Ok(View::Unknown {
            msg_type: other.to_owned(),
        }),
    };
    view.unwrap_or_else(|failure| failure)
}

/// The cards of a customer-service `news` message.
fn custom_articles(news: &Value) -> Vec<Article> {
    let articles = news["articles"].as_array().map(Vec::as_slice);
    articles
        .unwrap_or_default()
        .iter()
        .map(|article| {
            let field = |key: &str| article[key].as_str().unwrap_or_default().to_owned();
            Article {
                title: field("title"),
                description: field("description"),
                pic_url: field("picurl"),
                url: field("url"),
            }
        })
        .collect()
}

/// `(media_id, url, content type)` of media the emulator holds; WeChat refuses a reply
/// naming media it does not know, and so does the page.
fn media(emulator: &Emulator, media_id: &str) -> Result<(String, String, String), View> {
    match emulator.media(media_id) {
        Some(media) => Ok((media_id.to_owned(), media_url(media_id), media.content_type)),
        None => Err(failed(format!(
            "the reply names media_id {media_id:?}, which WeChat never issued: {UNAVAILABLE}"
        ))),
    }
}

fn failed(message: String) -> View {
    View::Failed { message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_ids_are_one_percent_encoded_path_segment() {
        assert_eq!(media_url("emu-image-1"), "/media/emu-image-1");
        assert_eq!(media_url("a b+c/d?é"), "/media/a%20b%2Bc%2Fd%3F%C3%A9");
    }
}
