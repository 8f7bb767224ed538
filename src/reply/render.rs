//! Reply XML, written by hand: the platform's field order, every string in CDATA.
//!
//! `quick_xml::se` escapes rather than writing CDATA, and a `Writer` adds nothing for a fixed
//! flat shape; one `String` with the right capacity is the cheapest correct output.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{Article, MAX_ARTICLES, MediaSource, Reply};
use crate::message::Header;
use crate::xml::cdata_field;

/// Why a reply cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// A media reply still names a local file: it must be uploaded first.
    #[error("media file {0:?} has not been uploaded (no media_id)")]
    Unresolved(PathBuf),
    /// A news reply without articles.
    #[error("a news reply needs at least one article")]
    NoArticles,
    /// A news reply with more articles than WeChat shows.
    #[error("a news reply carries at most {MAX_ARTICLES} articles, got {0}")]
    TooManyArticles(usize),
    /// A reply that has no customer-service form.
    #[error("a {0} reply cannot be sent through customer service")]
    NotSendable(&'static str),
}

/// Writes `reply` as the answer to the message with `header`, at Unix time `now`.
pub(crate) fn render(header: &Header, reply: &Reply, now: u64) -> Result<String, RenderError> {
    let mut out = String::with_capacity(256 + body_hint(reply));
    out.push_str("<xml>");
    cdata_field(&mut out, "ToUserName", header.from.as_str());
    cdata_field(&mut out, "FromUserName", &header.to);
    let _ = write!(out, "<CreateTime>{now}</CreateTime>");
    cdata_field(&mut out, "MsgType", reply.msg_type());
    match reply {
        Reply::Text(content) => cdata_field(&mut out, "Content", content),
        Reply::Image(media) => media_block(&mut out, "Image", media)?,
        Reply::Voice(media) => media_block(&mut out, "Voice", media)?,
        Reply::Video(video) => {
            out.push_str("<Video>");
            cdata_field(&mut out, "MediaId", media_id(&video.media)?);
            optional(&mut out, "Title", video.title.as_deref());
            optional(&mut out, "Description", video.description.as_deref());
            out.push_str("</Video>");
        }
        Reply::Music(music) => {
            out.push_str("<Music>");
            optional(&mut out, "Title", music.title.as_deref());
            optional(&mut out, "Description", music.description.as_deref());
            cdata_field(&mut out, "MusicUrl", &music.music_url);
            let hq = music.hq_music_url.as_deref().unwrap_or(&music.music_url);
            cdata_field(&mut out, "HQMusicUrl", hq);
            cdata_field(&mut out, "ThumbMediaId", media_id(&music.thumb)?);
            out.push_str("</Music>");
        }
        Reply::News(articles) => {
            let count = article_count(articles)?;
            let _ = write!(out, "<ArticleCount>{count}</ArticleCount>");
            out.push_str("<Articles>");
            for article in articles {
                out.push_str("<item>");
                cdata_field(&mut out, "Title", &article.title);
                cdata_field(&mut out, "Description", &article.description);
                cdata_field(&mut out, "PicUrl", &article.pic_url);
                cdata_field(&mut out, "Url", &article.url);
                out.push_str("</item>");
            }
            out.push_str("</Articles>");
        }
        Reply::TransferCustomerService { kf_account } => {
            if let Some(account) = kf_account {
                out.push_str("<TransInfo>");
                cdata_field(&mut out, "KfAccount", account);
                out.push_str("</TransInfo>");
            }
        }
    }
    out.push_str("</xml>");
    Ok(out)
}

/// The number of articles, when WeChat takes that many (1 to [`MAX_ARTICLES`]).
pub(crate) fn article_count(articles: &[Article]) -> Result<usize, RenderError> {
    match articles.len() {
        0 => Err(RenderError::NoArticles),
        n if n > MAX_ARTICLES => Err(RenderError::TooManyArticles(n)),
        n => Ok(n),
    }
}

/// The media id of a resolved source.
pub(crate) fn media_id(media: &MediaSource) -> Result<&str, RenderError> {
    match media {
        MediaSource::Id(id) => Ok(id.as_str()),
        MediaSource::File(path) => Err(RenderError::Unresolved(path.clone())),
    }
}

fn body_hint(reply: &Reply) -> usize {
    match reply {
        Reply::Text(content) => content.len(),
        Reply::News(articles) => articles.len() * 256,
        _ => 128,
    }
}

fn media_block(out: &mut String, tag: &str, media: &MediaSource) -> Result<(), RenderError> {
    let id = media_id(media)?;
    let _ = write!(out, "<{tag}>");
    cdata_field(out, "MediaId", id);
    let _ = write!(out, "</{tag}>");
    Ok(())
}

fn optional(out: &mut String, tag: &str, value: Option<&str>) {
    if let Some(value) = value {
        cdata_field(out, tag, value);
    }
}
