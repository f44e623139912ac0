//! Specifications of the stored original: its quality on a real photograph, its parameters carried
//! through every download format, and which gallery sizes it stands in for.

use bytes::Bytes;

use super::tests::png;
use super::*;

/// The benchmark's quietest photograph, the one that needs the highest quality (bench/thumbs/photos).
fn photograph() -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../bench/thumbs/photos/photo-ladybird-port768x1344.png");
    std::fs::read(path).expect("the benchmark's photographs are committed")
}

fn rgb_of_png(png: &[u8]) -> Vec<u8> {
    image::load_from_memory_with_format(png, image::ImageFormat::Png).unwrap().into_rgb8().into_raw()
}

fn entries() -> Vec<(String, String)> {
    [
        ("prompt", "Kucing <oranye> & ikan 🐟 di \"Danau Toba\""),
        ("negative_prompt", ""),
        ("seed", "42"),
        ("software", "AI Image Studio"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

#[test]
fn the_stored_original_of_a_real_photograph_keeps_a_luma_ssim_of_at_least_0_985() {
    let model_png = photograph();

    let stored = store(&model_png, &DEFAULT_WIDTHS, &entries()).unwrap();

    let (rgb, width, height) = decode_webp(&stored.original).unwrap();
    assert_eq!((width, height), (768, 1344));
    let ssim = luma_ssim(&rgb_of_png(&model_png), &rgb, width, height);
    assert!(ssim >= 0.985, "luma SSIM {ssim:.4} below 0.985");
    assert!(
        stored.original.len() * 4 < model_png.len(),
        "{} bytes against the PNG's {}",
        stored.original.len(),
        model_png.len()
    );
}

#[test]
fn ssim_is_one_for_equal_images_and_falls_with_noise() {
    let a = rgb_of_png(&png(64, 48));
    let noisy: Vec<u8> = a.iter().enumerate().map(|(i, v)| v.wrapping_add((i * 7 % 23) as u8)).collect();

    assert_eq!(luma_ssim(&a, &a, 64, 48), 1.0);
    assert!(luma_ssim(&a, &noisy, 64, 48) < 0.9);
}

#[test]
fn the_parameters_round_trip_through_the_stored_webp_into_every_download() {
    let stored = store(&png(120, 90), &DEFAULT_WIDTHS, &entries()).unwrap();
    let original = Bytes::from(stored.original);

    let as_png = convert(original.clone(), Format::Png, true).unwrap();
    assert_eq!(read_png_metadata(&as_png), entries(), "PNG text from the stored XMP");
    for format in [Format::Jpeg, Format::Webp] {
        let kept = convert(original.clone(), format, true).unwrap();
        let packet = String::from_utf8_lossy(&kept).into_owned();
        assert!(
            packet.contains("<studio:prompt>Kucing &lt;oranye&gt; &amp; ikan 🐟 di \"Danau Toba\"</studio:prompt>"),
            "{format:?}"
        );
    }
    assert_eq!(convert(original.clone(), Format::Webp, true).unwrap(), original, "WebP is served as stored");
}

#[test]
fn stripped_downloads_of_a_webp_original_carry_no_parameters_and_the_same_pixels() {
    let stored = store(&png(120, 90), &DEFAULT_WIDTHS, &entries()).unwrap();
    let original = Bytes::from(stored.original);

    for format in [Format::Png, Format::Jpeg, Format::Webp] {
        let stripped = convert(original.clone(), format, false).unwrap();
        assert!(!stripped.windows(6).any(|w| w == b"Kucing"), "{format:?}: the prompt is still in the file");
        let decoded = image::load_from_memory(&stripped).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (120, 90), "{format:?}");
    }
    let bare = convert(original.clone(), Format::Webp, false).unwrap();
    assert_eq!(decode_webp(&bare).unwrap(), decode_webp(&original).unwrap(), "image data copied, not re-encoded");
    assert_eq!(rgb_of_png(&convert(original.clone(), Format::Png, false).unwrap()), decode_webp(&original).unwrap().0);
}

#[test]
fn the_model_sees_a_webp_original_without_its_parameters() {
    let stored = store(&png(120, 90), &DEFAULT_WIDTHS, &entries()).unwrap();

    let (input, mime) = model_input(&stored.original).unwrap();

    assert_eq!(mime, "image/webp");
    assert!(!input.windows(6).any(|w| w == b"Kucing"));
    assert_eq!(&input[12..16], b"VP8 ", "a simple lossy file");
    assert_eq!(decode_webp(&input).unwrap(), decode_webp(&stored.original).unwrap());
    let (old, old_mime) = model_input(&embed_png_metadata(&png(64, 48), &[("prompt", "rahasia")]).unwrap()).unwrap();
    assert_eq!((old_mime, read_png_metadata(&old).is_empty()), ("image/png", true), "an old PNG original");
}

#[test]
fn the_original_stands_in_only_for_the_widest_width_it_is_at_most_1_3_times_as_wide_as() {
    let cases = [
        (1024, vec![150, 300, 800], false, "1920 would be upscaled; 800 stays for cards and the viewer"),
        (1344, vec![150, 300, 800], false, "1344 > 1.3 × 800 anyway"),
        (768, vec![150, 300], false, "800 would be upscaled, 768 > 1.3 × 300"),
        (2048, vec![150, 300, 800], true, "2048 ≤ 1.3 × 1920"),
        (2752, vec![150, 300, 800, 1920], false, "2752 > 1.3 × 1920"),
        (1920, vec![150, 300, 800], true, "as wide as 1920"),
        (800, vec![150, 300, 800], false, "as wide as 800, which is not the widest"),
        (100, vec![], false, "narrower than every width"),
    ];
    for (width, made, stands_in, case) in cases {
        assert_eq!(stored_widths(width, &DEFAULT_WIDTHS), (made, stands_in), "{case}");
    }
}

#[test]
fn stored_sizes_follow_the_plan_and_decode_at_their_stated_size() {
    let stored = store(&png(1024, 768), &DEFAULT_WIDTHS, &[]).unwrap();

    assert!(!stored.stands_in);
    let widths: Vec<u32> = stored.sizes.iter().map(|s| s.width).collect();
    assert_eq!(widths, [150, 300, 800]);
    for size in &stored.sizes {
        assert_eq!(decode_webp(&size.webp).map(|(_, w, h)| (w, h)).unwrap(), (size.width, size.height));
    }
    assert_eq!(riff::xmp_packet(&stored.original), None, "no entries, no XMP chunk");
}

#[test]
fn a_cut_or_foreign_webp_is_refused_not_read_past_its_end() {
    let stored = store(&png(64, 48), &[], &entries()).unwrap();
    let cut = &stored.original[..stored.original.len() / 2];

    assert!(matches!(webp_image_only(cut), Err(ImagingError::Malformed(_))));
    assert!(decode_webp(cut).is_err());
    assert!(matches!(webp_image_only(b"RIFF\0\0\0\0WAVEfmt "), Err(ImagingError::Malformed(_))));
}
