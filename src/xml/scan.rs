//! One walk over the XML: well-formedness, the refusals that answer 400 (a DOCTYPE, an
//! unknown entity, a second root, a character XML forbids: `chars.rs`), and the leaf fields.
//!
//! WeChat messages are a flat `<xml>` of leaf elements with a few shallow groups
//! (`ScanCodeInfo`, `SendPicsInfo/PicList/item`, `SubscribeMsgPopupEvent/List`). One pass of
//! quick-xml's pull reader collects every leaf as `(name, parent, value)`; the typed structs are
//! built from that list. This replaces serde's two passes (one for the header, one for the
//! body) with one, on the hot path of every callback, and it gives `Unknown` its field map.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::XmlError;
use super::chars::{check_attribute_refs, check_raw, resolve};

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
    // Here, and not in the callers, so that every body (plain, an envelope, a decrypted
    // message, a reply read back) is held to the same rule; positions count from its start.
    check_raw(xml)?;
    let body_len = xml.len();
    // A byte-order mark may lead the document; tags are located by offset below.
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let bom = body_len - xml.len();
    let mut reader = Reader::from_str(xml);
    let mut walk = Walk::new(xml);
    loop {
        // With text untrimmed, a tag starts exactly where the previous event ended.
        let at = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|err| XmlError::Malformed {
            position: reader.error_position(),
            reason: err.to_string(),
        })?;
        match event {
            Event::Start(_) | Event::Empty(_) if walk.root_done => return Err(XmlError::Trailing),
            Event::Start(start) => {
                attribute_refs(&start, at + bom)?;
                walk.start(at, start.name().as_ref())?;
            }
            Event::Empty(start) => {
                attribute_refs(&start, at + bom)?;
                walk.empty(at, start.name().as_ref())?;
            }
            Event::End(_) => walk.end()?,
            Event::Text(raw) => walk.text(raw.xml10_content(), true)?,
            Event::CData(raw) => walk.text(raw.xml10_content(), false)?,
            Event::GeneralRef(reference) => {
                let resolved = resolve(&reference, at + bom)?;
                walk.text(Cow::Owned(resolved.to_string()), false)?;
            }
            // Never expanded, never allowed: no XXE, no billion laughs (answered 400).
            Event::DocType(_) => return Err(XmlError::DocType),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => return walk.finish(reader.buffer_position()),
        }
    }
}

/// The state of one walk: the leaves so far and the elements still open.
struct Walk<'a> {
    xml: &'a str,
    fields: Fields<'a>,
    /// Open elements: name, occurrence id, whether a child element was seen.
    open: Vec<(&'a str, u32, bool)>,
    /// The text of the innermost open element so far.
    text: Option<Cow<'a, str>>,
    next_id: u32,
    root_done: bool,
}

impl<'a> Walk<'a> {
    fn new(xml: &'a str) -> Self {
        Self {
            xml,
            fields: Fields {
                leaves: Vec::with_capacity(8),
            },
            open: Vec::with_capacity(4),
            text: None,
            next_id: 0,
            root_done: false,
        }
    }

    /// `<name>` at byte `at`.
    fn start(&mut self, at: usize, name: &str) -> Result<(), XmlError> {
        if self.open.len() >= MAX_DEPTH {
            return Err(XmlError::TooDeep(MAX_DEPTH));
        }
        let name = element_name(self.xml, at, name)?;
        self.mark_parent();
        self.open.push((name, self.next_id, false));
        self.next_id += 1;
        self.text = None;
        Ok(())
    }

    /// `<name/>` at byte `at`: an empty leaf, or an empty root.
    fn empty(&mut self, at: usize, name: &str) -> Result<(), XmlError> {
        let name = element_name(self.xml, at, name)?;
        self.mark_parent();
        match leaf(&self.open, name, Cow::Borrowed("")) {
            Some(leaf) => self.fields.leaves.push(leaf),
            None => self.root_done = true,
        }
        Ok(())
    }

    /// `</name>`: check_end_names (on by default) guarantees it matches the open element.
    fn end(&mut self) -> Result<(), XmlError> {
        let (name, _, has_children) = self.open.pop().ok_or(XmlError::Trailing)?;
        let value = self.text.take().unwrap_or_default();
        match leaf(&self.open, name, value) {
            Some(leaf) if !has_children => self.fields.leaves.push(leaf),
            Some(_) => {}
            None => self.root_done = true,
        }
        Ok(())
    }

    /// Text, CDATA or a resolved reference; outside the root only whitespace text may stand.
    fn text(&mut self, piece: Cow<'a, str>, plain_text: bool) -> Result<(), XmlError> {
        if !self.open.is_empty() {
            append(&mut self.text, piece);
            Ok(())
        } else if plain_text && piece.trim().is_empty() {
            Ok(())
        } else {
            Err(XmlError::Trailing)
        }
    }

    /// The innermost open element has a child element: it is not a leaf.
    fn mark_parent(&mut self) {
        if let Some(parent) = self.open.last_mut() {
            parent.2 = true;
        }
    }

    /// The end of input at byte `position`: every element closed, one root seen.
    fn finish(self, position: u64) -> Result<Fields<'a>, XmlError> {
        if let Some((name, _, _)) = self.open.last() {
            return Err(XmlError::Malformed {
                position,
                reason: format!("unexpected end of input inside <{name}>"),
            });
        }
        if !self.root_done {
            return Err(XmlError::Empty);
        }
        Ok(self.fields)
    }
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

/// The attributes of the tag starting at byte `at`, checked only when they hold a `&`.
fn attribute_refs(start: &BytesStart<'_>, at: usize) -> Result<(), XmlError> {
    let raw = start.attributes_raw().as_bytes();
    if raw.contains(&b'&') {
        // The attributes follow `<` and the name.
        check_attribute_refs(raw, at + 1 + start.name().as_ref().len())?;
    }
    Ok(())
}

fn append<'a>(text: &mut Option<Cow<'a, str>>, piece: Cow<'a, str>) {
    match text {
        None => *text = Some(piece),
        Some(existing) => existing.to_mut().push_str(&piece),
    }
}

#[cfg(test)]
mod tests;
