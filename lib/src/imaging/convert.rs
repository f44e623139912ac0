//! Downloads: the stored PNG original as PNG, JPEG or WebP, with its generation parameters (PNG:
//! the `iTXt` chunks as stored; JPEG and WebP: the same entries as XMP) or with no metadata at all.

use bytes::Bytes;

use super::{ImagingError, checked_size, decode_png, metadata, webp, xmp};

/// JPEG and WebP downloads are the image itself, not a preview: high quality, unlike the
/// derivatives' 80.
const JPEG_QUALITY: u8 = 90;
const WEBP_QUALITY: f32 = 90.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    Webp,
}

impl Format {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.to_ascii_lowercase().as_str() {
            "png" => Some(Self::Png),
            "jpeg" | "jpg" => Some(Self::Jpeg),
            "webp" => Some(Self::Webp),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpeg",
            Self::Webp => "webp",
        }
    }

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
        }
    }
}

/// `png` (an original as stored) in `format`; `keep_metadata` carries its text entries over,
/// otherwise the result has no text, EXIF or XMP. PNG to PNG never touches the pixel data; JPEG and
/// WebP decode it once, within the same size limits as the derivatives. CPU-bound: from async code
/// call [`convert_blocking`].
pub fn convert(png: Bytes, format: Format, keep_metadata: bool) -> Result<Bytes, ImagingError> {
    match format {
        Format::Png if keep_metadata => Ok(png),
        Format::Png => Ok(metadata::strip_png_metadata(&png)?.into()),
        Format::Jpeg => {
            let (rgb, width, height) = decode(&png)?;
            let mut jpeg = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
                .encode(&rgb, width, height, image::ExtendedColorType::Rgb8)
                .map_err(ImagingError::EncodeJpeg)?;
            match packet(&png, keep_metadata) {
                Some(packet) => Ok(xmp::jpeg_with_xmp(&jpeg, &packet)?.into()),
                None => Ok(jpeg.into()),
            }
        }
        Format::Webp => {
            let (rgb, width, height) = decode(&png)?;
            let lossy = webp::encode_rgb(&rgb, width, height, WEBP_QUALITY)?;
            match packet(&png, keep_metadata) {
                Some(packet) => Ok(xmp::webp_with_xmp(&lossy, width, height, &packet)?.into()),
                None => Ok(lossy.into()),
            }
        }
    }
}

/// `png` as pixels only: decoded, then encoded again as a PNG that holds nothing but the image (no
/// text, EXIF, XMP, time, ICC or private chunk). An edit sends its source to the model, and a
/// stored original carries its prompt and seed, hidden ones included: a list of chunks to drop
/// would miss whatever chunk it does not know. CPU-bound: from async code call
/// [`pixels_only_blocking`].
pub fn pixels_only(png: &[u8]) -> Result<Vec<u8>, ImagingError> {
    let image = decode_png(png, checked_size(png)?)?;
    let mut out = Vec::new();
    image.write_with_encoder(image::codecs::png::PngEncoder::new(&mut out)).map_err(ImagingError::EncodePng)?;
    Ok(out)
}

/// [`pixels_only`] on the blocking pool through [`crate::cpu::run`].
pub async fn pixels_only_blocking(png: Bytes) -> Result<Vec<u8>, ImagingError> {
    crate::cpu::run(move || pixels_only(&png)).await?
}

/// RGB pixels and size, the header checked against the limits before a pixel is inflated.
fn decode(png: &[u8]) -> Result<(Vec<u8>, u32, u32), ImagingError> {
    let (width, height) = checked_size(png)?;
    let image = decode_png(png, (width, height))?;
    // Gemini's images are opaque; JPEG has no alpha channel anyway.
    Ok((image.into_rgb8().into_raw(), width, height))
}

/// The XMP packet of the original's text entries, if they are to be kept and there are any.
fn packet(png: &[u8], keep_metadata: bool) -> Option<String> {
    let entries = if keep_metadata { metadata::read_png_metadata(png) } else { Vec::new() };
    (!entries.is_empty()).then(|| xmp::packet(&entries))
}

/// [`convert`] on the blocking pool through [`crate::cpu::run`]: decoding and encoding a 2048² image takes hundreds of
/// milliseconds of CPU, which would stall every other request on an async worker thread.
pub async fn convert_blocking(png: Bytes, format: Format, keep_metadata: bool) -> Result<Bytes, ImagingError> {
    crate::cpu::run(move || convert(png, format, keep_metadata)).await?
}
