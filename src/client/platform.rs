//! The platform around the bot: the custom menu, QR codes with scenes, and user info. Each
//! call goes through the client's token and retry rules; errors keep WeChat's `errcode`.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Client, ClientError};
use crate::ids::OpenId;
use crate::menu::Menu;

/// WeChat's answer to reading a menu when the account has none.
const NO_MENU: [i64; 2] = [46003, 65303];
/// The longest life of a temporary QR code: 30 days.
pub const MAX_QR_EXPIRE: Duration = Duration::from_secs(2_592_000);
/// The highest scene number of a permanent QR code (WeChat keeps 100,000 of them).
pub const MAX_PERMANENT_SCENE: u32 = 100_000;
/// The longest string scene, in bytes.
pub const MAX_SCENE_BYTES: usize = 64;

/// A QR code's scene: what a follow or scan through it carries as its `EventKey`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scene {
    /// A number: 1 to 100000 for a permanent code, any 32-bit value for a temporary one.
    Id(u32),
    /// A string of 1 to 64 bytes.
    Str(String),
}

impl Scene {
    /// A number when `scene` is all digits (and fits), else a string.
    pub fn parse(scene: &str) -> Self {
        match scene.parse() {
            Ok(id) if scene.bytes().all(|b| b.is_ascii_digit()) => Self::Id(id),
            _ => Self::Str(scene.to_owned()),
        }
    }
}

/// A QR code WeChat made.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct QrCode {
    /// The ticket: the code's image is `showqrcode?ticket=…`.
    pub ticket: String,
    /// Seconds it lives, for a temporary code.
    #[serde(default)]
    pub expire_seconds: Option<u64>,
    /// What the code encodes (for drawing it yourself).
    pub url: String,
}

/// What `/cgi-bin/user/info` tells of a user. WeChat stopped returning nickname and avatar
/// on 2021-12-27, so there are none to wait for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// Whether the user follows the account; when not, the rest is empty.
    #[serde(deserialize_with = "flag")]
    pub subscribe: bool,
    /// The user.
    pub openid: OpenId,
    /// The client's language, e.g. `zh_CN`.
    #[serde(default)]
    pub language: String,
    /// When they followed, Unix seconds (the last time, if more than once).
    #[serde(default)]
    pub subscribe_time: u64,
    /// Across the open platform's apps, when the account is bound to it.
    #[serde(default)]
    pub unionid: Option<String>,
    /// The account's note on the user.
    #[serde(default)]
    pub remark: String,
    /// The user's tags.
    #[serde(default)]
    pub tagid_list: Vec<u64>,
    /// How they followed: `ADD_SCENE_QR_CODE`, `ADD_SCENE_SEARCH`, …
    #[serde(default)]
    pub subscribe_scene: String,
    /// The QR scene they followed through (number).
    #[serde(default)]
    pub qr_scene: u64,
    /// The QR scene they followed through (string).
    #[serde(default)]
    pub qr_scene_str: String,
}

fn flag<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    u8::deserialize(deserializer).map(|value| value != 0)
}

#[derive(Deserialize)]
struct MenuAnswer {
    menu: Value,
}

impl Client {
    /// Sets the account's custom menu (`POST /cgi-bin/menu/create`); WeChat clients show it
    /// within minutes. `wxbot menu push` does this with the config's `[menu]`.
    ///
    /// ```no_run
    /// # async fn demo(client: wxbot::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let config = wxbot::Config::load(None)?;
    /// let menu = wxbot::menu::Menu::check(&config.menu)?;
    /// client.create_menu(&menu).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_menu(&self, menu: &Menu) -> Result<(), ClientError> {
        self.post_api::<Value>("/cgi-bin/menu/create", &menu.to_json())
            .await
            .map(drop)
    }

    /// The account's custom menu as WeChat's JSON (`{"button": […]}`), `None` when it has
    /// none (`GET /cgi-bin/menu/get`).
    pub async fn menu(&self) -> Result<Option<Value>, ClientError> {
        match self.get_api::<MenuAnswer>("/cgi-bin/menu/get", &[]).await {
            Ok(answer) => Ok(Some(answer.menu)),
            Err(ClientError::Api(err)) if NO_MENU.contains(&err.code) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Removes the custom menu (`GET /cgi-bin/menu/delete`).
    pub async fn delete_menu(&self) -> Result<(), ClientError> {
        self.get_api::<Value>("/cgi-bin/menu/delete", &[])
            .await
            .map(drop)
    }

    /// Makes a QR code for `scene` (`POST /cgi-bin/qrcode/create`): temporary when it
    /// `expires` (at most [`MAX_QR_EXPIRE`]), else permanent (WeChat keeps at most 100,000).
    /// A follow through it arrives as `subscribe` with `qrscene_<scene>`, a follower's scan as
    /// `SCAN` with the scene: one [`Router::qr_scene`](crate::Router::qr_scene) takes both.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use wxbot::platform::Scene;
    ///
    /// # async fn demo(client: wxbot::Client) -> Result<(), wxbot::ClientError> {
    /// let poster = Scene::Str("poster-7".to_owned());
    /// let code = client.create_qrcode(&poster, Some(Duration::from_secs(7 * 86_400))).await?;
    /// println!("{}", client.qrcode_image_url(&code.ticket));
    /// # Ok(()) }
    /// ```
    pub async fn create_qrcode(
        &self,
        scene: &Scene,
        expires: Option<Duration>,
    ) -> Result<QrCode, ClientError> {
        let (action, info) = match (scene, expires.is_some()) {
            (Scene::Id(id), true) => ("QR_SCENE", json!({ "scene_id": id })),
            (Scene::Id(id), false) => ("QR_LIMIT_SCENE", json!({ "scene_id": id })),
            (Scene::Str(s), true) => ("QR_STR_SCENE", json!({ "scene_str": s })),
            (Scene::Str(s), false) => ("QR_LIMIT_STR_SCENE", json!({ "scene_str": s })),
        };
        let mut body = json!({ "action_name": action, "action_info": { "scene": info } });
        if let Some(expires) = expires {
            body["expire_seconds"] = json!(expires.min(MAX_QR_EXPIRE).as_secs());
        }
        self.post_api("/cgi-bin/qrcode/create", &body).await
    }

    /// The image of the code with `ticket`: WeChat serves it from `mp.weixin.qq.com`, whatever
    /// host (or proxy) the API calls go through; a local emulator (`api.base_url` on
    /// loopback) serves it itself.
    pub fn qrcode_image_url(&self, ticket: &str) -> String {
        let base = self.inner.base_url.as_str();
        let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|prefix| base.starts_with(prefix));
        let host = if local {
            base
        } else {
            "https://mp.weixin.qq.com"
        };
        let ticket: String = form_urlencoded::byte_serialize(ticket.as_bytes()).collect();
        format!("{host}/cgi-bin/showqrcode?ticket={ticket}")
    }

    /// What WeChat tells of `user` (`GET /cgi-bin/user/info`).
    ///
    /// ```no_run
    /// use wxbot::prelude::*;
    ///
    /// async fn whoami(ctx: Ctx, text: Text) -> Result<String, wxbot::ClientError> {
    ///     let _ = text;
    ///     let me = ctx.api().user_info(&ctx.message().header.from).await?;
    ///     Ok(format!("following since {}, scene {:?}", me.subscribe_time, me.subscribe_scene))
    /// }
    /// ```
    pub async fn user_info(&self, user: &OpenId) -> Result<UserInfo, ClientError> {
        let query = [("openid", user.as_str()), ("lang", "zh_CN")];
        self.get_api("/cgi-bin/user/info", &query).await
    }

    /// An authenticated JSON POST to `path`, its answer decoded.
    pub(super) async fn post_api<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &(impl Serialize + ?Sized),
    ) -> Result<T, ClientError> {
        let (_, answer) = self
            .authed(path, |token| {
                self.http()
                    .post(self.url(path))
                    .query(&[("access_token", token)])
                    .json(body)
            })
            .await?;
        super::decode(path, &answer)
    }

    /// An authenticated GET of `path` with `query`, its answer decoded.
    async fn get_api<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ClientError> {
        let (_, answer) = self
            .authed(path, |token| {
                self.http()
                    .get(self.url(path))
                    .query(&[("access_token", token)])
                    .query(query)
            })
            .await?;
        super::decode(path, &answer)
    }
}
