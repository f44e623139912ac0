//! `multipart/form-data` upload bodies (RFC 7578), as storage-js sends every `Blob`/`File`: text
//! fields (`cacheControl`, `contentType`, `metadata`) and one file part, whatever its field name.

use bytes::Bytes;

/// One part: its field name, whether it is a file (has a `filename`), its type and bytes.
pub struct Part {
    pub name: String,
    pub is_file: bool,
    pub content_type: Option<String>,
    pub body: Bytes,
}

/// The `boundary` parameter of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim().eq_ignore_ascii_case("boundary").then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// The parts of `body`, or `None` when it is not a well-formed form with that boundary.
pub fn parse(body: &Bytes, boundary: &str) -> Option<Vec<Part>> {
    let delimiter = format!("--{boundary}");
    let mut rest = body.slice(find(body, delimiter.as_bytes())? + delimiter.len()..);
    let mut parts = Vec::new();
    loop {
        // After a delimiter: `--` closes the form, CRLF opens a part.
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest.slice(rest.strip_prefix(b"\r\n").map(|_| 2)?..);
        let head_end = find(&rest, b"\r\n\r\n")?;
        let head = std::str::from_utf8(&rest[..head_end]).ok()?.to_owned();
        rest = rest.slice(head_end + 4..);
        let next = format!("\r\n{delimiter}");
        let body_end = find(&rest, next.as_bytes())?;
        parts.push(part(&head, rest.slice(..body_end))?);
        rest = rest.slice(body_end + next.len()..);
    }
}

fn part(head: &str, body: Bytes) -> Option<Part> {
    let mut name = None;
    let mut is_file = false;
    let mut content_type = None;
    for line in head.split("\r\n") {
        let (header, value) = line.split_once(':')?;
        if header.trim().eq_ignore_ascii_case("content-disposition") {
            for param in value.split(';').skip(1) {
                let Some((key, val)) = param.split_once('=') else { continue };
                match key.trim().to_ascii_lowercase().as_str() {
                    "name" => name = Some(val.trim().trim_matches('"').to_owned()),
                    "filename" => is_file = true,
                    _ => {}
                }
            }
        } else if header.trim().eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_owned());
        }
    }
    Some(Part { name: name?, is_file, content_type, body })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}
