//! The derivative pipeline: the model's PNG decoded once (header checked first), resized to the
//! gallery widths and encoded as lossy WebP, sizes in parallel; the stored original (`stored`); and
//! the PNG text metadata that carried the generation parameters in originals stored before it.
//!
//! - `metadata`: `iTXt` chunks written, read and stripped without re-encoding pixels.
//! - `convert`: downloads in PNG, JPEG or WebP, with the parameters (as XMP: `xmp`) or without.
//! - `stored`: what generation stores: the original as high-quality WebP with the parameters as
//!   XMP, and the sizes it does not stand in for.
//! - `riff`: the WebP container of a stored original (XMP found, stripped, pixels decoded).
//! - `ssim`: luma SSIM, how the stored original is held to "visually lossless".
//! - `webp`: the libwebp encoder and its settings.
//! - `error`: [`ImagingError`] and its product mapping to `ApiError`.
//!
//! Benchmarked against sharp by `bench/thumbs` (docs/BENCHMARKS.md).

mod convert;
mod error;
mod metadata;
mod riff;
mod ssim;
mod stored;
mod webp;
mod xmp;

use fast_image_resize as fr;
use rayon::prelude::*;

pub use convert::{Format, convert, convert_blocking, model_input, model_input_blocking, pixels_only};
pub use error::ImagingError;
pub use metadata::{
    MAX_PROFILE_BYTES, check_structure as check_png_structure, embed_png_metadata, read_png_metadata,
    strip_png_metadata,
};
pub use riff::{decode_rgb as decode_webp, image_only as webp_image_only, is_webp};
pub use ssim::luma_ssim;
pub use stored::{ORIGINAL_QUALITY, Stored, plan as stored_widths, store, store_blocking};

/// The gallery's widths: grid thumbnail, card, detail view, full screen.
pub const DEFAULT_WIDTHS: [u32; 4] = [150, 300, 800, 1920];
/// Refused before decoding: Gemini's largest output (4K) is well inside both limits, and a few
/// hundred bytes of PNG can announce gigabytes of pixels.
pub const MAX_SIDE: u32 = 8192;
pub const MAX_PIXELS: u64 = 40_000_000;

/// One encoded size.
#[derive(Debug, Clone)]
pub struct Derivative {
    pub width: u32,
    pub height: u32,
    pub webp: Vec<u8>,
}

/// Every size made from one source, in the order of the widths asked for.
#[derive(Debug, Clone)]
pub struct Derivatives {
    pub source_width: u32,
    pub source_height: u32,
    pub sizes: Vec<Derivative>,
}

/// The WebP derivatives of `png` at each of `widths` that is not wider than the source (never
/// upscaled); the height keeps the aspect ratio, rounded to the nearest pixel. CPU-bound: from async
/// code, call [`derivatives_blocking`].
pub fn derivatives(png: &[u8], widths: &[u32]) -> Result<Derivatives, ImagingError> {
    let (source_width, source_height) = checked_size(png)?;
    // Gemini's images are opaque; an alpha channel, if any, is dropped.
    let source = decode_png(png, (source_width, source_height))?.into_rgb8();
    let pixels = fr::images::ImageRef::new(source_width, source_height, source.as_raw(), fr::PixelType::U8x3)
        .map_err(|_| ImagingError::Malformed("decoded size differs from the header"))?;
    let targets: Vec<(u32, u32)> = widths
        .iter()
        .filter(|&&width| width > 0 && width <= source_width)
        .map(|&width| (width, scaled_height(source_width, source_height, width)))
        .collect();
    // One task per size, each resizing from the source then encoding, so the large encodes start
    // at once; the encode is most of the time.
    let sizes = targets
        .into_par_iter()
        .map(|(width, height)| {
            let rgb = resize(&pixels, width, height)?;
            Ok(Derivative { width, height, webp: webp::encode_rgb(&rgb, width, height, webp::QUALITY)? })
        })
        .collect::<Result<Vec<_>, ImagingError>>()?;
    Ok(Derivatives { source_width, source_height, sizes })
}

/// [`derivatives`] on the blocking pool through [`crate::cpu::run`]: a 2048² image costs hundreds of
/// milliseconds of CPU, which would stall every other request on an async worker thread.
pub async fn derivatives_blocking(png: bytes::Bytes, widths: Vec<u32>) -> Result<Derivatives, ImagingError> {
    crate::cpu::run(move || derivatives(&png, &widths)).await?
}

/// The width and height a PNG's header announces, read without decoding a pixel.
pub fn png_size(png: &[u8]) -> Result<(u32, u32), ImagingError> {
    metadata::header_size(png)
}

/// The header's size, refused when over the limits: checked before a single pixel is inflated.
fn checked_size(png: &[u8]) -> Result<(u32, u32), ImagingError> {
    let (width, height) = metadata::header_size(png)?;
    let too_large = width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS;
    if width == 0 || height == 0 || too_large {
        return Err(ImagingError::TooLarge { width, height });
    }
    Ok((width, height))
}

/// Memory a decoder may use beyond the pixels: the PNG reader's row buffers, and an ICC profile or
/// EXIF of real size (a few hundred KiB at most).
const DECODER_SLACK: u64 = 4 << 20;

/// Limits a decoder enforces itself: sides of at most [`MAX_SIDE`] and an allocation budget for
/// `pixels` (16-bit RGBA at most) plus [`DECODER_SLACK`]. The budget bounds what a header check
/// cannot see: the `png` crate inflates an `iCCP` profile whole, by default up to 512 MiB. A header
/// read allocates no pixels: give it 0.
pub fn decoder_limits(pixels: u64) -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(pixels * 8 + DECODER_SLACK);
    limits
}

/// `png` decoded whole (every chunk up to `IEND`, a profile of real size) within
/// [`decoder_limits`] for the announced size.
fn decode_png(png: &[u8], (width, height): (u32, u32)) -> Result<image::DynamicImage, ImagingError> {
    metadata::check_structure(png)?;
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(png), image::ImageFormat::Png);
    reader.limits(decoder_limits(u64::from(width) * u64::from(height)));
    reader.decode().map_err(ImagingError::Decode)
}

/// round(h·w/W), at least one pixel.
fn scaled_height(source_width: u32, source_height: u32, width: u32) -> u32 {
    let scaled =
        (u64::from(source_height) * u64::from(width) * 2 + u64::from(source_width)) / (2 * u64::from(source_width));
    u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
}

/// Lanczos3 from the full source for every size: one resize, no cascade of softening steps.
fn resize(source: &fr::images::ImageRef<'_>, width: u32, height: u32) -> Result<Vec<u8>, ImagingError> {
    let mut target = fr::images::Image::new(width, height, fr::PixelType::U8x3);
    let options = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
    fr::Resizer::new().resize(source, &mut target, &options)?;
    Ok(target.into_vec())
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod stored_tests;
#[cfg(test)]
mod tests;
