//! The forbidden characters, raw and as references, in every place a document can hold them;
//! the allowed whitespace; and the raw scan against a plain character-by-character one.

use proptest::prelude::*;

use super::super::scan;
use super::*;

/// Every code point the check refuses.
const FORBIDDEN: [u32; 29] = [
    0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0xb, 0xc, 0xe, 0xf, 0x10, 0x11, 0x12, 0x13, 0x14,
    0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
];

fn forbidden(code: u32, position: u64, reference: bool) -> Result<(), XmlError> {
    Err(XmlError::Forbidden {
        code,
        position,
        reference,
    })
}

/// `scan(xml)` with the leaves dropped, so results compare.
fn checked(xml: &str) -> Result<(), XmlError> {
    scan(xml).map(drop)
}

fn content(xml: &str) -> String {
    let fields = scan(xml).unwrap_or_else(|err| panic!("{xml:?}: {err}"));
    fields.get("A").expect("<A>").to_owned()
}

#[test]
fn the_forbidden_set_is_the_c0_controls_but_tab_lf_cr() {
    let refused: Vec<u32> = (0..0x80).filter(|&code| forbidden_code(code)).collect();
    assert_eq!(refused, FORBIDDEN);
}

#[test]
fn a_raw_forbidden_character_is_refused_wherever_it_stands() {
    for (xml, at) in [
        ("<xml><A>a\u{0}b</A></xml>", 9),
        ("<xml><A><![CDATA[a\u{1}b]]></A></xml>", 18),
        ("<xml><A>x</A><!-- \u{1f} --></xml>", 18),
        ("<xml><?pi \u{b}?><A/></xml>", 10),
        ("<xml a=\"\u{c}\"><A/></xml>", 8),
        ("\u{e}<xml><A/></xml>", 0),
        ("<xml><A/></xml>\u{8}", 15),
    ] {
        let code = u32::from(xml.as_bytes()[at]);
        assert_eq!(checked(xml), forbidden(code, at as u64, false), "{xml:?}");
    }
}

#[test]
fn a_reference_to_a_forbidden_character_is_refused_at_its_ampersand() {
    for (reference, code) in [
        ("&#0;", 0),
        ("&#x0;", 0),
        ("&#1;", 1),
        ("&#11;", 11),
        ("&#x0B;", 11),
        ("&#12;", 12),
        ("&#x1F;", 31),
        ("&#x1f;", 31),
        ("&#0000031;", 31),
    ] {
        let xml = format!("<xml><A>ok {reference} after</A></xml>");
        assert_eq!(checked(&xml), forbidden(code, 11, true), "{xml}");
        let attribute = format!("<xml><A b=\"x{reference}\" c='d'/></xml>");
        assert_eq!(
            checked(&attribute),
            forbidden(code, 12, true),
            "{attribute}"
        );
    }
}

#[test]
fn positions_count_from_the_start_of_the_body_even_after_a_byte_order_mark() {
    assert_eq!(
        checked("\u{feff}<xml><A>&#1;</A></xml>"),
        forbidden(1, 11, true)
    );
    assert_eq!(
        checked("\u{feff}<xml><A>\u{1}</A></xml>"),
        forbidden(1, 11, false)
    );
}

#[test]
fn the_message_names_the_character_and_the_byte() {
    let raw = checked("<xml><A>\u{0}</A></xml>").unwrap_err();
    assert_eq!(
        raw.to_string(),
        "not well-formed XML: forbidden character U+0000 at byte 8"
    );
    let reference = checked("<xml><A>&#x1F;</A></xml>").unwrap_err();
    assert_eq!(
        reference.to_string(),
        "not well-formed XML: forbidden character U+001F at byte 8 (a character reference)"
    );
}

#[test]
fn tab_newline_and_carriage_return_stay_allowed_raw_and_as_references() {
    assert_eq!(content("<xml><A>a\tb\nc</A></xml>"), "a\tb\nc");
    assert_eq!(content("<xml><A><![CDATA[a\tb\nc]]></A></xml>"), "a\tb\nc");
    assert_eq!(content("<xml><A>&#9;&#10;&#13;&#x20;</A></xml>"), "\t\n\r ");
    // XML's end-of-line rule: a raw CR is read as LF; `&#13;` is how a CR is carried.
    assert_eq!(content("<xml><A>a\r\nb</A></xml>"), "a\nb");
}

#[test]
fn a_reference_inside_cdata_or_a_comment_is_literal_text() {
    assert_eq!(
        content("<xml><A><![CDATA[&#1;&#x0;]]></A></xml>"),
        "&#1;&#x0;"
    );
    assert_eq!(content("<xml><!-- &#1; --><A>x</A></xml>"), "x");
}

#[test]
fn references_that_are_not_numbers_stay_undefined_entities() {
    for bad in [
        "&#X1F;",
        "&#-1;",
        "&#+1;",
        "&#xD800;",
        "&#x110000;",
        "&#99999999999;",
    ] {
        let xml = format!("<xml><A>{bad}</A></xml>");
        assert!(matches!(checked(&xml), Err(XmlError::Entity(_))), "{xml}");
    }
}

/// Text made only of characters the check allows, mostly ASCII so `]]>`-like runs occur.
fn allowed_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::char::range(' ', '~'),
        1 => proptest::sample::select(vec!['\t', '\n', '中', '😀', '\u{7f}', '\u{85}']),
        1 => any::<char>().prop_filter("allowed", |&c| !forbidden_code(u32::from(c))),
    ];
    proptest::collection::vec(piece, 0..80).prop_map(String::from_iter)
}

/// A way to write the forbidden character `code`: as itself, or as a decimal or hex
/// reference with leading zeros and either case of hex digits.
fn written(code: u32, form: u8, zeros: usize) -> String {
    let zeros = "0".repeat(zeros);
    match form {
        0 => char::from_u32(code).expect("C0").to_string(),
        1 => format!("&#{zeros}{code};"),
        2 => format!("&#x{zeros}{code:x};"),
        _ => format!("&#x{zeros}{code:X};"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The chunked scan finds exactly the first forbidden byte a plain search finds.
    #[test]
    fn the_raw_scan_finds_the_first_forbidden_byte(
        text in proptest::collection::vec(any::<char>(), 0..200).prop_map(String::from_iter),
    ) {
        let first = text.bytes().position(forbidden_byte);
        let found = match check_raw(&text) {
            Ok(()) => None,
            Err(XmlError::Forbidden { code, position, reference: false }) => {
                prop_assert_eq!(u32::from(text.as_bytes()[position as usize]), code);
                Some(position as usize)
            }
            Err(other) => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        prop_assert_eq!(found, first);
    }

    /// A forbidden character anywhere in element text, raw or referenced, is always the
    /// new error, naming that character; raw in CDATA too.
    #[test]
    fn a_forbidden_character_is_always_refused(
        code in proptest::sample::select(FORBIDDEN.to_vec()),
        form in 0u8..4,
        zeros in 0usize..4,
        before in allowed_text(),
        after in allowed_text(),
        cdata in any::<bool>(),
    ) {
        let escape = |text: &str| quick_xml::escape::escape(text).into_owned();
        let xml = if cdata {
            let mut out = String::from("<xml><A>");
            super::super::push_cdata(&mut out, &before);
            out.push_str(&written(code, 0, 0));
            super::super::push_cdata(&mut out, &after);
            out.push_str("</A></xml>");
            out
        } else {
            let middle = written(code, form, zeros);
            format!("<xml><A>{}{middle}{}</A></xml>", escape(&before), escape(&after))
        };
        match checked(&xml) {
            Err(XmlError::Forbidden { code: got, .. }) => prop_assert_eq!(got, code, "{:?}", xml),
            other => return Err(TestCaseError::fail(format!("{xml:?}: {other:?}"))),
        }
    }
}
