//! `ImagingError`: why a PNG could not be read, resized or encoded, and the product decision of what
//! the user sees for each when it comes from the model (`From<ImagingError> for ApiError`).

use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum ImagingError {
    /// No PNG signature, or no `IHDR` chunk where the format puts it.
    #[error("not a PNG image")]
    NotPng,
    /// The header announces more pixels than we decode (a decompression bomb, or a model gone wrong).
    #[error("image of {width}x{height} is larger than we process")]
    TooLarge { width: u32, height: u32 },
    /// The chunks are whole but the pixel data is not (bad zlib stream, bad filter bytes, rows missing).
    #[error("PNG cannot be decoded: {0}")]
    Decode(#[source] image::ImageError),
    /// An `iCCP` profile that inflates past `MAX_PROFILE_BYTES` (a zlib bomb riding on the image).
    #[error("the ICC profile inflates past {} bytes", super::metadata::MAX_PROFILE_BYTES)]
    ProfileTooLarge,
    /// The chunk structure is broken (a length past the end, no `IEND`), so it cannot be rewritten.
    #[error("malformed PNG: {0}")]
    Malformed(&'static str),
    /// A metadata key that PNG text chunks cannot carry (1–79 printable Latin-1 characters).
    #[error("invalid PNG text key {0:?}")]
    InvalidKey(String),
    /// libwebp refused to encode (out of memory, or a bug of ours in the picture set-up).
    #[error("WebP encoding failed with libwebp error {0}")]
    Encode(u32),
    #[error("PNG encoding failed: {0}")]
    EncodePng(#[source] image::ImageError),
    #[error("JPEG encoding failed: {0}")]
    EncodeJpeg(#[source] image::ImageError),
    /// The metadata does not fit the container it is written to (a JPEG segment holds 64 KiB).
    #[error("{0} bytes of metadata do not fit")]
    MetadataTooLarge(usize),
    #[error("resizing failed: {0}")]
    Resize(#[from] fast_image_resize::ResizeError),
    #[error("the imaging task panicked or was cancelled")]
    Task(#[from] tokio::task::JoinError),
}

const SERVICE: &str = "image generation";

/// The product decision. The PNG comes from the image model, not from the user: an unreadable or
/// oversized image is the model's failure, so it answers 503 UPSTREAM_UNAVAILABLE (retry later, as
/// for any other bad answer from Gemini) rather than 422 CONTENT_REJECTED, which would tell the user
/// to change a prompt that did nothing wrong. Everything else is a fault of ours (500, cause logged).
impl From<ImagingError> for ApiError {
    fn from(err: ImagingError) -> Self {
        match err {
            ImagingError::NotPng
            | ImagingError::TooLarge { .. }
            | ImagingError::Decode(_)
            | ImagingError::Malformed(_)
            | ImagingError::ProfileTooLarge => {
                ApiError::UpstreamUnavailable { service: SERVICE, retry_after_secs: Some(10) }
            }
            other => ApiError::internal(other),
        }
    }
}
