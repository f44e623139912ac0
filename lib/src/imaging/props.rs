//! Properties of the decoder limits: whatever arrives where a PNG is expected (random bytes, a file
//! cut anywhere, a header announcing gigapixels, a profile or text bomb, another format), the
//! pipeline answers an input error in bounded time and memory, never a panic.

use std::time::{Duration, Instant};

use image::ImageEncoder;
use image::codecs::png::PngEncoder;
use proptest::prelude::*;

use super::tests::{header, png};
use super::*;

/// The errors a bad file may cause; anything else (`Encode`, `Task`…) would be a fault of ours.
fn input_error(err: &ImagingError) -> bool {
    matches!(
        err,
        ImagingError::NotPng
            | ImagingError::Decode(_)
            | ImagingError::Malformed(_)
            | ImagingError::TooLarge { .. }
            | ImagingError::ProfileTooLarge
    )
}

/// A 64×64 PNG whose `iCCP` profile inflates to `profile_bytes` zero bytes (a few KiB of zlib).
fn with_profile(profile_bytes: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = PngEncoder::new(&mut out);
    encoder.set_icc_profile(vec![0; profile_bytes]).unwrap();
    encoder.write_image(&[90; 64 * 64 * 3], 64, 64, image::ExtendedColorType::Rgb8).unwrap();
    out
}

/// The data of the first `kind` chunk in `png`.
fn chunk_data<'a>(png: &'a [u8], kind: &[u8; 4]) -> &'a [u8] {
    let at = png.windows(4).position(|w| w == kind).expect("chunk present");
    let len = u32::from_be_bytes(png[at - 4..at].try_into().unwrap()) as usize;
    &png[at + 4..at + 4 + len]
}

/// A 64×64 PNG with a `zTXt` comment that inflates to `text_bytes` bytes, its zlib stream taken
/// from an `iCCP` chunk (same compression method 0).
fn with_text_bomb(text_bytes: usize) -> Vec<u8> {
    let iccp = with_profile(text_bytes);
    let profile = chunk_data(&iccp, b"iCCP");
    // Profile name, NUL, compression method, then the zlib stream.
    let stream = &profile[profile.iter().position(|&b| b == 0).unwrap() + 2..];
    let plain = png(64, 64);
    let iend = plain.len() - 12;
    let mut out = plain[..iend].to_vec();
    metadata::push_chunk(&mut out, b"zTXt", &[b"Comment\0\0".as_slice(), stream].concat());
    out.extend_from_slice(&plain[iend..]);
    out
}

#[test]
fn a_profile_bomb_is_refused_before_the_decoder_inflates_it() {
    // 48 MiB of profile in about 48 KiB of file: the `png` crate would inflate it whole (up to its
    // default 512 MiB budget) and the image would be accepted.
    let bomb = with_profile(48 << 20);
    assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
    let started = Instant::now();

    let made = derivatives(&bomb, &[150]);
    let converted = convert(bomb.into(), Format::Jpeg, false);

    for (case, result) in [("derivatives", made.map(|_| ())), ("convert", converted.map(|_| ()))] {
        match result {
            Err(ImagingError::ProfileTooLarge) => {}
            other => panic!("{case}: expected ProfileTooLarge, got {other:?}"),
        }
    }
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

#[test]
fn a_profile_of_real_size_is_still_accepted() {
    let made = derivatives(&with_profile(MAX_PROFILE_BYTES), &[64]).unwrap();

    assert_eq!((made.source_width, made.sizes[0].width), (64, 64));
}

#[test]
fn a_compressed_text_bomb_is_never_inflated() {
    let bomb = with_text_bomb(64 << 20);
    let started = Instant::now();

    let made = derivatives(&bomb, &[64]).unwrap();

    assert_eq!(made.sizes.len(), 1);
    assert!(read_png_metadata(&bomb).is_empty(), "compressed text is not read");
    assert!(!strip_png_metadata(&bomb).unwrap().windows(4).any(|w| w == b"zTXt"), "and is stripped");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

#[test]
fn every_cut_of_a_png_is_refused() {
    // Found by this test: a file cut after its pixel data (text chunks or `IEND` missing) decoded.
    let whole = embed_png_metadata(&png(24, 16), &[("prompt", "kucing oren"), ("seed", "7")]).unwrap();
    for cut in 0..whole.len() {
        let part = &whole[..cut];
        let err = derivatives(part, &[16]).unwrap_err();
        assert!(input_error(&err), "cut at {cut}: {err:?}");
        let err = convert(bytes::Bytes::copy_from_slice(part), Format::Jpeg, true).unwrap_err();
        assert!(input_error(&err), "cut at {cut}: {err:?}");
        let err = convert(bytes::Bytes::copy_from_slice(part), Format::Png, false).unwrap_err();
        assert!(matches!(err, ImagingError::NotPng | ImagingError::Malformed(_)), "cut at {cut}: {err:?}");
        assert!(embed_png_metadata(part, &[("seed", "1")]).is_err(), "cut at {cut}");
        assert!(read_png_metadata(part).is_empty(), "cut at {cut}: a broken file yields no text");
    }
}

#[test]
fn other_formats_are_not_png_whatever_they_are_called() {
    let picture = image::DynamicImage::ImageRgb8(image::RgbImage::new(32, 32));
    for format in [image::ImageFormat::Jpeg, image::ImageFormat::WebP] {
        let mut bytes = Vec::new();
        picture.write_to(&mut std::io::Cursor::new(&mut bytes), format).unwrap();

        assert!(matches!(derivatives(&bytes, &[16]), Err(ImagingError::NotPng)), "{format:?}");
        if format == image::ImageFormat::Jpeg {
            assert!(matches!(convert(bytes.into(), Format::Webp, true), Err(ImagingError::NotPng)), "{format:?}");
        } else {
            // A WebP is what originals are stored as now: it converts.
            let png = convert(bytes.into(), Format::Png, false).unwrap();
            assert_eq!(png_size(&png).unwrap(), (32, 32));
        }
    }
}

#[test]
fn real_pixels_over_a_side_limit_are_refused_before_decoding() {
    let wide = png(MAX_SIDE + 1, 1);

    assert!(matches!(derivatives(&wide, &[150]), Err(ImagingError::TooLarge { width: 8193, height: 1 })));
}

proptest! {
    #[test]
    fn random_bytes_are_an_input_error(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let err = derivatives(&bytes, &[150]).unwrap_err();
        prop_assert!(input_error(&err), "{err:?}");
    }

    #[test]
    fn random_chunks_after_a_valid_header_are_an_input_error(
        (width, height) in (1u32..=256, 1u32..=256),
        tail in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let file = header(width, height, &tail);
        let started = Instant::now();

        let result = derivatives(&file, &[16]);

        prop_assert!(result.as_ref().is_err_and(input_error), "{:?}", result.map(|d| d.source_width));
        prop_assert!(convert(file.into(), Format::Jpeg, true).is_err_and(|e| input_error(&e)));
        prop_assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn headers_over_the_limits_are_refused_before_a_pixel_is_decoded(
        width in prop_oneof![Just(0u32), 1..=MAX_SIDE, MAX_SIDE + 1..=u32::MAX],
        height in prop_oneof![Just(0u32), 1..=MAX_SIDE, MAX_SIDE + 1..=u32::MAX],
    ) {
        let pixels = u64::from(width) * u64::from(height);
        prop_assume!(width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE || pixels > MAX_PIXELS);
        // No pixel data follows: only the header check can answer `TooLarge`.
        let bomb = header(width, height, &[]);
        let started = Instant::now();

        let err = derivatives(&bomb, &DEFAULT_WIDTHS).unwrap_err();

        prop_assert!(matches!(err, ImagingError::TooLarge { .. }), "{err:?}");
        prop_assert!(started.elapsed() < Duration::from_millis(50));
    }

    #[test]
    fn a_flipped_byte_never_panics_and_is_caught_or_harmless(at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut file = png(20, 12);
        let at = at.index(file.len());
        file[at] ^= 1 << bit;

        match derivatives(&file, &[10]) {
            Err(err) => prop_assert!(input_error(&err), "byte {at}: {err:?}"),
            // The CRCs of ancillary data are not all checked; the size can only be the header's.
            Ok(made) => prop_assert!(made.source_width <= MAX_SIDE && made.source_height <= MAX_SIDE),
        }
    }
}

/// The text of the first element named `name` (any namespace) in `packet`, read by an XML parser.
fn xmp_text(packet: &str, name: &str) -> Option<String> {
    let document = roxmltree::Document::parse(packet).unwrap_or_else(|e| panic!("not well-formed: {e}\n{packet}"));
    let element = document.descendants().find(|n| n.tag_name().name() == name)?;
    Some(element.text().unwrap_or_default().to_owned())
}

#[test]
fn xmp_keeps_carriage_returns_and_drops_what_xml_cannot_carry() {
    let text = "baris satu\r\nbaris dua\u{FFFE}\u{FFFF}\u{1}<&>";
    let packet = xmp::packet(&[("prompt".into(), text.into())]);

    assert_eq!(xmp_text(&packet, "li").unwrap(), "baris satu\r\nbaris dua<&>");
}

proptest! {
    #[test]
    fn any_text_makes_a_well_formed_packet_that_gives_it_back(
        prompt in any::<String>(),
        key in "[ -~]{1,79}",
        value in "[\t\n\r -~é猫\u{FFFD}\u{FFFE}\u{FFFF}\u{1}\u{85}]{0,40}",
    ) {
        let packet = xmp::packet(&[("prompt".into(), prompt.clone()), (key.clone(), value.clone())]);
        // What XML 1.0 can carry: tab, line breaks and everything above U+001F except the two
        // noncharacters; the writer also drops the C1 controls.
        let carried = |text: &str| -> String {
            text.chars().filter(|&c| matches!(c, '\t' | '\n' | '\r') || !(c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}')).collect()
        };

        prop_assert_eq!(xmp_text(&packet, "li"), Some(carried(&prompt)));
        prop_assert_eq!(xmp_text(&packet, "prompt"), Some(carried(&prompt)));
        let document = roxmltree::Document::parse(&packet).unwrap();
        let last = document.descendants().rfind(|n| n.is_element()).unwrap();
        prop_assert_eq!(last.text().unwrap_or_default(), carried(&value));
    }
}
