//! Every recorded callback in `tests/fixtures/inbound/` parses into the right typed value, field
//! by field; hostile headers are refused with the error that names the problem.

use wxbot::message::{Event, Incoming, Kind, ParseError, XmlError, parse};

/// One `#[test]` per fixture, so a failure names the file: the body sees the parsed message.
macro_rules! fixture_test {
    ($name:ident, $path:literal, |$msg:ident| $body:block) => {
        #[test]
        fn $name() {
            let $msg: Incoming = parse(wxbot::fixture!($path).as_bytes())
                .unwrap_or_else(|err| panic!("{} does not parse: {err}", $path));
            $body
        }
    };
}

/// Unwraps one variant of a non-exhaustive enum, or fails naming what was there instead.
macro_rules! variant {
    ($value:expr, $($variant:ident)::+) => {
        match $value {
            $($variant)::+(inner) => inner,
            other => panic!("expected {}, got {other:?}", stringify!($($variant)::+)),
        }
    };
}

/// The header every fixture shares: scrubbed ids, and the per-message fields.
fn assert_header(
    msg: &Incoming,
    create_time: u64,
    msg_type: &str,
    event: Option<&str>,
    msg_id: Option<&str>,
) {
    let header = &msg.header;
    assert_eq!(header.to, "gh_fixture_account");
    assert_eq!(header.from, "o_fixture_user");
    assert_eq!(header.create_time, create_time);
    assert_eq!(header.msg_type, msg_type);
    assert_eq!(header.event.as_deref(), event);
    assert_eq!(header.msg_id.as_ref().map(|id| id.as_str()), msg_id);
}

fn event(msg: &Incoming) -> &Event {
    variant!(&msg.kind, Kind::Event)
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|&(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

// Content kinds.

fixture_test!(text, "inbound/text.xml", |msg| {
    assert_header(&msg, 1348831860, "text", None, Some("1234567890123456"));
    let text = variant!(&msg.kind, Kind::Text);
    assert_eq!(text.content, "this is a test");
    assert_eq!(text.menu_id, None);
    assert_eq!(msg.text(), Some("this is a test"));
    assert_eq!(msg.event(), None);
});

fixture_test!(text_entities, "inbound/text_entities.xml", |msg| {
    assert_header(&msg, 1348831862, "text", None, Some("1234567890123465"));
    assert_eq!(variant!(&msg.kind, Kind::Text).content, "<b> & 中文");
});

// Tab and newline are the control characters XML 1.0 allows; the others are refused
// (`tests/it/hardened.rs`, with `fixtures/refused/text_control_chars.xml`).
fixture_test!(text_whitespace, "inbound/text_whitespace.xml", |msg| {
    assert_header(&msg, 1348831864, "text", None, Some("1234567890123467"));
    assert_eq!(
        variant!(&msg.kind, Kind::Text).content,
        "first line\n\tindented after a tab"
    );
});

fixture_test!(image, "inbound/image.xml", |msg| {
    assert_header(&msg, 1348831860, "image", None, Some("1234567890123457"));
    let image = variant!(&msg.kind, Kind::Image);
    assert_eq!(image.pic_url, "http://mmbiz.qpic.cn/mmbiz_jpg/fixture/0");
    assert_eq!(image.media_id, "fixture_image_media_id");
    assert_eq!(msg.text(), None);
});

fixture_test!(voice, "inbound/voice.xml", |msg| {
    assert_header(&msg, 1357290913, "voice", None, Some("1234567890123458"));
    let voice = variant!(&msg.kind, Kind::Voice);
    assert_eq!(voice.media_id, "fixture_voice_media_id");
    assert_eq!(voice.format, "amr");
    assert_eq!(voice.recognition.as_deref(), Some("腾讯微信团队"));
});

fixture_test!(
    voice_no_recognition,
    "inbound/voice_no_recognition.xml",
    |msg| {
        assert_header(&msg, 1357290914, "voice", None, Some("1234567890123459"));
        let voice = variant!(&msg.kind, Kind::Voice);
        assert_eq!(voice.media_id, "fixture_voice_media_id_2");
        assert_eq!(voice.format, "speex");
        assert_eq!(voice.recognition, None);
    }
);

fixture_test!(video, "inbound/video.xml", |msg| {
    assert_header(&msg, 1357290915, "video", None, Some("1234567890123460"));
    let video = variant!(&msg.kind, Kind::Video);
    assert_eq!(video.media_id, "fixture_video_media_id");
    assert_eq!(video.thumb_media_id, "fixture_video_thumb_id");
});

fixture_test!(shortvideo, "inbound/shortvideo.xml", |msg| {
    assert_header(
        &msg,
        1357290916,
        "shortvideo",
        None,
        Some("1234567890123461"),
    );
    let video = variant!(&msg.kind, Kind::ShortVideo);
    assert_eq!(video.media_id, "fixture_shortvideo_media_id");
    assert_eq!(video.thumb_media_id, "fixture_shortvideo_thumb_id");
});

fixture_test!(location, "inbound/location.xml", |msg| {
    assert_header(&msg, 1351776360, "location", None, Some("1234567890123462"));
    let location = variant!(&msg.kind, Kind::Location);
    // The wire text, trailing zero included: f64 would print 23.13452.
    assert_eq!(location.x.as_str(), "23.134520");
    assert_eq!(location.x.to_string(), "23.134520");
    assert_eq!(location.x.as_f64(), Some(23.13452));
    assert_eq!(location.y.as_str(), "113.358803");
    assert_eq!(location.scale.as_str(), "20");
    assert_eq!(location.scale.as_f64(), Some(20.0));
    assert_eq!(location.label, "位置信息");
});

fixture_test!(link, "inbound/link.xml", |msg| {
    assert_header(&msg, 1351776361, "link", None, Some("1234567890123463"));
    let link = variant!(&msg.kind, Kind::Link);
    assert_eq!(link.title, "公众平台官网链接");
    assert_eq!(link.description, "公众平台官网链接");
    assert_eq!(link.url, "https://mp.weixin.qq.com/");
});

fixture_test!(unknown_msgtype, "inbound/unknown_msgtype.xml", |msg| {
    assert_header(&msg, 1700000010, "hologram", None, Some("1234567890123464"));
    let unknown = variant!(&msg.kind, Kind::Unknown);
    assert_eq!(
        &*unknown.raw,
        wxbot::fixture!("inbound/unknown_msgtype.xml")
    );
    let want = [
        ("ToUserName", "gh_fixture_account"),
        ("FromUserName", "o_fixture_user"),
        ("CreateTime", "1700000010"),
        ("MsgType", "hologram"),
        ("HologramUrl", "https://example.com/holo/1"),
        ("Frames", "24"),
        ("MsgId", "1234567890123464"),
    ];
    assert_eq!(unknown.fields, owned(&want));
    assert_eq!(unknown.get("Frames"), Some("24"));
    assert_eq!(unknown.get("Nope"), None);
});

// Events.

fixture_test!(event_subscribe, "inbound/event_subscribe.xml", |msg| {
    assert_header(&msg, 1700000001, "event", Some("subscribe"), None);
    let follow = variant!(event(&msg), Event::Subscribe);
    assert_eq!(follow.event_key, None);
    assert_eq!(follow.ticket, None);
    assert_eq!(follow.scene(), None);
    assert_eq!(event(&msg).key(), None);
});

fixture_test!(
    event_subscribe_qrscene,
    "inbound/event_subscribe_qrscene.xml",
    |msg| {
        assert_header(&msg, 1700000002, "event", Some("subscribe"), None);
        let follow = variant!(event(&msg), Event::Subscribe);
        assert_eq!(follow.event_key.as_deref(), Some("qrscene_123123"));
        assert_eq!(follow.scene(), Some("123123"));
        assert_eq!(
            follow.ticket.as_deref(),
            Some("gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2ZpeHR1cmUAAgS3")
        );
        assert_eq!(event(&msg).key(), Some("qrscene_123123"));
    }
);

fixture_test!(event_unsubscribe, "inbound/event_unsubscribe.xml", |msg| {
    assert_header(&msg, 1700000003, "event", Some("unsubscribe"), None);
    assert!(matches!(event(&msg), Event::Unsubscribe), "{:?}", msg.kind);
});

fixture_test!(event_scan, "inbound/event_scan.xml", |msg| {
    assert_header(&msg, 1700000004, "event", Some("SCAN"), None);
    let scan = variant!(event(&msg), Event::Scan);
    assert_eq!(scan.event_key, "123123");
    assert_eq!(
        scan.ticket.as_deref(),
        Some("gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2ZpeHR1cmUAAgS3")
    );
    assert_eq!(event(&msg).key(), Some("123123"));
});

fixture_test!(event_location, "inbound/event_location.xml", |msg| {
    assert_header(&msg, 1700000005, "event", Some("LOCATION"), None);
    let report = variant!(event(&msg), Event::Location);
    assert_eq!(report.latitude.as_str(), "23.137466");
    assert_eq!(report.longitude.as_str(), "113.352425");
    assert_eq!(report.precision.as_str(), "119.385040");
    assert_eq!(report.precision.as_f64(), Some(119.38504));
});

fixture_test!(event_click, "inbound/event_click.xml", |msg| {
    assert_header(&msg, 1700000006, "event", Some("CLICK"), None);
    let click = variant!(event(&msg), Event::Click);
    assert_eq!(click.event_key, "V1001_TODAY_MUSIC");
    assert_eq!(event(&msg).key(), Some("V1001_TODAY_MUSIC"));
});

fixture_test!(event_view, "inbound/event_view.xml", |msg| {
    assert_header(&msg, 1700000007, "event", Some("VIEW"), None);
    let view = variant!(event(&msg), Event::View);
    assert_eq!(view.url, "http://www.qq.com/");
    assert_eq!(view.menu_id.as_deref(), Some("208396938"));
    assert_eq!(event(&msg).key(), Some("http://www.qq.com/"));
});

fixture_test!(
    event_scancode_push,
    "inbound/event_scancode_push.xml",
    |msg| {
        assert_header(&msg, 1408090502, "event", Some("scancode_push"), None);
        let scan = variant!(event(&msg), Event::ScancodePush);
        assert_eq!(scan.event_key, "rselfmenu_0_1");
        assert_eq!(scan.scan_type, "qrcode");
        assert_eq!(scan.scan_result, "http://weixin.qq.com/r/fixture");
    }
);

fixture_test!(
    event_scancode_waitmsg,
    "inbound/event_scancode_waitmsg.xml",
    |msg| {
        assert_header(&msg, 1408090606, "event", Some("scancode_waitmsg"), None);
        let scan = variant!(event(&msg), Event::ScancodeWaitmsg);
        assert_eq!(scan.event_key, "rselfmenu_0_0");
        assert_eq!(scan.scan_type, "barcode");
        assert_eq!(scan.scan_result, "EAN_13,6901234567892");
    }
);

fixture_test!(
    event_pic_sysphoto,
    "inbound/event_pic_sysphoto.xml",
    |msg| {
        assert_header(&msg, 1408090651, "event", Some("pic_sysphoto"), None);
        let pictures = variant!(event(&msg), Event::PicSysphoto);
        assert_eq!(pictures.event_key, "rselfmenu_1_0");
        assert_eq!(pictures.count, 1);
        assert_eq!(pictures.md5s, ["1b5f7c23b5bf75682a53e7b6d163e185"]);
    }
);

fixture_test!(
    event_pic_photo_or_album,
    "inbound/event_pic_photo_or_album.xml",
    |msg| {
        assert_header(&msg, 1408090816, "event", Some("pic_photo_or_album"), None);
        let pictures = variant!(event(&msg), Event::PicPhotoOrAlbum);
        assert_eq!(pictures.event_key, "rselfmenu_1_1");
        assert_eq!(pictures.count, 1);
        assert_eq!(pictures.md5s, ["5a75aaca956d97be686719218f275c6b"]);
    }
);

fixture_test!(event_pic_weixin, "inbound/event_pic_weixin.xml", |msg| {
    assert_header(&msg, 1408090917, "event", Some("pic_weixin"), None);
    let pictures = variant!(event(&msg), Event::PicWeixin);
    assert_eq!(pictures.event_key, "rselfmenu_1_2");
    assert_eq!(pictures.count, 2);
    assert_eq!(
        pictures.md5s,
        [
            "5a75aaca956d97be686719218f275c6b",
            "d2a2bdbf45d7b1d4c4d8a2bd2e3b4c5f"
        ]
    );
});

fixture_test!(
    event_location_select,
    "inbound/event_location_select.xml",
    |msg| {
        assert_header(&msg, 1408091189, "event", Some("location_select"), None);
        let picked = variant!(event(&msg), Event::LocationSelect);
        assert_eq!(picked.event_key, "rselfmenu_2_0");
        assert_eq!(picked.x.as_str(), "23.134520");
        assert_eq!(picked.y.as_str(), "113.358803");
        assert_eq!(picked.scale.as_str(), "15");
        // The leading space is WeChat's, and kept.
        assert_eq!(picked.label, " 广州市海珠区客村艺苑路 106号");
        // `<Poiname><![CDATA[]]></Poiname>`: empty is none.
        assert_eq!(picked.poiname, None);
    }
);

fixture_test!(
    event_view_miniprogram,
    "inbound/event_view_miniprogram.xml",
    |msg| {
        assert_header(&msg, 1700000008, "event", Some("view_miniprogram"), None);
        let opened = variant!(event(&msg), Event::ViewMiniprogram);
        assert_eq!(opened.page_path, "pages/index/index");
        assert_eq!(opened.menu_id.as_deref(), Some("208396939"));
        assert_eq!(event(&msg).key(), Some("pages/index/index"));
    }
);

fixture_test!(
    event_templatesendjobfinish,
    "inbound/event_templatesendjobfinish.xml",
    |msg| {
        // `MsgID`, as this event spells it, is the header's message id too.
        assert_header(
            &msg,
            1395658920,
            "event",
            Some("TEMPLATESENDJOBFINISH"),
            Some("200163836"),
        );
        let job = variant!(event(&msg), Event::TemplateSendJobFinish);
        assert_eq!(job.msg_id.as_ref().map(|id| id.as_str()), Some("200163836"));
        assert_eq!(job.status, "success");
    }
);

fixture_test!(
    event_masssendjobfinish,
    "inbound/event_masssendjobfinish.xml",
    |msg| {
        assert_header(
            &msg,
            1481013459,
            "event",
            Some("MASSSENDJOBFINISH"),
            Some("1000001625"),
        );
        let job = variant!(event(&msg), Event::MassSendJobFinish);
        assert_eq!(
            job.msg_id.as_ref().map(|id| id.as_str()),
            Some("1000001625")
        );
        assert_eq!(job.status, "send success");
        assert_eq!(job.total_count, 100);
        assert_eq!(job.filter_count, 80);
        assert_eq!(job.sent_count, 75);
        assert_eq!(job.error_count, 5);
    }
);

fixture_test!(
    event_subscribe_msg_popup_event,
    "inbound/event_subscribe_msg_popup_event.xml",
    |msg| {
        assert_header(
            &msg,
            1610969440,
            "event",
            Some("subscribe_msg_popup_event"),
            None,
        );
        let popup = variant!(event(&msg), Event::SubscribeMsgPopup);
        assert_eq!(popup.items.len(), 2);
        let (first, second) = (&popup.items[0], &popup.items[1]);
        assert_eq!(
            first.template_id,
            "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc"
        );
        assert_eq!(first.status.as_deref(), Some("accept"));
        assert_eq!(first.popup_scene.as_deref(), Some("2"));
        assert_eq!(
            second.template_id,
            "9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI"
        );
        assert_eq!(second.status.as_deref(), Some("reject"));
        assert_eq!(second.popup_scene.as_deref(), Some("2"));
        for item in &popup.items {
            assert_eq!(item.msg_id, None);
            assert_eq!(item.error_code, None);
            assert_eq!(item.error_status, None);
        }
    }
);

fixture_test!(
    event_subscribe_msg_change_event,
    "inbound/event_subscribe_msg_change_event.xml",
    |msg| {
        assert_header(
            &msg,
            1610969441,
            "event",
            Some("subscribe_msg_change_event"),
            None,
        );
        let change = variant!(event(&msg), Event::SubscribeMsgChange);
        assert_eq!(change.items.len(), 1);
        let item = &change.items[0];
        assert_eq!(
            item.template_id,
            "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc"
        );
        assert_eq!(item.status.as_deref(), Some("reject"));
        assert_eq!(item.popup_scene, None);
        assert_eq!(item.msg_id, None);
    }
);

fixture_test!(
    event_subscribe_msg_sent_event,
    "inbound/event_subscribe_msg_sent_event.xml",
    |msg| {
        // The only `MsgID` of this callback is the one inside `List`; the header reports it.
        assert_header(
            &msg,
            1610969468,
            "event",
            Some("subscribe_msg_sent_event"),
            // The only MsgID sits inside List: it is the item's, not the callback's.
            None,
        );
        let sent = variant!(event(&msg), Event::SubscribeMsgSent);
        assert_eq!(sent.items.len(), 1);
        let item = &sent.items[0];
        assert_eq!(
            item.template_id,
            "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc"
        );
        assert_eq!(
            item.msg_id.as_ref().map(|id| id.as_str()),
            Some("1700827132819554304")
        );
        assert_eq!(item.error_code.as_deref(), Some("0"));
        assert_eq!(item.error_status.as_deref(), Some("success"));
        assert_eq!(item.status, None);
        assert_eq!(item.popup_scene, None);
    }
);

fixture_test!(
    event_publishjobfinish,
    "inbound/event_publishjobfinish.xml",
    |msg| {
        assert_header(&msg, 1481013460, "event", Some("PUBLISHJOBFINISH"), None);
        let job = variant!(event(&msg), Event::PublishJobFinish);
        assert_eq!(job.publish_id, "2247503051");
        assert_eq!(job.status, "0");
        assert_eq!(
            job.article_id.as_deref(),
            Some("b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvyWP4Hq4")
        );
        assert_eq!(
            job.article_urls,
            [
                "https://mp.weixin.qq.com/s/fixture_article_1",
                "https://mp.weixin.qq.com/s/fixture_article_2",
            ]
        );
        assert!(job.fail_idx.is_empty(), "{:?}", job.fail_idx);
    }
);

fixture_test!(
    event_kf_create_session,
    "inbound/event_kf_create_session.xml",
    |msg| {
        assert_header(&msg, 1399197672, "event", Some("kf_create_session"), None);
        let session = variant!(event(&msg), Event::KfCreateSession);
        assert_eq!(session.kf_account.as_deref(), Some("test1@fixture"));
        assert_eq!(session.from_kf_account, None);
        assert_eq!(session.to_kf_account, None);
    }
);

fixture_test!(
    event_kf_close_session,
    "inbound/event_kf_close_session.xml",
    |msg| {
        assert_header(&msg, 1399197673, "event", Some("kf_close_session"), None);
        let session = variant!(event(&msg), Event::KfCloseSession);
        assert_eq!(session.kf_account.as_deref(), Some("test1@fixture"));
        assert_eq!(session.from_kf_account, None);
        assert_eq!(session.to_kf_account, None);
    }
);

fixture_test!(
    event_kf_switch_session,
    "inbound/event_kf_switch_session.xml",
    |msg| {
        assert_header(&msg, 1399197674, "event", Some("kf_switch_session"), None);
        let session = variant!(event(&msg), Event::KfSwitchSession);
        assert_eq!(session.kf_account, None);
        assert_eq!(session.from_kf_account.as_deref(), Some("test1@fixture"));
        assert_eq!(session.to_kf_account.as_deref(), Some("test2@fixture"));
    }
);

fixture_test!(event_unknown, "inbound/event_unknown.xml", |msg| {
    assert_header(&msg, 1700000009, "event", Some("hologram_projected"), None);
    let unknown = variant!(event(&msg), Event::Unknown);
    assert_eq!(&*unknown.raw, wxbot::fixture!("inbound/event_unknown.xml"));
    // Leaves only, in document order: the `HologramInfo` group is not a field itself.
    let want = [
        ("ToUserName", "gh_fixture_account"),
        ("FromUserName", "o_fixture_user"),
        ("CreateTime", "1700000009"),
        ("MsgType", "event"),
        ("Event", "hologram_projected"),
        ("EventKey", "holo_key"),
        ("Room", "lobby"),
        ("Brightness", "7"),
    ];
    assert_eq!(unknown.fields, owned(&want));
    assert_eq!(event(&msg).key(), Some("holo_key"));
});

// Variations on the recorded shapes.

/// `fixture` with `from` replaced by `to`, which must occur in it exactly once, parsed.
fn variant_of(fixture: &str, from: &str, to: &str) -> Incoming {
    assert_eq!(fixture.matches(from).count(), 1, "{from:?} must occur once");
    let xml = fixture.replacen(from, to, 1);
    parse(xml.as_bytes()).unwrap_or_else(|err| panic!("variant does not parse: {err}\n{xml}"))
}

#[test]
fn event_names_compare_case_insensitively() {
    let scan = wxbot::fixture!("inbound/event_scan.xml");
    let msg = variant_of(scan, "<![CDATA[SCAN]]>", "<![CDATA[scan]]>");
    assert_eq!(variant!(event(&msg), Event::Scan).event_key, "123123");
    assert_eq!(msg.header.event.as_deref(), Some("scan"));

    let follow = wxbot::fixture!("inbound/event_subscribe.xml");
    let msg = variant_of(follow, "<![CDATA[subscribe]]>", "<![CDATA[Subscribe]]>");
    assert!(matches!(event(&msg), Event::Subscribe(_)), "{:?}", msg.kind);
}

#[test]
fn subscribe_with_empty_event_key_has_no_scene() {
    // What WeChat sends for a plain follow in practice: an empty `EventKey`.
    let follow = wxbot::fixture!("inbound/event_subscribe.xml");
    let msg = variant_of(
        follow,
        "</Event>",
        "</Event>\n  <EventKey><![CDATA[]]></EventKey>",
    );
    let follow = variant!(event(&msg), Event::Subscribe);
    assert_eq!(follow.event_key, None);
    assert_eq!(follow.scene(), None);
}

#[test]
fn empty_recognition_is_none() {
    let voice = wxbot::fixture!("inbound/voice.xml");
    let msg = variant_of(voice, "<![CDATA[腾讯微信团队]]>", "<![CDATA[]]>");
    assert_eq!(variant!(&msg.kind, Kind::Voice).recognition, None);
}

#[test]
fn repeated_pic_list_elements_collect_every_md5_in_order() {
    // `SendPicsInfo` may repeat `PicList` instead of `item`.
    let weixin = wxbot::fixture!("inbound/event_pic_weixin.xml");
    let msg = variant_of(
        weixin,
        "      </item>\n      <item>",
        "      </item>\n    </PicList>\n    <PicList>\n      <item>",
    );
    let pictures = variant!(event(&msg), Event::PicWeixin);
    assert_eq!(
        pictures.md5s,
        [
            "5a75aaca956d97be686719218f275c6b",
            "d2a2bdbf45d7b1d4c4d8a2bd2e3b4c5f"
        ]
    );
}

#[test]
fn known_type_missing_its_body_becomes_unknown() {
    // Body fields are lenient: a message that does not fit its kind is kept, never a 400.
    let image = wxbot::fixture!("inbound/image.xml");
    let msg = variant_of(
        image,
        "<MediaId><![CDATA[fixture_image_media_id]]></MediaId>",
        "",
    );
    assert_eq!(msg.header.msg_type, "image");
    let unknown = variant!(&msg.kind, Kind::Unknown);
    assert_eq!(
        unknown.get("PicUrl"),
        Some("http://mmbiz.qpic.cn/mmbiz_jpg/fixture/0")
    );

    let text = wxbot::fixture!("inbound/text.xml");
    let msg = variant_of(text, "<Content><![CDATA[this is a test]]></Content>", "");
    assert!(matches!(&msg.kind, Kind::Unknown(_)), "{:?}", msg.kind);
}

// Hostile headers (well-formedness, DOCTYPE, entities and depth are `scan`'s unit tests).

const HEADER_FIELDS: [&str; 4] = ["ToUserName", "FromUserName", "CreateTime", "MsgType"];

/// The text fixture without the line holding `<field>`.
fn text_without(field: &str) -> String {
    let open = format!("<{field}>");
    let xml = wxbot::fixture!("inbound/text.xml");
    let kept: Vec<&str> = xml.lines().filter(|line| !line.contains(&open)).collect();
    assert_eq!(kept.len() + 1, xml.lines().count(), "one line holds {open}");
    kept.join("\n")
}

#[test]
fn missing_header_field_is_refused_naming_it() {
    for field in HEADER_FIELDS {
        let xml = text_without(field);
        assert_eq!(
            parse(xml.as_bytes()),
            Err(ParseError::Missing(field)),
            "without {field}"
        );
    }
}

#[test]
fn empty_header_field_is_refused_naming_it() {
    let xml = wxbot::fixture!("inbound/text.xml");
    for field in HEADER_FIELDS {
        let start = xml.find(&format!("<{field}>")).unwrap() + field.len() + 2;
        let end = xml.find(&format!("</{field}>")).unwrap();
        let emptied = format!("{}{}", &xml[..start], &xml[end..]);
        assert_eq!(
            parse(emptied.as_bytes()),
            Err(ParseError::Missing(field)),
            "empty {field}"
        );
    }
}

#[test]
fn non_utf8_body_is_refused_with_the_offset() {
    let mut body = wxbot::fixture!("inbound/text.xml").as_bytes().to_vec();
    let at = body.windows(4).position(|w| w == b"this").unwrap();
    // "这是" in GBK, as a misconfigured relay might send it.
    body.splice(at..at + 4, [0xd5, 0xe2, 0xca, 0xc7]);
    assert_eq!(
        parse(&body),
        Err(ParseError::Xml(XmlError::NotUtf8 { valid_up_to: at }))
    );
}

#[test]
fn create_time_that_is_not_a_number_is_refused() {
    let text = wxbot::fixture!("inbound/text.xml");
    for bad in ["yesterday", "-1", "1.5", "18446744073709551616", "0x10"] {
        let xml = text.replacen("1348831860", bad, 1);
        assert_eq!(
            parse(xml.as_bytes()),
            Err(ParseError::NotANumber {
                field: "CreateTime",
                value: bad.to_owned()
            }),
            "CreateTime {bad}"
        );
    }
}

#[test]
fn every_inbound_fixture_has_a_parse_test() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/inbound");
    // This file without whitespace, so the check does not depend on how rustfmt lays it out.
    let this: String = include_str!("parse.rs").split_whitespace().collect();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("fixtures/inbound")
        .map(|entry| {
            entry
                .expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert!(names.len() >= 35, "{names:?}");
    for name in names {
        let stem = name
            .strip_suffix(".xml")
            .unwrap_or_else(|| panic!("{name} is not .xml"));
        let test = format!("fixture_test!({stem},\"inbound/{name}\",");
        assert!(
            this.contains(&test),
            "inbound/{name} has no fixture_test!({stem}, …)"
        );
    }
}
