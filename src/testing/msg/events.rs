//! The rarer events: the menu's scanners, pictures, location picker and mini-program link; job
//! reports; subscription messages; customer-service sessions. Each reads back through
//! [`crate::message::parse`] as the values it was built from.

use super::{Field, Msg, group, number, text};

impl Msg {
    /// The menu's scanner with the result pushed to the page (`scancode_push`): the button
    /// `key`, the code's `scan_type` (`qrcode`, `barcode`) and what it holds.
    pub fn scancode_push(
        key: impl Into<String>,
        scan_type: impl Into<String>,
        scan_result: impl Into<String>,
    ) -> Self {
        scan_code(
            "scancode_push",
            key.into(),
            scan_type.into(),
            scan_result.into(),
        )
    }

    /// The menu's scanner waiting for the account's answer (`scancode_waitmsg`), as
    /// [`Msg::scancode_push`].
    pub fn scancode_waitmsg(
        key: impl Into<String>,
        scan_type: impl Into<String>,
        scan_result: impl Into<String>,
    ) -> Self {
        let (key, scan_type) = (key.into(), scan_type.into());
        scan_code("scancode_waitmsg", key, scan_type, scan_result.into())
    }

    /// Photos taken from the menu button `key` (`pic_sysphoto`), one MD5 per picture.
    pub fn pic_sysphoto(
        key: impl Into<String>,
        md5s: impl IntoIterator<Item: Into<String>>,
    ) -> Self {
        pictures("pic_sysphoto", key.into(), md5s)
    }

    /// Photos or album pictures sent from the menu button `key` (`pic_photo_or_album`).
    pub fn pic_photo_or_album(
        key: impl Into<String>,
        md5s: impl IntoIterator<Item: Into<String>>,
    ) -> Self {
        pictures("pic_photo_or_album", key.into(), md5s)
    }

    /// Pictures from the WeChat album sent from the menu button `key` (`pic_weixin`).
    pub fn pic_weixin(key: impl Into<String>, md5s: impl IntoIterator<Item: Into<String>>) -> Self {
        pictures("pic_weixin", key.into(), md5s)
    }

    /// A location picked from the menu button `key` (`location_select`); its `Poiname` is
    /// empty, as when no point of interest was picked: `.with("Poiname", "…")` names one.
    pub fn location_select(
        key: impl Into<String>,
        x: f64,
        y: f64,
        scale: u32,
        label: impl Into<String>,
    ) -> Self {
        let info = [
            text("Location_X", x.to_string()),
            text("Location_Y", y.to_string()),
            text("Scale", scale.to_string()),
            text("Label", label),
            text("Poiname", ""),
        ];
        let fields = vec![text("EventKey", key), group("SendLocationInfo", info)];
        Self::event_of("location_select", fields)
    }

    /// A menu button that opens the mini-program page `page_path` (`view_miniprogram`).
    pub fn view_miniprogram(page_path: impl Into<String>) -> Self {
        Self::event("view_miniprogram", vec![("EventKey", page_path.into())])
    }

    /// The outcome of the template message `msg_id` (`TEMPLATESENDJOBFINISH`): `status` is
    /// `success`, `failed:user block` or `failed: system failed`. Two reports of one `msg_id`
    /// are one message to the dedupe table, as they are to WeChat.
    pub fn template_send_job_finish(msg_id: u64, status: impl Into<String>) -> Self {
        let fields = vec![number("MsgID", msg_id.to_string()), text("Status", status)];
        Self::event_of("TEMPLATESENDJOBFINISH", fields)
    }

    /// The outcome of the mass send `msg_id` (`MASSSENDJOBFINISH`): `status` (`send
    /// success`, `send fail`, `err(…)`), then the followers in all, those left after the
    /// filter, those sent to and those failed. One `msg_id`, one message, as for templates.
    pub fn mass_send_job_finish(
        msg_id: u64,
        status: impl Into<String>,
        total: u64,
        filtered: u64,
        sent: u64,
        errors: u64,
    ) -> Self {
        let fields = vec![
            number("MsgID", msg_id.to_string()),
            text("Status", status),
            number("TotalCount", total.to_string()),
            number("FilterCount", filtered.to_string()),
            number("SentCount", sent.to_string()),
            number("ErrorCount", errors.to_string()),
        ];
        Self::event_of("MASSSENDJOBFINISH", fields)
    }

    /// A publish job that published (`PUBLISHJOBFINISH`, `publish_status` 0): the article's
    /// id and the URL of each of its articles.
    pub fn publish_job_finish(
        publish_id: impl Into<String>,
        article_id: impl Into<String>,
        article_urls: impl IntoIterator<Item: Into<String>>,
    ) -> Self {
        let items: Vec<Field> = article_urls
            .into_iter()
            .enumerate()
            .map(|(i, url)| {
                group(
                    "item",
                    [number("idx", (i + 1).to_string()), text("article_url", url)],
                )
            })
            .collect();
        let detail = [number("count", items.len().to_string())]
            .into_iter()
            .chain(items);
        publish(
            publish_id.into(),
            0,
            vec![
                text("article_id", article_id),
                group("article_detail", detail),
            ],
        )
    }

    /// A publish job that did not publish (`PUBLISHJOBFINISH`): `status` 1 publishing, 2
    /// original-content check failed, 3 failed, 4 audit failed, 5 deleted, 6 banned; with
    /// `fail_idx`, the articles that failed (statuses 2 and 4).
    pub fn publish_job_failed(
        publish_id: impl Into<String>,
        status: u32,
        fail_idx: impl IntoIterator<Item = u32>,
    ) -> Self {
        let failed = fail_idx
            .into_iter()
            .map(|idx| number("fail_idx", idx.to_string()));
        publish(publish_id.into(), status, failed.collect())
    }

    /// The user's answers to a subscription-message prompt (`subscribe_msg_popup_event`):
    /// `(template_id, "accept" | "reject")` each, and where the prompt was (`PopupScene`).
    pub fn subscribe_msg_popup<T: Into<String>, S: Into<String>>(
        choices: impl IntoIterator<Item = (T, S)>,
        scene: u32,
    ) -> Self {
        let lists = choices.into_iter().map(|(template, status)| {
            let scene = number("PopupScene", scene.to_string());
            choice(template.into(), status.into(), Some(scene))
        });
        let fields = vec![group("SubscribeMsgPopupEvent", lists)];
        Self::event_of("subscribe_msg_popup_event", fields)
    }

    /// The user's changed subscription-message settings (`subscribe_msg_change_event`):
    /// `(template_id, "accept" | "reject")` each.
    pub fn subscribe_msg_change<T: Into<String>, S: Into<String>>(
        choices: impl IntoIterator<Item = (T, S)>,
    ) -> Self {
        let lists = choices
            .into_iter()
            .map(|(template, status)| choice(template.into(), status.into(), None));
        let fields = vec![group("SubscribeMsgChangeEvent", lists)];
        Self::event_of("subscribe_msg_change_event", fields)
    }

    /// The outcome of the subscription message `msg_id` of `template_id`
    /// (`subscribe_msg_sent_event`): `error_code` 0 and `error_status` `success`, or why not.
    pub fn subscribe_msg_sent(
        template_id: impl Into<String>,
        msg_id: u64,
        error_code: i64,
        error_status: impl Into<String>,
    ) -> Self {
        let list = group(
            "List",
            [
                text("TemplateId", template_id),
                number("MsgID", msg_id.to_string()),
                number("ErrorCode", error_code.to_string()),
                text("ErrorStatus", error_status),
            ],
        );
        let fields = vec![group("SubscribeMsgSentEvent", [list])];
        Self::event_of("subscribe_msg_sent_event", fields)
    }

    /// The customer-service agent `kf_account` took the conversation (`kf_create_session`).
    pub fn kf_create_session(kf_account: impl Into<String>) -> Self {
        Self::event("kf_create_session", vec![("KfAccount", kf_account.into())])
    }

    /// The agent `kf_account` closed the conversation (`kf_close_session`).
    pub fn kf_close_session(kf_account: impl Into<String>) -> Self {
        Self::event("kf_close_session", vec![("KfAccount", kf_account.into())])
    }

    /// The conversation moved from the agent `from` to the agent `to` (`kf_switch_session`).
    pub fn kf_switch_session(from: impl Into<String>, to: impl Into<String>) -> Self {
        let fields = vec![("FromKfAccount", from.into()), ("ToKfAccount", to.into())];
        Self::event("kf_switch_session", fields)
    }
}

/// A scanner event: the key, then `ScanCodeInfo`.
fn scan_code(event: &'static str, key: String, scan_type: String, scan_result: String) -> Msg {
    let info = [text("ScanType", scan_type), text("ScanResult", scan_result)];
    let fields = vec![text("EventKey", key), group("ScanCodeInfo", info)];
    Msg::event_of(event, fields)
}

/// A pictures event: the key, then `SendPicsInfo` with `Count` and one `item` per MD5.
fn pictures(event: &'static str, key: String, md5s: impl IntoIterator<Item: Into<String>>) -> Msg {
    let items: Vec<Field> = md5s
        .into_iter()
        .map(|md5| group("item", [text("PicMd5Sum", md5)]))
        .collect();
    let info = [
        number("Count", items.len().to_string()),
        group("PicList", items),
    ];
    let fields = vec![text("EventKey", key), group("SendPicsInfo", info)];
    Msg::event_of(event, fields)
}

/// A `PUBLISHJOBFINISH` with `PublishEventInfo`: the id, the status, then `rest`.
fn publish(publish_id: String, status: u32, rest: Vec<Field>) -> Msg {
    let head = [
        number("publish_id", publish_id),
        number("publish_status", status.to_string()),
    ];
    let info = group("PublishEventInfo", head.into_iter().chain(rest));
    Msg::event_of("PUBLISHJOBFINISH", vec![info])
}

/// One `List` of a popup or change event.
fn choice(template_id: String, status: String, scene: Option<Field>) -> Field {
    let fields = [
        text("TemplateId", template_id),
        text("SubscribeStatusString", status),
    ];
    group("List", fields.into_iter().chain(scene))
}
