//! The walk's refusals and the leaves it collects.

use super::*;

fn leaves(xml: &str) -> Vec<(String, String, String)> {
    let fields = scan(xml).unwrap();
    fields
        .leaves
        .iter()
        .map(|l| {
            (
                l.name.to_owned(),
                l.parent.to_owned(),
                l.value.clone().into_owned(),
            )
        })
        .collect()
}

#[test]
fn collects_leaves_with_parents() {
    let got = leaves("<xml><A><![CDATA[x]]></A><G><B>1</B><C/></G></xml>");
    let want = [("A", "xml", "x"), ("B", "G", "1"), ("C", "G", "")];
    let want: Vec<_> = want
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn decodes_predefined_and_char_references_and_keeps_spaces() {
    let got = leaves("<xml><A> a &lt;&amp;&#x4E2D;&#20013; </A></xml>");
    assert_eq!(got[0].2, " a <&中中 ");
}

#[test]
fn mixes_cdata_and_text() {
    let got = leaves("<xml><A>x<![CDATA[]]]]><![CDATA[>]]>y</A></xml>");
    assert_eq!(got[0].2, "x]]>y");
}

#[test]
fn refuses_what_contract_refuses() {
    let doctype = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><xml><A>&a;</A></xml>";
    assert!(matches!(scan(doctype), Err(XmlError::DocType)));
    assert!(matches!(
        scan("<xml><A>&a;</A></xml>"),
        Err(XmlError::Entity(_))
    ));
    assert!(matches!(
        scan("<xml></xml><xml></xml>"),
        Err(XmlError::Trailing)
    ));
    assert!(matches!(scan("<xml></xml>junk"), Err(XmlError::Trailing)));
    assert!(matches!(scan("<xml><A>"), Err(XmlError::Malformed { .. })));
    assert!(matches!(
        scan("<xml><A></B></xml>"),
        Err(XmlError::Malformed { .. })
    ));
    assert!(matches!(scan("   "), Err(XmlError::Empty)));
    let deep = format!(
        "<xml>{}{}</xml>",
        "<a>".repeat(100_000),
        "</a>".repeat(100_000)
    );
    assert!(matches!(scan(&deep), Err(XmlError::TooDeep(_))));
}

#[test]
fn a_leading_byte_order_mark_is_accepted() {
    assert_eq!(
        leaves("\u{feff}<?xml version=\"1.0\"?><xml><A>x</A></xml>")[0].2,
        "x"
    );
}

#[test]
fn groups_split_repeated_parents() {
    let xml = "<xml><E><List><T>1</T><S>a</S></List><List><T>2</T></List></E></xml>";
    let fields = scan(xml).unwrap();
    let groups = fields.groups("List");
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].get("S"), Some("a"));
    assert_eq!(groups[1].get("T"), Some("2"));
    assert_eq!(groups[1].get("S"), None);
}
