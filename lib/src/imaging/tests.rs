//! Specifications of the derivative pipeline and the PNG metadata, on small generated images.

use std::io::Cursor;
use std::time::{Duration, Instant};

use super::*;

/// A deterministic `width`×`height` RGB PNG with gradients and texture (so WebP has work to do).
pub(super) fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let texture = ((x * 7 + y * 13) % 17) as u8 * 3;
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, texture.wrapping_add(90)])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image).write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

/// A PNG signature and an `IHDR` chunk announcing `width`×`height`, followed by `rest`.
pub(super) fn header(width: u32, height: u32, rest: &[u8]) -> Vec<u8> {
    let mut ihdr = [width.to_be_bytes(), height.to_be_bytes()].concat();
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    metadata::push_chunk(&mut out, b"IHDR", &ihdr);
    out.extend_from_slice(rest);
    out
}

#[test]
fn derivatives_skip_widths_wider_than_the_source() {
    let made = derivatives(&png(640, 480), &DEFAULT_WIDTHS).unwrap();

    let widths: Vec<u32> = made.sizes.iter().map(|size| size.width).collect();
    assert_eq!(widths, [150, 300], "800 and 1920 would be upscaled");
    assert_eq!((made.source_width, made.source_height), (640, 480));
}

#[test]
fn derivatives_keep_the_aspect_ratio_rounded_to_the_nearest_pixel() {
    let cases = [
        ((1344, 768, 150), 86, "85.71 rounds up"),
        ((768, 1344, 300), 525, "exact"),
        ((1000, 333, 150), 50, "49.95 rounds up"),
        ((1000, 331, 150), 50, "49.65 rounds up"),
        ((1000, 329, 150), 49, "49.35 rounds down"),
        ((3000, 1, 150), 1, "never zero"),
    ];
    for ((source_width, source_height, width), expected, case) in cases {
        assert_eq!(scaled_height(source_width, source_height, width), expected, "{case}");
    }
}

#[test]
fn every_derivative_decodes_as_webp_of_its_stated_size() {
    let made = derivatives(&png(520, 390), &[150, 300, 520, 600]).unwrap();

    assert_eq!(made.sizes.len(), 3, "600 is wider than the source");
    for size in &made.sizes {
        let decoded = image::load_from_memory_with_format(&size.webp, image::ImageFormat::WebP).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (size.width, size.height), "width {}", size.width);
        assert_eq!(size.height, scaled_height(520, 390, size.width));
    }
}

#[test]
fn derivatives_refuse_a_decompression_bomb_from_its_header() {
    let cases = [(100_000, 100_000, "10 gigapixels"), (9000, 100, "a side over 8192"), (7000, 7000, "49 MP")];
    for (width, height, case) in cases {
        // A real bomb's IDAT would inflate to gigabytes; here there is none, so only a header
        // check can produce `TooLarge` (a decoder would fail with `Decode`).
        let bomb = header(width, height, &[]);
        let started = Instant::now();

        let err = derivatives(&bomb, &DEFAULT_WIDTHS).unwrap_err();

        assert!(matches!(err, ImagingError::TooLarge { .. }), "{case}: {err:?}");
        assert!(started.elapsed() < Duration::from_millis(50), "{case}: refused without decoding");
    }
}

#[test]
fn derivatives_refuse_truncated_and_foreign_bytes() {
    let whole = png(300, 200);
    let truncated = &whole[..whole.len() / 2];

    assert!(matches!(derivatives(truncated, &DEFAULT_WIDTHS), Err(ImagingError::Malformed(_))));
    assert!(matches!(derivatives(b"GIF89a", &DEFAULT_WIDTHS), Err(ImagingError::NotPng)));
    assert!(matches!(embed_png_metadata(truncated, &[("seed", "1")]), Err(ImagingError::Malformed(_))));
}

#[test]
fn unusable_model_images_answer_503_and_our_faults_500() {
    let bomb: crate::ApiError = derivatives(&header(9000, 9000, &[]), &[150]).unwrap_err().into();
    let key: crate::ApiError = embed_png_metadata(&png(8, 8), &[("", "x")]).unwrap_err().into();

    assert_eq!(bomb.code(), "UPSTREAM_UNAVAILABLE");
    assert_eq!(key.code(), "INTERNAL");
}

#[test]
fn metadata_round_trips_indonesian_and_emoji_text_without_touching_pixels() {
    let original = png(64, 48);
    let entries = [
        ("prompt", "Kucing oranye tidur di atas perahu nelayan, senja di Danau Toba 🌅🐈"),
        ("negative_prompt", "buram, teks, tanda air"),
        ("template", "fotografi-sinematik"),
        ("model", "gemini-3.1-flash-image"),
        ("seed", "42"),
        ("created_at", "2025-11-26T10:15:00Z"),
    ];

    let tagged = embed_png_metadata(&original, &entries).unwrap();

    let read = read_png_metadata(&tagged);
    let expected: Vec<(String, String)> = entries.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    assert_eq!(read, expected);
    let pixels = |bytes: &[u8]| image::load_from_memory(bytes).unwrap().into_rgb8().into_raw();
    assert_eq!(pixels(&tagged), pixels(&original), "pixels are copied, not re-encoded");
}

#[test]
fn strip_removes_the_metadata_and_keeps_the_image() {
    let tagged = embed_png_metadata(&png(64, 48), &[("prompt", "rahasia 🤫"), ("seed", "7")]).unwrap();

    let stripped = strip_png_metadata(&tagged).unwrap();

    assert!(read_png_metadata(&stripped).is_empty());
    assert_eq!(
        image::load_from_memory(&stripped).unwrap().into_rgb8(),
        image::load_from_memory(&tagged).unwrap().into_rgb8()
    );
}

#[test]
fn metadata_keys_png_cannot_carry_are_refused() {
    let png = png(8, 8);
    for key in ["", " prompt", "prompt ", "two  spaces", "kunci\u{e9}", &"k".repeat(80)] {
        assert!(matches!(embed_png_metadata(&png, &[(key, "v")]), Err(ImagingError::InvalidKey(_))), "{key:?}");
    }
}

#[tokio::test]
async fn derivatives_blocking_runs_the_pipeline_off_the_async_threads() {
    let made = derivatives_blocking(png(400, 300).into(), vec![150]).await.unwrap();

    assert_eq!((made.sizes[0].width, made.sizes[0].height), (150, 113));
}

/// The XMP packet inside `bytes` (a JPEG or WebP), if any.
fn xmp_in(bytes: &[u8]) -> Option<String> {
    let start = bytes.windows(10).position(|w| w == b"<?xpacket ")?;
    let end = bytes.windows(19).position(|w| w == b"<?xpacket end=\"r\"?>")? + 19;
    Some(String::from_utf8(bytes[start..end].to_vec()).unwrap())
}

fn tagged(width: u32, height: u32) -> bytes::Bytes {
    let entries = [("prompt", "Kucing <oranye> & ikan 🐟"), ("seed", "42"), ("software", "AI Image Studio")];
    embed_png_metadata(&png(width, height), &entries).unwrap().into()
}

#[test]
fn conversions_decode_as_their_format_at_the_original_size() {
    let original = tagged(120, 90);
    for (format, expected) in [
        (Format::Png, image::ImageFormat::Png),
        (Format::Jpeg, image::ImageFormat::Jpeg),
        (Format::Webp, image::ImageFormat::WebP),
    ] {
        for keep in [true, false] {
            let converted = convert(original.clone(), format, keep).unwrap();

            assert_eq!(image::guess_format(&converted).unwrap(), expected, "{format:?} keep={keep}");
            let decoded = image::load_from_memory_with_format(&converted, expected).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (120, 90), "{format:?} keep={keep}");
        }
    }
}

#[test]
fn kept_metadata_travels_as_xmp_and_stripped_leaves_none() {
    let original = tagged(64, 48);
    for format in [Format::Jpeg, Format::Webp] {
        let kept = convert(original.clone(), format, true).unwrap();
        let stripped = convert(original.clone(), format, false).unwrap();

        let packet = xmp_in(&kept).unwrap_or_else(|| panic!("{format:?}: no XMP"));
        assert!(packet.contains("<studio:prompt>Kucing &lt;oranye&gt; &amp; ikan 🐟</studio:prompt>"), "{packet}");
        assert!(packet.contains("<studio:seed>42</studio:seed>"), "{packet}");
        assert!(packet.contains("<xmp:CreatorTool>AI Image Studio</xmp:CreatorTool>"), "{packet}");
        assert_eq!(xmp_in(&stripped), None, "{format:?}");
        assert!(!stripped.windows(6).any(|w| w == b"Kucing"), "{format:?}: the prompt is still in the file");
    }
    assert!(read_png_metadata(&convert(original.clone(), Format::Png, false).unwrap()).is_empty());
    assert_eq!(convert(original.clone(), Format::Png, true).unwrap(), original, "PNG is served as stored");
}

#[test]
fn a_webp_with_xmp_is_a_valid_extended_file() {
    let webp = convert(tagged(33, 17), Format::Webp, true).unwrap();

    assert_eq!(u32::from_le_bytes(webp[4..8].try_into().unwrap()) as usize, webp.len() - 8, "RIFF size");
    assert_eq!(&webp[12..16], b"VP8X");
    assert_eq!(webp[20], 0x04, "only the XMP flag");
    assert_eq!(
        (u32::from_le_bytes([webp[24], webp[25], webp[26], 0]), u32::from_le_bytes([webp[27], webp[28], webp[29], 0])),
        (32, 16)
    );
}

#[test]
fn conversions_refuse_originals_over_the_size_limits_before_decoding() {
    let bomb: bytes::Bytes = header(MAX_SIDE + 1, 10, &[]).into();
    for format in [Format::Jpeg, Format::Webp] {
        assert!(matches!(convert(bomb.clone(), format, false), Err(ImagingError::TooLarge { .. })), "{format:?}");
    }
}
