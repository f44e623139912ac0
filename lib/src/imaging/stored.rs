//! What is stored for one image: the original as high-quality lossy WebP carrying the generation
//! parameters as XMP, and the gallery's WebP sizes, all from one decode of the model's PNG.
//!
//! The original stands in for the widest gallery width (the full-size view) when it is at most 1.3
//! times as wide (a 2048² image has no 1920 px size): it is listed under its own width among the
//! sizes, and nothing near its size is stored twice. It never stands in for the narrower widths
//! that cards and the viewer take: a phone would then load the ~490 KB original where a 141 KB
//! 800 px size does. docs/BENCHMARKS.md ("Bytes per stored image") has the measurements.

use fast_image_resize as fr;
use rayon::prelude::*;

use super::{Derivative, ImagingError, checked_size, decode_png, resize, scaled_height, webp, xmp};

/// libwebp quality of the stored original: the lowest at which every benchmark input, busy
/// synthetic and photographic alike, keeps a luma SSIM of at least 0.985 against the model's PNG
/// (the quietest photograph needs 93; at 92 it reads 0.984).
pub const ORIGINAL_QUALITY: f32 = 93.0;
/// The original replaces a gallery width `w` when its own width is at most `w` × 13 / 10.
const STANDS_IN_TENTHS: u32 = 13;

/// The objects of one image, before upload.
#[derive(Debug, Clone)]
pub struct Stored {
    /// Lossy WebP at [`ORIGINAL_QUALITY`], the parameters in an `XMP ` chunk.
    pub original: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// The gallery widths made, narrowest first.
    pub sizes: Vec<Derivative>,
    /// Whether the original stands in for a gallery width (listed among the sizes under its own).
    pub stands_in: bool,
}

/// Which of `widths` are made for a source `source_width` wide, and whether the original stands in
/// for one of them: widths wider than the source are never made (no upscaling), and the widest
/// width, if the original is at most 1.3 times as wide as it, is served by the original itself.
pub fn plan(source_width: u32, widths: &[u32]) -> (Vec<u32>, bool) {
    let widest = widths.iter().copied().max().unwrap_or(0);
    let near = |w: u32| {
        w > 0
            && w == widest
            && w <= source_width
            && u64::from(w) * u64::from(STANDS_IN_TENTHS) >= u64::from(source_width) * 10
    };
    let made = widths.iter().copied().filter(|&w| w > 0 && w <= source_width && !near(w)).collect();
    (made, widths.iter().any(|&w| near(w)))
}

/// The stored form of `png` (the model's image): decoded once, the original encoded with `entries`
/// (key, text) as XMP, the sizes [`plan`] keeps resized with Lanczos3, every encode in parallel.
/// CPU-bound: from async code call [`store_blocking`].
pub fn store(png: &[u8], widths: &[u32], entries: &[(String, String)]) -> Result<Stored, ImagingError> {
    let (width, height) = checked_size(png)?;
    // Gemini's images are opaque; an alpha channel, if any, is dropped.
    let source = decode_png(png, (width, height))?.into_rgb8();
    let pixels = fr::images::ImageRef::new(width, height, source.as_raw(), fr::PixelType::U8x3)
        .map_err(|_| ImagingError::Malformed("decoded size differs from the header"))?;
    let (made, stands_in) = plan(width, widths);
    // `None` is the original: the largest encode, started first.
    let jobs: Vec<Option<u32>> = std::iter::once(None).chain(made.into_iter().map(Some)).collect();
    let mut encoded = jobs
        .into_par_iter()
        .map(|job| match job {
            None => Ok(Derivative {
                width,
                height,
                webp: webp::encode_rgb(source.as_raw(), width, height, ORIGINAL_QUALITY)?,
            }),
            Some(w) => {
                let h = scaled_height(width, height, w);
                Ok(Derivative {
                    width: w,
                    height: h,
                    webp: webp::encode_rgb(&resize(&pixels, w, h)?, w, h, webp::QUALITY)?,
                })
            }
        })
        .collect::<Result<Vec<_>, ImagingError>>()?;
    let original = encoded.remove(0).webp;
    let original = if entries.is_empty() {
        original
    } else {
        xmp::webp_with_xmp(&original, width, height, &xmp::packet(entries))?
    };
    Ok(Stored { original, width, height, sizes: encoded, stands_in })
}

/// [`store`] on the blocking pool through [`crate::cpu::run`]: hundreds of milliseconds of CPU for
/// a 2048² image, which would stall every other request on an async worker thread.
pub async fn store_blocking(
    png: bytes::Bytes,
    widths: Vec<u32>,
    entries: Vec<(String, String)>,
) -> Result<Stored, ImagingError> {
    crate::cpu::run(move || store(&png, &widths, &entries)).await?
}
