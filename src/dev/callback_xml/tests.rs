//! The page's messages written as XML read back through the parser as what they are.

use super::*;
use crate::message::{Kind, parse};

const HEAD: Head<'static> = Head {
    to: "gh_a",
    from: "o_u",
    create_time: 1_700_000_000,
    msg_id: 42,
};

fn message(json: &str) -> Message {
    serde_json::from_str(json).expect("message")
}

#[test]
fn every_kind_parses_back_as_itself() {
    let cases = [
        (r#"{"type":"text","content":"a ]]> <b> 😀\nc"}"#, "text"),
        (r#"{"type":"image","media_id":"m1"}"#, "image"),
        (
            r#"{"type":"voice","media_id":"m1","recognition":"hi"}"#,
            "voice",
        ),
        (
            r#"{"type":"video","media_id":"m1","thumb_media_id":"t"}"#,
            "video",
        ),
        (
            r#"{"type":"location","x":"23.134521","y":"113.358803","label":"L"}"#,
            "location",
        ),
        (
            r#"{"type":"link","title":"T","url":"https://example.com"}"#,
            "link",
        ),
        (r#"{"type":"subscribe","scene":"42"}"#, "event"),
        (r#"{"type":"unsubscribe"}"#, "event"),
        (r#"{"type":"scan","key":"42"}"#, "event"),
        (r#"{"type":"click","key":"K"}"#, "event"),
        (r#"{"type":"view","url":"https://example.com"}"#, "event"),
        (
            r#"{"type":"view_miniprogram","pagepath":"pages/a"}"#,
            "event",
        ),
        (
            r#"{"type":"scancode_push","key":"K","result":"1"}"#,
            "event",
        ),
        (
            r#"{"type":"scancode_waitmsg","key":"K","result":"r"}"#,
            "event",
        ),
        (r#"{"type":"pic_sysphoto","key":"K"}"#, "event"),
        (r#"{"type":"pic_photo_or_album","key":"K"}"#, "event"),
        (
            r#"{"type":"pic_weixin","key":"K","md5":"1B5F7C23B5BF75682A53E7B6D163E185"}"#,
            "event",
        ),
        (
            r#"{"type":"location_select","key":"K","x":"23","y":"113","label":"L"}"#,
            "event",
        ),
    ];
    for (json, msg_type) in cases {
        let message = message(json);
        assert_eq!(message.check(), Ok(()), "{json}");
        let media = MediaInfo {
            pic_url: "http://127.0.0.1/media/m1".to_owned(),
            voice_format: "amr",
        };
        let xml = message.xml(&HEAD, &media);
        let parsed = parse(xml.as_bytes()).unwrap_or_else(|err| panic!("{json}: {err}"));
        assert_eq!(parsed.header.msg_type, msg_type, "{xml}");
        assert!(!matches!(parsed.kind, Kind::Unknown { .. }), "{xml}");
        assert_eq!(parsed.header.msg_id.is_some(), !message.is_event(), "{xml}");
    }
    let text = message(r#"{"type":"text","content":"a ]]> <b> 😀\nc"}"#);
    let parsed = parse(text.xml(&HEAD, &MediaInfo::default()).as_bytes()).expect("text");
    assert!(matches!(parsed.kind, Kind::Text(t) if t.content == "a ]]> <b> 😀\nc"));
}

#[test]
fn menu_events_carry_their_nested_fields() {
    use crate::message::Event;
    let xml = |json: &str| message(json).xml(&HEAD, &MediaInfo::default());
    let scan = xml(r#"{"type":"scancode_waitmsg","key":"K","result":"hello"}"#);
    let Kind::Event(Event::ScancodeWaitmsg(scan)) = parse(scan.as_bytes()).expect("scan").kind
    else {
        panic!("not a scan");
    };
    assert_eq!(
        (scan.event_key.as_str(), scan.scan_type.as_str()),
        ("K", "qrcode")
    );
    assert_eq!(scan.scan_result, "hello");
    let pics = xml(r#"{"type":"pic_weixin","key":"P"}"#);
    let Kind::Event(Event::PicWeixin(pics)) = parse(pics.as_bytes()).expect("pics").kind else {
        panic!("not pictures");
    };
    assert_eq!(pics.count, 1);
    assert!(
        pics.md5s.len() == 1 && pics.md5s[0].len() == 32,
        "{:?}",
        pics.md5s
    );
    let json = r#"{"type":"location_select","key":"L","x":"23.1","y":"113.3","label":"Here"}"#;
    let Kind::Event(Event::LocationSelect(picked)) = parse(xml(json).as_bytes()).expect("loc").kind
    else {
        panic!("not a location");
    };
    assert_eq!(
        (picked.event_key.as_str(), picked.label.as_str()),
        ("L", "Here")
    );
    assert_eq!(picked.scale.to_string(), "15");
}
