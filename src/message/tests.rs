//! The parser against hostile input: any bytes give a message or an error, never a panic;
//! deep, wide and long documents parse or are refused in linear time; a forbidden character
//! anywhere is refused naming it; and any allowed text survives a reply and a parse back.

use proptest::prelude::*;

use super::{Kind, ParseError, XmlError, parse};
use crate::ids::OpenId;
use crate::reply::{Reply, render};

const TEXT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/inbound/text.xml"
));
const PICS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/inbound/event_pic_sysphoto.xml"
));
const POPUP: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/inbound/event_subscribe_msg_popup_event.xml"
));

/// Enough that a walk quadratic in it would take minutes (10^10 steps), linear milliseconds.
const HUGE: usize = 100_000;

const HEADER: &str = "<ToUserName>gh_1</ToUserName><FromUserName>o_1</FromUserName>\
    <CreateTime>1</CreateTime><MsgType>text</MsgType>";

fn refusal(body: &[u8]) -> ParseError {
    parse(body).expect_err("refused")
}

/// `TEXT` with its first `from` replaced by `to`.
fn edited(from: &str, to: &str) -> String {
    assert!(TEXT.contains(from), "{from}");
    TEXT.replacen(from, to, 1)
}

#[test]
fn a_forbidden_character_in_a_header_field_is_refused_not_dropped() {
    let body = edited("o_fixture_user", "o_fixture\u{0}_user");
    let err = refusal(body.as_bytes());
    let at = body.find('\u{0}').expect("NUL") as u64;
    assert_eq!(
        err,
        ParseError::Xml(XmlError::Forbidden {
            code: 0,
            position: at,
            reference: false
        })
    );
    assert_eq!(
        err.to_string(),
        format!("not well-formed XML: forbidden character U+0000 at byte {at}")
    );
}

#[test]
fn a_forbidden_reference_in_content_is_refused() {
    let body = edited("<![CDATA[this is a test]]>", "before&#1;after");
    let at = body.find("&#1;").expect("reference") as u64;
    assert_eq!(
        refusal(body.as_bytes()),
        ParseError::Xml(XmlError::Forbidden {
            code: 1,
            position: at,
            reference: true
        })
    );
}

#[test]
fn a_hundred_thousand_nested_elements_are_refused_at_once() {
    let body = format!("{}{}", "<a>".repeat(HUGE), "</a>".repeat(HUGE));
    assert!(matches!(
        refusal(body.as_bytes()),
        ParseError::Xml(XmlError::TooDeep(_))
    ));
    // Unclosed: the depth limit is reached before the end is.
    let open = "<xml>".repeat(HUGE);
    assert!(matches!(
        refusal(open.as_bytes()),
        ParseError::Xml(XmlError::TooDeep(_))
    ));
}

#[test]
fn a_hundred_thousand_siblings_parse() {
    let body = format!(
        "<xml>{HEADER}{}<Content>last</Content></xml>",
        "<Content>x</Content><Other/>".repeat(HUGE)
    );
    let msg = parse(body.as_bytes()).expect("parses");
    assert_eq!(msg.text(), Some("x"), "the first Content wins");
    // A type this version does not know keeps every field.
    let unknown = body.replace("<MsgType>text</MsgType>", "<MsgType>new</MsgType>");
    match parse(unknown.as_bytes()).expect("parses").kind {
        Kind::Unknown(unknown) => assert_eq!(unknown.fields.len(), 4 + 2 * HUGE + 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_hundred_thousand_groups_in_an_event_parse() {
    let item = "<item><PicMd5Sum>m</PicMd5Sum></item>";
    let pics = PICS.replacen("<item>", &format!("{}<item>", item.repeat(HUGE)), 1);
    assert!(parse(pics.as_bytes()).is_ok());
    let list = "<List><TemplateId>t</TemplateId><PopupScene>2</PopupScene></List>";
    let popup = POPUP.replacen("<List>", &format!("{}<List>", list.repeat(HUGE)), 1);
    assert!(parse(popup.as_bytes()).is_ok());
}

#[test]
fn a_hundred_thousand_attributes_references_and_sections_parse() {
    let attributes: String = (0..HUGE).map(|i| format!(" a{i}=\"&#65;&amp;\"")).collect();
    let body = format!("<xml{attributes}>{HEADER}<Content>x</Content></xml>");
    assert_eq!(parse(body.as_bytes()).expect("parses").text(), Some("x"));
    let forbidden = format!("<xml{attributes} z=\"&#2;\">{HEADER}</xml>");
    assert!(matches!(
        refusal(forbidden.as_bytes()),
        ParseError::Xml(XmlError::Forbidden { code: 2, .. })
    ));
    let pieces = "&amp;<![CDATA[<]]>&#x4E2D;<!-- c -->".repeat(HUGE);
    let body = format!("<xml>{HEADER}<Content>{pieces}</Content></xml>");
    let text = parse(body.as_bytes()).expect("parses").text().map(str::len);
    assert_eq!(text, Some(HUGE * "&<中".len()));
}

#[test]
fn half_a_million_unterminated_references_in_an_attribute_parse_at_once() {
    // Each `&#` once looked for its `;` through the rest of the tag: 500k of them took
    // minutes. Now each looks a few bytes ahead.
    let body = format!(
        "<xml a=\"{}\">{HEADER}<Content>x</Content></xml>",
        "&#".repeat(5 * HUGE)
    );
    assert_eq!(parse(body.as_bytes()).expect("parses").text(), Some("x"));
}

/// Bytes that look like XML often enough to reach every branch of the walk: markup
/// fragments, references, forbidden characters, invalid UTF-8 and plain characters.
fn xmlish() -> impl Strategy<Value = Vec<u8>> {
    let fragments: Vec<&[u8]> = vec![
        b"<xml>",
        b"</xml>",
        b"<A>",
        b"</A>",
        b"<A/>",
        b"<![CDATA[",
        b"]]>",
        b"&#",
        b"&#x",
        b";",
        b"&lt;",
        b"&",
        b"<!--",
        b"-->",
        b"<?xml version=\"1.0\"?>",
        b"<!DOCTYPE x>",
        b" a=\"",
        b"\"",
        b"\xef\xbb\xbf",
        b"\0",
        b"\x1f",
        b"\t",
        b"\xff",
        b"\xe4\xb8",
        b"<",
        b">",
        b"1",
        b"<MsgType>",
        b"</MsgType>",
        b"event",
        b"<Event>",
        b"<List>",
        b"</List>",
    ];
    let piece = prop_oneof![
        proptest::sample::select(fragments).prop_map(<[u8]>::to_vec),
        any::<char>().prop_map(|c| c.to_string().into_bytes()),
        any::<u8>().prop_map(|b| vec![b]),
    ];
    proptest::collection::vec(piece, 0..64).prop_map(|pieces| pieces.concat())
}

/// The text fixture with one byte replaced, inserted or removed at a chosen place.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (any::<prop::sample::Index>(), any::<u8>(), 0u8..3).prop_map(|(at, byte, how)| {
        let mut body = TEXT.as_bytes().to_vec();
        let at = at.index(body.len());
        match how {
            0 => body[at] = byte,
            1 => body.insert(at, byte),
            _ => drop(body.remove(at)),
        }
        body
    })
}

/// Text the writer carries unchanged: no forbidden character, and no U+FFFE or U+FFFF (the
/// writer drops those noncharacters, which XML 1.0 forbids too). Weighted towards what needs
/// care: `]]>`, markup characters, whitespace and characters outside the BMP.
fn carried_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => any::<char>().prop_map(String::from),
        2 => proptest::sample::select(vec!["]]>", "]]", "]", "<", ">", "&", "&#1;", "&amp;"])
            .prop_map(str::to_owned),
        2 => proptest::sample::select(vec!["\t", "\n", "\r", "\r\n", " ", "😀", "𝄞", "中"])
            .prop_map(str::to_owned),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| {
        pieces
            .concat()
            .chars()
            .filter(|&c| c >= ' ' || matches!(c, '\t' | '\n' | '\r'))
            .filter(|&c| !matches!(c, '\u{fffe}' | '\u{ffff}'))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_parse_or_are_refused(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse(&body);
    }

    #[test]
    fn any_xmlish_bytes_parse_or_are_refused(body in xmlish()) {
        let _ = parse(&body);
    }

    #[test]
    fn a_damaged_message_parses_or_is_refused(body in mutated()) {
        let _ = parse(&body);
    }

    /// Render a text reply, parse it back: the same content, and the addressee and sender
    /// swapped as they should be.
    #[test]
    fn any_text_survives_a_reply_and_a_parse_back(
        content in carried_text(),
        openid in carried_text().prop_filter("a header field is not empty", |s| !s.is_empty()),
    ) {
        let mut header = parse(TEXT.as_bytes()).expect("fixture").header;
        header.from = OpenId::new(openid.as_str());
        let xml = render(&header, &Reply::text(content.as_str()), 1_700_000_000)
            .expect("a text reply renders");
        let back = parse(xml.as_bytes()).map_err(|err| TestCaseError::fail(format!("{xml:?}: {err}")))?;
        prop_assert_eq!(back.text(), Some(content.as_str()), "{:?}", xml);
        prop_assert_eq!(back.header.to.as_str(), openid.as_str());
        prop_assert_eq!(back.header.from.as_str(), "gh_fixture_account");
    }
}
