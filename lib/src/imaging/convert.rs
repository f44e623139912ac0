//! Downloads: a stored original (WebP with its parameters as XMP, or a PNG with them as `iTXt`
//! chunks from before originals were WebP) as PNG, JPEG or WebP, with its generation parameters
//! (PNG: `iTXt` chunks; JPEG and WebP: XMP) or with no metadata at all.

use bytes::Bytes;

use super::{ImagingError, checked_size, decode_png, metadata, riff, webp, xmp};

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

/// `stored` (an original as stored: WebP, or PNG from before) in `format`; `keep_metadata` carries
/// its parameters over, otherwise the result has no text, EXIF or XMP. A file in its own format
/// never has its pixel data touched; any other is decoded once, within the same size limits as
/// the derivatives. CPU-bound: from async code call [`convert_blocking`].
pub fn convert(stored: Bytes, format: Format, keep_metadata: bool) -> Result<Bytes, ImagingError> {
    if riff::is_webp(&stored) {
        from_webp(stored, format, keep_metadata)
    } else {
        from_png(stored, format, keep_metadata)
    }
}

/// A WebP original: served as stored, or as its image data alone, or decoded once for PNG and JPEG
/// with its XMP packet carried over (PNG: as `iTXt` entries again).
fn from_webp(webp: Bytes, format: Format, keep_metadata: bool) -> Result<Bytes, ImagingError> {
    let packet = if keep_metadata { riff::xmp_packet(&webp).map(str::to_owned) } else { None };
    match format {
        Format::Webp if keep_metadata => Ok(webp),
        Format::Webp => Ok(riff::image_only(&webp)?.into()),
        Format::Png => {
            let (rgb, width, height) = riff::decode_rgb(&webp)?;
            let png = encode_png(&rgb, width, height)?;
            let entries = packet.as_deref().map(xmp::entries).unwrap_or_default();
            let entries: Vec<(&str, &str)> = entries.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            Ok(if entries.is_empty() { png } else { metadata::embed_png_metadata(&png, &entries)? }.into())
        }
        Format::Jpeg => {
            let (rgb, width, height) = riff::decode_rgb(&webp)?;
            let jpeg = encode_jpeg(&rgb, width, height)?;
            Ok(match packet {
                Some(packet) => xmp::jpeg_with_xmp(&jpeg, &packet)?,
                None => jpeg,
            }
            .into())
        }
    }
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ImagingError> {
    use image::ImageEncoder;
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(rgb, width, height, image::ExtendedColorType::Rgb8)
        .map_err(ImagingError::EncodePng)?;
    Ok(png)
}

fn encode_jpeg(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ImagingError> {
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode(rgb, width, height, image::ExtendedColorType::Rgb8)
        .map_err(ImagingError::EncodeJpeg)?;
    Ok(jpeg)
}

/// A PNG original from before originals were WebP: as before.
fn from_png(png: Bytes, format: Format, keep_metadata: bool) -> Result<Bytes, ImagingError> {
    match format {
        Format::Png if keep_metadata => Ok(png),
        Format::Png => Ok(metadata::strip_png_metadata(&png)?.into()),
        Format::Jpeg => {
            let (rgb, width, height) = decode(&png)?;
            let jpeg = encode_jpeg(&rgb, width, height)?;
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
/// [`model_input_blocking`].
pub fn pixels_only(png: &[u8]) -> Result<Vec<u8>, ImagingError> {
    let image = decode_png(png, checked_size(png)?)?;
    let mut out = Vec::new();
    image.write_with_encoder(image::codecs::png::PngEncoder::new(&mut out)).map_err(ImagingError::EncodePng)?;
    Ok(out)
}

/// A stored original as the model may see it, with its MIME type: a WebP reduced to its image data
/// (nothing decoded), a PNG through [`pixels_only`]. CPU-bound for a PNG: from async code call
/// [`model_input_blocking`].
pub fn model_input(stored: &[u8]) -> Result<(Vec<u8>, &'static str), ImagingError> {
    if riff::is_webp(stored) {
        riff::checked_size(stored)?;
        Ok((riff::image_only(stored)?, "image/webp"))
    } else {
        Ok((pixels_only(stored)?, "image/png"))
    }
}

/// [`model_input`] on the blocking pool through [`crate::cpu::run`].
pub async fn model_input_blocking(stored: Bytes) -> Result<(Vec<u8>, &'static str), ImagingError> {
    crate::cpu::run(move || model_input(&stored)).await?
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

/// [`convert`] on the blocking pool through [`crate::cpu::run`]: decoding and encoding a 2048² image
/// takes hundreds of milliseconds of CPU, which would stall every other request on an async worker
/// thread.
pub async fn convert_blocking(stored: Bytes, format: Format, keep_metadata: bool) -> Result<Bytes, ImagingError> {
    crate::cpu::run(move || convert(stored, format, keep_metadata)).await?
}
