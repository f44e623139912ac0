//! PNG text metadata: the generation parameters written into the stored original as `iTXt` chunks
//! (UTF-8, uncompressed) before `IEND`, read back, or stripped, without touching the pixel data.

use super::ImagingError;

const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";
/// Chunks that describe rather than draw the image: text, EXIF and the modification time.
const METADATA_CHUNKS: [&[u8; 4]; 5] = [b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"];

/// One chunk, borrowed from the file: `raw` spans length, type, data and CRC.
struct Chunk<'a> {
    kind: &'a [u8],
    data: &'a [u8],
    raw: &'a [u8],
}

/// The chunks after the signature, up to and including `IEND`; `Err` if a length runs past the end
/// or `IEND` never comes (a truncated file).
fn chunks(png: &[u8]) -> Result<Vec<Chunk<'_>>, ImagingError> {
    let mut rest = png.strip_prefix(SIGNATURE.as_slice()).ok_or(ImagingError::NotPng)?;
    let mut out = Vec::new();
    while rest.len() >= 12 {
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let total = len.checked_add(12).filter(|&total| total <= rest.len());
        let total = total.ok_or(ImagingError::Malformed("a chunk runs past the end of the file"))?;
        let chunk = Chunk { kind: &rest[4..8], data: &rest[8..8 + len], raw: &rest[..total] };
        let end = chunk.kind == b"IEND";
        out.push(chunk);
        rest = &rest[total..];
        if end {
            return Ok(out);
        }
    }
    Err(ImagingError::Malformed("no IEND chunk"))
}

/// A text key must be 1–79 bytes of printable Latin-1 without leading, trailing or double spaces.
fn check_key(key: &str) -> Result<(), ImagingError> {
    let printable = key.bytes().all(|b| (b' '..=b'~').contains(&b));
    let spaced = key.starts_with(' ') || key.ends_with(' ') || key.contains("  ");
    if key.is_empty() || key.len() > 79 || !printable || spaced {
        return Err(ImagingError::InvalidKey(key.to_owned()));
    }
    Ok(())
}

pub(super) fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).expect("text chunks are far below 4 GiB");
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// `png` with one `iTXt` chunk per entry inserted before `IEND`; the pixel data is copied as is.
pub fn embed_png_metadata(png: &[u8], entries: &[(&str, &str)]) -> Result<Vec<u8>, ImagingError> {
    let chunks = chunks(png)?;
    let mut out = Vec::with_capacity(png.len() + entries.iter().map(|(k, v)| k.len() + v.len() + 17).sum::<usize>());
    out.extend_from_slice(SIGNATURE);
    for chunk in &chunks {
        if chunk.kind == b"IEND" {
            for (key, value) in entries {
                check_key(key)?;
                // keyword NUL, compression flag and method 0, empty language tag and translated key.
                let data = [key.as_bytes(), b"\0\0\0\0\0", value.as_bytes()].concat();
                push_chunk(&mut out, b"iTXt", &data);
            }
        }
        out.extend_from_slice(chunk.raw);
    }
    Ok(out)
}

/// Key and text of every uncompressed `iTXt` and `tEXt` chunk, in file order. Unreadable chunks
/// (compressed text, broken UTF-8) and a broken file yield nothing rather than an error: this is
/// for display, and the image itself is checked where it is decoded.
pub fn read_png_metadata(png: &[u8]) -> Vec<(String, String)> {
    let Ok(chunks) = chunks(png) else { return Vec::new() };
    chunks.iter().filter_map(|chunk| text_entry(chunk.kind, chunk.data)).collect()
}

fn text_entry(kind: &[u8], data: &[u8]) -> Option<(String, String)> {
    let nul = data.iter().position(|&b| b == 0)?;
    let (key, rest) = (&data[..nul], &data[nul + 1..]);
    // Keys are Latin-1; ours are ASCII, which maps byte for byte.
    let key: String = key.iter().map(|&b| char::from(b)).collect();
    match kind {
        b"tEXt" => Some((key, rest.iter().map(|&b| char::from(b)).collect())),
        b"iTXt" => {
            let (flags, rest) = rest.split_at_checked(2)?;
            if flags[0] != 0 {
                return None;
            }
            let mut parts = rest.splitn(3, |&b| b == 0);
            let (_language, _translated, text) = (parts.next()?, parts.next()?, parts.next()?);
            Some((key, String::from_utf8(text.to_vec()).ok()?))
        }
        _ => None,
    }
}

/// `png` without text, EXIF or time chunks: for a copy made public, whose prompt stays private.
pub fn strip_png_metadata(png: &[u8]) -> Result<Vec<u8>, ImagingError> {
    let chunks = chunks(png)?;
    let mut out = Vec::with_capacity(png.len());
    out.extend_from_slice(SIGNATURE);
    for chunk in chunks.iter().filter(|chunk| !METADATA_CHUNKS.iter().any(|kind| chunk.kind == kind.as_slice())) {
        out.extend_from_slice(chunk.raw);
    }
    Ok(out)
}

/// The largest ICC profile accepted once inflated. Real profiles are a few KiB to about 1 MiB; the
/// `png` crate inflates `iCCP` whole (by default up to 512 MiB) before the first pixel.
pub const MAX_PROFILE_BYTES: usize = 4 << 20;

/// Refuses a PNG cut short, with a broken chunk structure, or whose `iCCP` profile inflates past
/// [`MAX_PROFILE_BYTES`] (a few KiB of zlib can announce hundreds of MiB); reads no pixel.
pub fn check_structure(png: &[u8]) -> Result<(), ImagingError> {
    for chunk in chunks(png)?.iter().filter(|chunk| chunk.kind == b"iCCP") {
        // Profile name, NUL, compression method, then the zlib stream.
        let name_end =
            chunk.data.iter().position(|&b| b == 0).ok_or(ImagingError::Malformed("an unnamed ICC profile"))?;
        let stream = chunk.data.get(name_end + 2..).unwrap_or_default();
        match fdeflate::decompress_to_vec_bounded(stream, MAX_PROFILE_BYTES) {
            Ok(_) => {}
            Err(fdeflate::BoundedDecompressionError::OutputTooLarge { .. }) => {
                return Err(ImagingError::ProfileTooLarge);
            }
            Err(_) => return Err(ImagingError::Malformed("a corrupt ICC profile")),
        }
    }
    Ok(())
}

/// Width and height from the `IHDR` chunk, which must come first: read before any decoding.
pub(super) fn header_size(png: &[u8]) -> Result<(u32, u32), ImagingError> {
    let ihdr = png.strip_prefix(SIGNATURE.as_slice()).and_then(|rest| rest.get(..16)).ok_or(ImagingError::NotPng)?;
    if ihdr[..8] != [0, 0, 0, 13, b'I', b'H', b'D', b'R'] {
        return Err(ImagingError::NotPng);
    }
    let be = |at: usize| u32::from_be_bytes([ihdr[at], ihdr[at + 1], ihdr[at + 2], ihdr[at + 3]]);
    Ok((be(8), be(12)))
}
