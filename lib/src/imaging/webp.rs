//! Lossy WebP through libwebp (the same 1.6.0 C library sharp uses), at sharp's settings.

use libwebp_sys as webp;

use super::ImagingError;

/// sharp's `webp({ quality: 80, effort: 4 })`: the default preset at quality 80, method 4. Lower
/// methods are 2–4x faster but cost 4–10 % more bytes at lower SSIM, and no other setting
/// (segments, SNS, filter, partition limit, autofilter) wins that back; docs/BENCHMARKS.md has the
/// measurements.
pub(super) const QUALITY: f32 = 80.0;
const METHOD: i32 = 4;

fn config(quality: f32) -> webp::WebPConfig {
    // SAFETY: WebPConfig is plain C data; WebPConfigInitInternal fills every field.
    let mut config: webp::WebPConfig = unsafe { std::mem::zeroed() };
    let ok = unsafe {
        webp::WebPConfigInitInternal(
            &mut config,
            webp::WebPPreset::WEBP_PRESET_DEFAULT,
            quality,
            webp::WEBP_ENCODER_ABI_VERSION as i32,
        )
    };
    assert!(ok != 0, "libwebp was built for another encoder ABI");
    config.method = METHOD;
    config
}

/// Owns the picture and the output buffer, so both are freed on every path.
struct Encoding {
    picture: webp::WebPPicture,
    writer: webp::WebPMemoryWriter,
}

impl Drop for Encoding {
    fn drop(&mut self) {
        // SAFETY: both were initialised by libwebp in `encode`, and are freed once, here.
        unsafe {
            webp::WebPPictureFree(&mut self.picture);
            webp::WebPMemoryWriterClear(&mut self.writer);
        }
    }
}

/// Tightly packed 8-bit RGB pixels, `width`×`height`, to lossy WebP at `quality` (0–100).
pub(super) fn encode_rgb(rgb: &[u8], width: u32, height: u32, quality: f32) -> Result<Vec<u8>, ImagingError> {
    assert_eq!(rgb.len(), width as usize * height as usize * 3, "RGB buffer does not match its size");
    let config = config(quality);
    // SAFETY: zeroed C structs, initialised by libwebp before use; `rgb` outlives the import, which
    // copies it into the picture's own YUV planes; the writer lives in `encoding`, which outlives
    // the `WebPEncode` call that holds a pointer to it.
    unsafe {
        let mut encoding = Encoding { picture: std::mem::zeroed(), writer: std::mem::zeroed() };
        assert!(webp::WebPPictureInit(&mut encoding.picture), "libwebp was built for another encoder ABI");
        webp::WebPMemoryWriterInit(&mut encoding.writer);
        let picture = &mut encoding.picture;
        picture.width = width as i32;
        picture.height = height as i32;
        if webp::WebPPictureImportRGB(picture, rgb.as_ptr(), 3 * width as i32) == 0 {
            return Err(ImagingError::Encode(picture.error_code as u32));
        }
        picture.writer = Some(webp::WebPMemoryWrite);
        picture.custom_ptr = (&raw mut encoding.writer).cast();
        if webp::WebPEncode(&config, &mut encoding.picture) == 0 {
            return Err(ImagingError::Encode(encoding.picture.error_code as u32));
        }
        Ok(std::slice::from_raw_parts(encoding.writer.mem, encoding.writer.size).to_vec())
    }
}
