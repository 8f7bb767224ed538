//! A small `multipart/form-data` reader (RFC 7578), enough for media uploads: the whole body is
//! in memory already, so a streaming parser (and its dependency) would buy nothing here.

/// One part of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Part<'a> {
    /// The `name` of its Content-Disposition.
    pub(super) name: String,
    /// The `filename` of its Content-Disposition, as sent.
    pub(super) filename: Option<String>,
    /// Its Content-Type header.
    pub(super) content_type: Option<String>,
    /// Its bytes.
    pub(super) data: &'a [u8],
}

/// The parts of `body` sent with the Content-Type `content_type`, or `None` when it is not
/// well-formed `multipart/form-data`.
pub(super) fn parse<'a>(content_type: &str, body: &'a [u8]) -> Option<Vec<Part<'a>>> {
    let delimiter = format!("--{}", boundary(content_type)?);
    let delimiter = delimiter.as_bytes();
    // The first delimiter may follow a preamble; every later one follows a CRLF.
    let mut rest = &body[find(body, delimiter)? + delimiter.len()..];
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = std::str::from_utf8(&rest[..head_end]).ok()?;
        rest = &rest[head_end + 4..];
        let end = find_delimiter(rest, delimiter)?;
        parts.push(part(head, &rest[..end])?);
        rest = &rest[end + 2 + delimiter.len()..];
    }
}

/// The `boundary` parameter of a `multipart/form-data` Content-Type.
fn boundary(content_type: &str) -> Option<&str> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let boundary = params.split(';').find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"'))
    })?;
    (!boundary.is_empty()).then_some(boundary)
}

/// Where `\r\n` + `delimiter` starts in `data`.
fn find_delimiter(data: &[u8], delimiter: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = find(&data[from..], delimiter) {
        let at = from + at;
        if data[..at].ends_with(b"\r\n") {
            return Some(at - 2);
        }
        from = at + 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// A part from its header block and data; `None` without a form-data Content-Disposition.
fn part<'a>(head: &str, data: &'a [u8]) -> Option<Part<'a>> {
    let mut disposition = None;
    let mut content_type = None;
    for line in head.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("content-disposition") {
            disposition = Some(value.trim());
        } else if name.trim().eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_owned());
        }
    }
    let params = params(disposition?);
    let param = |key: &str| {
        params
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, v)| v.clone())
    };
    Some(Part {
        name: param("name")?,
        filename: param("filename"),
        content_type,
        data,
    })
}

/// The `key=value` parameters of a Content-Disposition value (after `form-data`), names
/// lowercased, quoted values unquoted. A `;` inside quotes (`filename="a;b.jpg"`) is text.
fn params(disposition: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut rest = disposition;
    while let Some((_, after)) = rest.split_once(';') {
        let Some((key, value)) = after.split_once('=') else {
            break;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim_start();
        let (value, next) = match value.strip_prefix('"') {
            Some(quoted) => unquote(quoted),
            None => {
                let end = value.find(';').unwrap_or(value.len());
                (value[..end].trim_end().to_owned(), &value[end..])
            }
        };
        params.push((key, value));
        rest = next;
    }
    params
}

/// A quoted string's text (the opening quote already gone) and what follows its closing
/// quote; `\"` and `\\` are escapes.
fn unquote(quoted: &str) -> (String, &str) {
    let mut text = String::new();
    let mut chars = quoted.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return (text, &quoted[at + 1..]),
            '\\' => text.extend(chars.next().map(|(_, escaped)| escaped)),
            _ => text.push(c),
        }
    }
    (text, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPE: &str = "multipart/form-data; boundary=XyZ";

    #[test]
    fn reads_a_file_part_and_a_field() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"media\"; \
            filename=\"a;b \\\"c\\\".jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\r\n--XyZ\r\n\
            Content-Disposition: form-data; name=note\r\n\r\nhi\r\n--XyZ--\r\n";
        let parts = parse(TYPE, body).expect("well-formed");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "media");
        assert_eq!(parts[0].filename.as_deref(), Some("a;b \"c\".jpg"));
        assert_eq!(parts[0].content_type.as_deref(), Some("image/jpeg"));
        assert_eq!(parts[0].data, b"\xff\xd8");
        assert_eq!(
            (parts[1].name.as_str(), parts[1].filename.as_deref()),
            ("note", None)
        );
        assert_eq!(parts[1].data, b"hi");
    }

    #[test]
    fn data_may_contain_the_delimiter_without_a_crlf() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"m\"\r\n\r\na--XyZb\r\n--XyZ--";
        let parts = parse(TYPE, body).expect("well-formed");
        assert_eq!(parts[0].data, b"a--XyZb");
    }

    #[test]
    fn refuses_what_is_not_multipart() {
        assert_eq!(parse("application/json", b"{}"), None);
        assert_eq!(parse("multipart/form-data", b"--x\r\n"), None);
        assert_eq!(
            parse(
                TYPE,
                b"--XyZ\r\nContent-Disposition: form-data; name=m\r\n\r\nunterminated"
            ),
            None
        );
        assert_eq!(parse(TYPE, b""), None);
    }
}
