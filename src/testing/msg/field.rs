//! The elements of a built message after its header, and how they are written: text as CDATA,
//! integers bare as WeChat writes them, groups (`ScanCodeInfo`, `PicList/item`, `List`) with
//! their children.

/// One element of a message after its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Field {
    name: &'static str,
    value: Value,
}

/// What an element holds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    /// Text, written as CDATA.
    Text(String),
    /// A number WeChat writes bare (`Count`, `MsgID`), written as CDATA if it is not an integer.
    Number(String),
    /// Child elements (`ScanCodeInfo`, `PicList`, `List`).
    Group(Vec<Field>),
}

/// A text element.
pub(super) fn text(name: &'static str, value: impl Into<String>) -> Field {
    let value = Value::Text(value.into());
    Field { name, value }
}

/// A number element.
pub(super) fn number(name: &'static str, value: String) -> Field {
    let value = Value::Number(value);
    Field { name, value }
}

/// An element of child elements.
pub(super) fn group(name: &'static str, children: impl IntoIterator<Item = Field>) -> Field {
    let value = Value::Group(children.into_iter().collect());
    Field { name, value }
}

/// Sets the first leaf named `name` under `fields` to `value`; gives `value` back when none is.
pub(super) fn replace(fields: &mut [Field], name: &str, value: String) -> Result<(), String> {
    let mut value = value;
    for field in fields {
        match &mut field.value {
            Value::Text(old) | Value::Number(old) if field.name == name => {
                *old = value;
                return Ok(());
            }
            Value::Group(children) => {
                value = match replace(children, name, value) {
                    Ok(()) => return Ok(()),
                    Err(value) => value,
                }
            }
            _ => {}
        }
    }
    Err(value)
}

/// `field` as XML: text as CDATA, numbers bare, groups with their children.
pub(super) fn push_element(xml: &mut String, field: &Field) {
    match &field.value {
        Value::Number(digits) if is_integer(digits) => {
            xml.push_str(&format!("<{0}>{digits}</{0}>", field.name));
        }
        Value::Text(value) | Value::Number(value) => push_field(xml, field.name, value),
        Value::Group(children) => {
            xml.push_str(&format!("<{}>", field.name));
            for child in children {
                push_element(xml, child);
            }
            xml.push_str(&format!("</{}>", field.name));
        }
    }
}

/// Whether `value` is an integer as WeChat writes one bare: digits, perhaps after a `-`.
fn is_integer(value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `<name><![CDATA[value]]></name>`.
pub(super) fn push_field(xml: &mut String, name: &str, value: &str) {
    xml.push_str(&format!("<{name}>"));
    crate::xml::push_cdata(xml, value);
    xml.push_str(&format!("</{name}>"));
}
