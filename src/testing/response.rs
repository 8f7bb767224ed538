//! What the endpoint answered, its reply XML parsed once.

use crate::config::Config;
use crate::reply::Article;

use super::normalize_create_time;

/// What the endpoint answered: the status and the body, and the reply's fields, read once.
#[derive(Debug, Clone)]
pub struct TestResponse {
    /// HTTP status.
    pub status: u16,
    /// Body text.
    pub body: String,
    /// Every leaf element of the body as `(name, value)`, in document order; empty when the
    /// body is not XML.
    leaves: Vec<(String, String)>,
}

impl PartialEq for TestResponse {
    fn eq(&self, other: &Self) -> bool {
        // The leaves follow from the body.
        self.status == other.status && self.body == other.body
    }
}

impl Eq for TestResponse {}

impl TestResponse {
    /// A response with `status` and `body`, its XML read once.
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        let body = body.into();
        let leaves = crate::xml::scan(&body)
            .map(|fields| {
                fields
                    .leaves
                    .into_iter()
                    .map(|leaf| (leaf.name.to_owned(), leaf.value.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            status,
            body,
            leaves,
        }
    }

    /// Whether the answer is `success` (no reply).
    pub fn is_success(&self) -> bool {
        self.status == 200 && self.body == "success"
    }

    /// A top-level or nested field of the reply XML, by element name (`Content`, `MediaId`):
    /// the first one in document order.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.leaves
            .iter()
            .find(|(leaf, _)| leaf == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every value of a repeated field (`Title` of each news article).
    pub fn fields(&self, name: &str) -> Vec<&str> {
        self.leaves
            .iter()
            .filter(|(leaf, _)| leaf == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The reply's `MsgType`.
    pub fn msg_type(&self) -> Option<&str> {
        self.field("MsgType")
    }

    /// The `Content` of a text reply.
    pub fn text(&self) -> Option<&str> {
        (self.msg_type()? == "text")
            .then(|| self.field("Content"))
            .flatten()
    }

    /// The `MediaId` of an image, voice or video reply (a music reply's is `ThumbMediaId`).
    pub fn media_id(&self) -> Option<&str> {
        match self.msg_type()? {
            "image" | "voice" | "video" => self.field("MediaId"),
            "music" => self.field("ThumbMediaId"),
            _ => None,
        }
    }

    /// The articles of a news reply, in order; empty for any other reply.
    pub fn articles(&self) -> Vec<Article> {
        if self.msg_type() != Some("news") {
            return Vec::new();
        }
        let column = |name| self.fields(name).into_iter();
        let cards = column("Title").zip(column("Description"));
        let links = column("PicUrl").zip(column("Url"));
        cards
            .zip(links)
            .map(|((title, description), (pic_url, url))| {
                Article::new(title, description, pic_url, url)
            })
            .collect()
    }

    /// The reply inside an encrypted answer, checked against its `MsgSignature`; `None` when
    /// the answer is not a well-signed envelope for `config`'s account.
    pub fn open(&self, config: &Config) -> Option<Self> {
        let body = config.crypt().ok()??.open_reply(&self.body).ok()?;
        Some(Self::new(self.status, body))
    }

    /// The body with `CreateTime` set to 0, for comparing with a golden file.
    pub fn normalized(&self) -> String {
        normalize_create_time(&self.body)
    }
}
