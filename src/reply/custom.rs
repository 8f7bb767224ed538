//! A reply as a customer-service message: the JSON of `/cgi-bin/message/custom/send`, for
//! replies that miss WeChat's 5-second window.

use serde_json::{Value, json};

use super::render::{article_count, media_id};
use super::{RenderError, Reply};
use crate::ids::OpenId;

/// The customer-service JSON for sending `reply` to `to`; media must be resolved to ids.
pub(crate) fn custom_message(to: &OpenId, reply: &Reply) -> Result<Value, RenderError> {
    let body = match reply {
        Reply::Text(content) => json!({ "content": content }),
        Reply::Image(media) | Reply::Voice(media) => json!({ "media_id": media_id(media)? }),
        Reply::Video(video) => json!({
            "media_id": media_id(&video.media)?,
            "title": video.title,
            "description": video.description,
        }),
        Reply::Music(music) => json!({
            "title": music.title,
            "description": music.description,
            "musicurl": music.music_url,
            "hqmusicurl": music.hq_music_url.as_deref().unwrap_or(&music.music_url),
            "thumb_media_id": media_id(&music.thumb)?,
        }),
        Reply::News(articles) => {
            article_count(articles)?;
            let articles: Vec<Value> = articles
                .iter()
                .map(|a| json!({ "title": a.title, "description": a.description, "url": a.url, "picurl": a.pic_url }))
                .collect();
            json!({ "articles": articles })
        }
        Reply::TransferCustomerService { .. } => {
            return Err(RenderError::NotSendable(reply.msg_type()));
        }
    };
    let msg_type = reply.msg_type();
    Ok(json!({ "touser": to.as_str(), "msgtype": msg_type, msg_type: body }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::MediaId;
    use crate::reply::Article;

    fn to() -> OpenId {
        OpenId::new("o_u")
    }

    #[test]
    fn maps_each_sendable_reply() {
        let text = custom_message(&to(), &Reply::text("hi")).unwrap();
        assert_eq!(text["text"]["content"], "hi");
        let image = custom_message(&to(), &Reply::image(MediaId::new("m1"))).unwrap();
        assert_eq!(
            image,
            json!({"touser": "o_u", "msgtype": "image", "image": {"media_id": "m1"}})
        );
        let video = Reply::video(MediaId::new("v")).title("T").into();
        let video = custom_message(&to(), &video).unwrap();
        assert_eq!(video["video"]["media_id"], "v");
        assert_eq!(video["video"]["title"], "T");
        let music = Reply::music("https://m", MediaId::new("th")).into();
        let music = custom_message(&to(), &music).unwrap();
        assert_eq!(music["music"]["hqmusicurl"], "https://m");
        assert_eq!(music["music"]["thumb_media_id"], "th");
        let news = Reply::news([Article::new("A", "B", "https://p", "https://u")]);
        let news = custom_message(&to(), &news).unwrap();
        assert_eq!(news["news"]["articles"][0]["picurl"], "https://p");
    }

    #[test]
    fn refuses_what_cannot_be_sent() {
        assert!(matches!(
            custom_message(&to(), &Reply::transfer_customer_service()),
            Err(RenderError::NotSendable("transfer_customer_service"))
        ));
        assert!(matches!(
            custom_message(&to(), &Reply::image("local.jpg")),
            Err(RenderError::Unresolved(_))
        ));
    }
}
