//! The WebP container of a stored original: its size read from the header, its XMP packet found,
//! the file stripped down to the image data alone, and its pixels decoded by libwebp.

use libwebp_sys as webp;

use super::{ImagingError, MAX_PIXELS, MAX_SIDE};

/// Whether `bytes` open like a WebP file (`RIFF` … `WEBP`).
pub fn is_webp(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP"
}

/// One chunk, borrowed from the file: four-character code and data.
type Chunk<'a> = (&'a [u8], &'a [u8]);

/// The chunks after the `WEBP` tag. `Err` if a length runs past the end (a cut file).
fn chunks(file: &[u8]) -> Result<Vec<Chunk<'_>>, ImagingError> {
    if !is_webp(file) {
        return Err(ImagingError::Malformed("not a WebP file"));
    }
    let mut rest = &file[12..];
    let mut out = Vec::new();
    while rest.len() >= 8 {
        let len = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
        let data = rest.get(8..8 + len).ok_or(ImagingError::Malformed("a WebP chunk runs past the end"))?;
        out.push((&rest[..4], data));
        // Chunks are padded to an even size.
        rest = rest.get(8 + len + len % 2..).unwrap_or_default();
    }
    Ok(out)
}

/// The XMP packet the file carries (its `XMP ` chunk), if any and if it is UTF-8.
pub fn xmp_packet(file: &[u8]) -> Option<&str> {
    let chunks = chunks(file).ok()?;
    let (_, data) = chunks.into_iter().find(|(kind, _)| *kind == b"XMP ")?;
    std::str::from_utf8(data).ok()
}

/// The file as a simple lossy WebP: its `VP8 ` chunk alone, without the extended header, XMP,
/// EXIF or ICC profile. The image data is copied as is: nothing is decoded or encoded again.
pub fn image_only(file: &[u8]) -> Result<Vec<u8>, ImagingError> {
    let chunks = chunks(file)?;
    let (_, data) = chunks
        .into_iter()
        .find(|(kind, _)| *kind == b"VP8 ")
        .ok_or(ImagingError::Malformed("a WebP without lossy image data"))?;
    let mut chunk = Vec::with_capacity(data.len() + 9);
    push_chunk(&mut chunk, b"VP8 ", data)?;
    riff_file(&chunk)
}

/// A RIFF chunk: four-character code, little-endian length, data, a pad byte to an even size.
pub(super) fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) -> Result<(), ImagingError> {
    let len = u32::try_from(data.len()).map_err(|_| ImagingError::MetadataTooLarge(data.len()))?;
    out.extend_from_slice(kind);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
    Ok(())
}

/// A WebP file holding `chunks` (laid out by [`push_chunk`]): the `RIFF` header, its size, `WEBP`.
pub(super) fn riff_file(chunks: &[u8]) -> Result<Vec<u8>, ImagingError> {
    let size = u32::try_from(chunks.len() + 4).map_err(|_| ImagingError::MetadataTooLarge(chunks.len()))?;
    let mut out = Vec::with_capacity(chunks.len() + 12);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(chunks);
    Ok(out)
}

/// Width and height from the bitstream's header, checked against the decoding limits.
pub fn checked_size(file: &[u8]) -> Result<(u32, u32), ImagingError> {
    let (mut width, mut height) = (0, 0);
    // SAFETY: libwebp reads at most `file.len()` bytes and writes the two integers.
    let ok = unsafe { webp::WebPGetInfo(file.as_ptr(), file.len(), &mut width, &mut height) };
    if ok == 0 {
        return Err(ImagingError::Malformed("a WebP whose header does not parse"));
    }
    let (width, height) = (width as u32, height as u32);
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImagingError::TooLarge { width, height });
    }
    Ok((width, height))
}

/// Tightly packed 8-bit RGB pixels, width and height; libwebp's decoder (the one browsers use, with
/// its smooth chroma upsampling), after the header was checked against the limits.
pub fn decode_rgb(file: &[u8]) -> Result<(Vec<u8>, u32, u32), ImagingError> {
    let (width, height) = checked_size(file)?;
    let (mut w, mut h) = (0, 0);
    // SAFETY: libwebp allocates the output, which is copied once and freed here, on every path.
    unsafe {
        let pixels = webp::WebPDecodeRGB(file.as_ptr(), file.len(), &mut w, &mut h);
        if pixels.is_null() {
            return Err(ImagingError::Malformed("a WebP whose image data does not decode"));
        }
        let same = (w as u32, h as u32) == (width, height);
        let rgb = same.then(|| std::slice::from_raw_parts(pixels, width as usize * height as usize * 3).to_vec());
        webp::WebPFree(pixels.cast());
        let rgb = rgb.ok_or(ImagingError::Malformed("a WebP decoded to another size than its header"))?;
        Ok((rgb, width, height))
    }
}
