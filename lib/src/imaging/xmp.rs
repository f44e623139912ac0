//! XMP: the generation parameters of a PNG original (its `iTXt` entries) as an XMP packet, placed
//! where JPEG and WebP readers look for it: a JPEG `APP1` segment and a WebP `XMP ` chunk.
//!
//! Every entry becomes a `studio:{key}` property; the prompt is also `dc:description` and the
//! software `xmp:CreatorTool`, which photo tools show without knowing our namespace.

use super::{ImagingError, riff};

/// Our properties' namespace; a URN, so that it names no host of anyone's.
const STUDIO_NAMESPACE: &str = "urn:ai-image-studio:ns:generation:1.0/";
/// The identifier that opens an XMP `APP1` segment (XMP part 3, §1.1.3).
const JPEG_XMP_ID: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
/// Largest segment payload: the 16-bit length counts itself (2 bytes) and the payload.
const JPEG_SEGMENT_MAX: usize = 65_533;
/// VP8X flag for "an XMP chunk follows the image data".
const WEBP_XMP_FLAG: u8 = 0x04;

/// The XMP packet for `entries` (key, text), in their order.
pub(super) fn packet(entries: &[(String, String)]) -> String {
    let mut properties = String::new();
    let find = |key: &str| entries.iter().find(|(k, _)| k == key).map(|(_, v)| escape(v));
    if let Some(prompt) = find("prompt") {
        properties.push_str(&format!(
            "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{prompt}</rdf:li></rdf:Alt></dc:description>\n"
        ));
    }
    if let Some(software) = find("software") {
        properties.push_str(&format!("<xmp:CreatorTool>{software}</xmp:CreatorTool>\n"));
    }
    for (key, value) in entries {
        let name = element_name(key);
        properties.push_str(&format!("<studio:{name}>{}</studio:{name}>\n", escape(value)));
    }
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
         <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
         <rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmlns:studio=\"{STUDIO_NAMESPACE}\">\n\
         {properties}</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"r\"?>"
    )
}

/// An XML element name from a PNG text key (printable Latin-1): anything outside `[A-Za-z0-9_.-]`
/// becomes `_`, and a name may not start with a digit, `.` or `-`.
fn element_name(key: &str) -> String {
    let name: String =
        key.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') { c } else { '_' }).collect();
    if name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') { name } else { format!("_{name}") }
}

/// Text content escaped for XML; control characters other than tab and line breaks are dropped,
/// and so are the noncharacters U+FFFE and U+FFFF, which no XML 1.0 document may contain.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // A reader turns a raw carriage return into a line feed; the reference survives.
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

/// `jpeg` with an `APP1` XMP segment after its `APP0` (JFIF) header, or right after `SOI`.
pub(super) fn jpeg_with_xmp(jpeg: &[u8], packet: &str) -> Result<Vec<u8>, ImagingError> {
    let payload = [JPEG_XMP_ID, packet.as_bytes()].concat();
    if payload.len() > JPEG_SEGMENT_MAX {
        return Err(ImagingError::MetadataTooLarge(payload.len()));
    }
    if !jpeg.starts_with(&[0xFF, 0xD8]) {
        return Err(ImagingError::Malformed("a JPEG without its start marker"));
    }
    let mut at = 2;
    if jpeg.get(2..4) == Some(&[0xFF, 0xE0]) {
        let len = jpeg.get(4..6).map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])));
        at = len
            .map(|len| 4 + len)
            .filter(|&end| end <= jpeg.len())
            .ok_or(ImagingError::Malformed("a cut JFIF header"))?;
    }
    let length = u16::try_from(payload.len() + 2).map_err(|_| ImagingError::MetadataTooLarge(payload.len()))?;
    let mut out = Vec::with_capacity(jpeg.len() + payload.len() + 4);
    out.extend_from_slice(&jpeg[..at]);
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[at..]);
    Ok(out)
}

/// A simple lossy WebP (`VP8 ` chunk) of `width`×`height` turned into the extended format: a
/// `VP8X` header announcing XMP, the image data as it was, then an `XMP ` chunk.
pub(super) fn webp_with_xmp(webp: &[u8], width: u32, height: u32, packet: &str) -> Result<Vec<u8>, ImagingError> {
    let malformed = ImagingError::Malformed("not a simple lossy WebP");
    if webp.len() < 20 || &webp[..4] != b"RIFF" || &webp[8..12] != b"WEBP" || &webp[12..16] != b"VP8 " {
        return Err(malformed);
    }
    let mut chunks = Vec::with_capacity(webp.len() + packet.len() + 32);
    let mut vp8x = vec![WEBP_XMP_FLAG, 0, 0, 0];
    vp8x.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    riff::push_chunk(&mut chunks, b"VP8X", &vp8x)?;
    chunks.extend_from_slice(&webp[12..]);
    riff::push_chunk(&mut chunks, b"XMP ", packet.as_bytes())?;
    riff::riff_file(&chunks)
}

/// The `studio:{key}` entries of a packet [`packet`] wrote, in their order, their text unescaped:
/// how a stored WebP original's parameters become PNG text again. Other properties are skipped.
pub(super) fn entries(packet: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = packet;
    while let Some(start) = rest.find("<studio:") {
        rest = &rest[start + "<studio:".len()..];
        let Some(name_end) = rest.find('>') else { break };
        let name = &rest[..name_end];
        let close = format!("</studio:{name}>");
        let Some(text_end) = rest.find(&close) else { break };
        out.push((name.to_owned(), unescape(&rest[name_end + 1..text_end])));
        rest = &rest[text_end + close.len()..];
    }
    out
}

/// The references [`escape`] writes, and the other predefined and numeric ones, back to text.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';') else { break };
        let decoded = match &rest[1..end] {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            reference => reference
                .strip_prefix("#x")
                .map(|hex| u32::from_str_radix(hex, 16))
                .or_else(|| reference.strip_prefix('#').map(str::parse))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
