//! Writing strings as CDATA so that any text survives the round trip and the output is
//! always well-formed: replies, the encrypted envelope, the test kit's and the playground's
//! requests all write through here.

use std::borrow::Cow;

/// `<tag><![CDATA[value]]></tag>`.
pub(crate) fn cdata_field(out: &mut String, tag: &str, value: &str) {
    out.push('<');
    out.push_str(tag);
    out.push('>');
    push_cdata(out, value);
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

/// Appends `value` as CDATA: `]]>` is split across two sections, and the characters XML 1.0
/// forbids (C0 controls but tab, LF, CR; U+FFFE; U+FFFF) are dropped, so the output is always
/// well-formed while every allowed character survives unchanged.
pub(crate) fn push_cdata(out: &mut String, value: &str) {
    out.push_str("<![CDATA[");
    // The usual text has no `]`, no CR, no other control character and no U+FFFE/U+FFFF
    // (which start with 0xEF): one byte scan, then a plain copy.
    let plain = value
        .bytes()
        .all(|b| (b >= 0x20 || b == b'\t' || b == b'\n') && b != b']' && b != 0xef);
    if plain {
        out.push_str(value);
        out.push_str("]]>");
        return;
    }
    // Forbidden characters go first: dropped after the `]]>` search, `]]\u{1}>` would become
    // a terminator and close the section early (markup injection).
    let value: Cow<'_, str> = if value.chars().any(forbidden) {
        Cow::Owned(value.chars().filter(|&c| !forbidden(c)).collect())
    } else {
        Cow::Borrowed(value)
    };
    for (i, line) in value.split('\r').enumerate() {
        if i > 0 {
            // A raw CR would be read back as LF (XML's end-of-line rule): write a reference.
            out.push_str("]]>&#13;<![CDATA[");
        }
        let mut rest = line;
        while let Some(at) = rest.find("]]>") {
            out.push_str(&rest[..at + 2]);
            out.push_str("]]><![CDATA[>");
            rest = &rest[at + 3..];
        }
        out.push_str(rest);
    }
    out.push_str("]]>");
}

fn forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cdata(value: &str) -> String {
        let mut out = String::new();
        push_cdata(&mut out, value);
        out
    }

    #[test]
    fn splits_every_cdata_terminator() {
        assert_eq!(cdata("a]]>b"), "<![CDATA[a]]]]><![CDATA[>b]]>");
        assert_eq!(
            cdata("]]>]]>"),
            "<![CDATA[]]]]><![CDATA[>]]]]><![CDATA[>]]>"
        );
        assert_eq!(cdata("]]"), "<![CDATA[]]]]>");
    }

    #[test]
    fn a_terminator_hidden_by_forbidden_characters_cannot_close_the_section() {
        for sneaky in [
            "]]\u{1}>",
            "]\u{1f}]>",
            "]]\u{ffff}>",
            "a]]\u{1}></Content><X>y</X>",
        ] {
            let xml = format!("<xml><A>{}</A></xml>", cdata(sneaky));
            let fields = super::super::scan(&xml).expect("well-formed");
            assert_eq!(fields.leaves.len(), 1, "{sneaky:?} → {xml}");
            let kept: String = sneaky.chars().filter(|&c| !forbidden(c)).collect();
            assert_eq!(fields.leaves[0].value, kept);
        }
    }

    #[test]
    fn a_carriage_return_survives_as_a_reference() {
        assert_eq!(cdata("a\r\nb"), "<![CDATA[a]]>&#13;<![CDATA[\nb]]>");
        let xml = format!("<xml><A>{}</A></xml>", cdata("x\r]]>y"));
        let fields = super::super::scan(&xml).unwrap();
        assert_eq!(fields.leaves[0].value, "x\r]]>y");
    }

    #[test]
    fn drops_only_what_xml_forbids() {
        assert_eq!(cdata("a\u{1d}b\tc\nd\u{ffff}"), "<![CDATA[ab\tc\nd]]>");
        assert_eq!(cdata("😀 <&>"), "<![CDATA[😀 <&>]]>");
    }
}
