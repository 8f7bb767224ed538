//! One walk over the XML: well-formedness, the refusals that answer 400 (a DOCTYPE, an
//! unknown entity, a second root), and the leaf fields.
//!
//! WeChat messages are a flat `<xml>` of leaf elements with a few shallow groups
//! (`ScanCodeInfo`, `SendPicsInfo/PicList/item`, `SubscribeMsgPopupEvent/List`). One pass of
//! quick-xml's pull reader collects every leaf as `(name, parent, value)`; the typed structs are
//! built from that list. This replaces serde's two passes (one for the header, one for the
//! body) with one, on the hot path of every callback, and it gives `Unknown` its field map.

use std::borrow::Cow;

use quick_xml::events::{BytesRef, Event};
use quick_xml::reader::Reader;

use super::XmlError;

/// WeChat's deepest element (`SendPicsInfo/PicList/item/PicMd5Sum`) sits 4 levels below the
/// root; anything much deeper is not a WeChat message, and the limit keeps the stack small.
const MAX_DEPTH: usize = 12;

/// One leaf element: no child elements, only text.
#[derive(Debug)]
pub(crate) struct Leaf<'a> {
    pub(crate) name: &'a str,
    pub(crate) parent: &'a str,
    /// Which occurrence of the parent element holds this leaf: leaves of one `List` item share it.
    pub(crate) group: u32,
    /// A direct child of the root element.
    pub(crate) top: bool,
    pub(crate) value: Cow<'a, str>,
}

/// Every leaf of a document, in document order.
#[derive(Debug, Default)]
pub(crate) struct Fields<'a> {
    pub(crate) leaves: Vec<Leaf<'a>>,
}

impl<'a> Fields<'a> {
    /// The first leaf named `name`, at any depth (WeChat never repeats a name across groups).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.leaves
            .iter()
            .find(|leaf| leaf.name == name)
            .map(|leaf| leaf.value.as_ref())
    }

    /// A direct child of the root named `name`, missing or empty as `None` (header fields:
    /// a `MsgID` inside a `List` item is that item's, not the message's).
    pub(crate) fn top(&self, name: &str) -> Option<&str> {
        self.leaves
            .iter()
            .find(|leaf| leaf.top && leaf.name == name)
            .map(|leaf| leaf.value.as_ref())
            .filter(|value| !value.is_empty())
    }

    /// Like [`get`](Self::get), with a missing or empty field as `None`.
    pub(crate) fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|value| !value.is_empty())
    }

    /// Owned copy of a field, empty when missing.
    pub(crate) fn string(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    /// Owned copy of a field, `None` when missing or empty.
    pub(crate) fn opt(&self, name: &str) -> Option<String> {
        self.non_empty(name).map(str::to_owned)
    }

    /// Every value of leaves named `name`, in order (repeated elements such as `PicMd5Sum`).
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.leaves
            .iter()
            .filter(|leaf| leaf.name == name)
            .map(|leaf| leaf.value.clone().into_owned())
            .collect()
    }

    /// The leaves under each occurrence of the element `parent`, one slice per occurrence.
    pub(crate) fn groups(&self, parent: &str) -> Vec<Fields<'_>> {
        let mut out: Vec<(u32, Fields<'_>)> = Vec::new();
        for leaf in self.leaves.iter().filter(|leaf| leaf.parent == parent) {
            let borrowed = Leaf {
                name: leaf.name,
                parent: leaf.parent,
                group: leaf.group,
                top: leaf.top,
                value: Cow::Borrowed(leaf.value.as_ref()),
            };
            match out.last_mut() {
                Some((group, fields)) if *group == leaf.group => fields.leaves.push(borrowed),
                _ => out.push((
                    leaf.group,
                    Fields {
                        leaves: vec![borrowed],
                    },
                )),
            }
        }
        out.into_iter().map(|(_, fields)| fields).collect()
    }
}

/// Walks `xml` once and returns its leaves, or why it is refused.
pub(crate) fn scan(xml: &str) -> Result<Fields<'_>, XmlError> {
    // A byte-order mark may lead the document; tags are located by offset below.
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let mut reader = Reader::from_str(xml);
    let mut fields = Fields {
        leaves: Vec::with_capacity(8),
    };
    // Open elements: name, occurrence id, whether a child element was seen.
    let mut open: Vec<(&str, u32, bool)> = Vec::with_capacity(4);
    let mut text: Option<Cow<'_, str>> = None;
    let mut next_id = 0u32;
    let mut root_done = false;
    loop {
        // With text untrimmed, a tag starts exactly where the previous event ended.
        let at = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|err| XmlError::Malformed {
            position: reader.error_position(),
            reason: err.to_string(),
        })?;
        match event {
            Event::Start(start) | Event::Empty(start) if root_done => {
                let _ = start;
                return Err(XmlError::Trailing);
            }
            Event::Start(start) => {
                if open.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep(MAX_DEPTH));
                }
                let name = element_name(xml, at, start.name().as_ref())?;
                if let Some(parent) = open.last_mut() {
                    parent.2 = true;
                }
                open.push((name, next_id, false));
                next_id += 1;
                text = None;
            }
            Event::Empty(start) => {
                let name = element_name(xml, at, start.name().as_ref())?;
                if let Some(parent) = open.last_mut() {
                    parent.2 = true;
                }
                match leaf(&open, name, Cow::Borrowed("")) {
                    Some(leaf) => fields.leaves.push(leaf),
                    None => root_done = true,
                }
            }
            Event::End(_) => {
                // check_end_names (on by default) guarantees the end matches the open element.
                let (name, _, has_children) = open.pop().ok_or(XmlError::Trailing)?;
                let value = text.take().unwrap_or_default();
                match leaf(&open, name, value) {
                    Some(leaf) if !has_children => fields.leaves.push(leaf),
                    Some(_) => {}
                    None => root_done = true,
                }
            }
            Event::Text(raw) => {
                let piece = raw.xml10_content();
                if open.is_empty() {
                    if !piece.trim().is_empty() {
                        return Err(XmlError::Trailing);
                    }
                } else {
                    append(&mut text, piece);
                }
            }
            Event::CData(raw) => {
                if open.is_empty() {
                    return Err(XmlError::Trailing);
                }
                append(&mut text, raw.xml10_content());
            }
            Event::GeneralRef(reference) => {
                if open.is_empty() {
                    return Err(XmlError::Trailing);
                }
                append(&mut text, Cow::Owned(resolve(&reference)?.to_string()));
            }
            // Never expanded, never allowed: no XXE, no billion laughs (answered 400).
            Event::DocType(_) => return Err(XmlError::DocType),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !open.is_empty() {
        return Err(XmlError::Malformed {
            position: reader.buffer_position(),
            reason: format!(
                "unexpected end of input inside <{}>",
                open[open.len() - 1].0
            ),
        });
    }
    if !root_done {
        return Err(XmlError::Empty);
    }
    Ok(fields)
}

/// The leaf `name` closing inside the innermost open element; `None` for the root itself.
fn leaf<'a>(open: &[(&'a str, u32, bool)], name: &'a str, value: Cow<'a, str>) -> Option<Leaf<'a>> {
    let &(parent, group, _) = open.last()?;
    Some(Leaf {
        name,
        parent,
        group,
        top: open.len() == 1,
        value,
    })
}

/// The element's name as a slice of the input (`<` is at `at`), so it outlives the event.
fn element_name<'a>(xml: &'a str, at: usize, name: &str) -> Result<&'a str, XmlError> {
    xml.get(at + 1..at + 1 + name.len())
        .filter(|slice| *slice == name)
        .ok_or_else(|| XmlError::Malformed {
            position: at as u64,
            reason: "element name not where the tag starts".to_owned(),
        })
}

/// The five predefined entities and character references are text; anything else is refused.
fn resolve(reference: &BytesRef<'_>) -> Result<char, XmlError> {
    let undefined = || XmlError::Entity(reference.as_ref().to_owned());
    if reference.is_char_ref() {
        return reference
            .resolve_char_ref()
            .ok()
            .flatten()
            .ok_or_else(undefined);
    }
    match reference.as_ref() {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        _ => Err(undefined()),
    }
}

fn append<'a>(text: &mut Option<Cow<'a, str>>, piece: Cow<'a, str>) {
    match text {
        None => *text = Some(piece),
        Some(existing) => existing.to_mut().push_str(&piece),
    }
}

#[cfg(test)]
mod tests {
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
        let doctype =
            "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><xml><A>&a;</A></xml>";
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
}
