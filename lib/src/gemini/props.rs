//! Properties of the model's side: the image check refuses any bytes that are not a whole image of
//! sane size (random, cut short, bombs) as `InvalidImage`, and the request body built from any
//! prompt is valid JSON that carries the user's text intact.

use std::time::{Duration, Instant};

use image::ImageEncoder;
use image::codecs::png::PngEncoder;
use proptest::prelude::*;
use serde_json::Value;

use super::GeminiError;
use super::models::ModelFamily;
use super::request::{self, ImageRequest};
use super::response::inspect;
use crate::domain::generation::fold_negative_prompt;
use crate::domain::{AspectRatio, Quality, Seed};

fn encoded(format: image::ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x * 3) as u8, (y * 5) as u8, 90]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(picture).write_to(&mut std::io::Cursor::new(&mut out), format).unwrap();
    out
}

#[test]
fn a_profile_bomb_from_the_model_is_an_invalid_image() {
    let mut bomb = Vec::new();
    let mut encoder = PngEncoder::new(&mut bomb);
    encoder.set_icc_profile(vec![0; 48 << 20]).unwrap();
    encoder.write_image(&[90; 64 * 64 * 3], 64, 64, image::ExtendedColorType::Rgb8).unwrap();
    let started = Instant::now();

    let err = inspect(&bomb).unwrap_err();

    assert!(matches!(err, GeminiError::InvalidImage(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

#[test]
fn every_cut_of_a_png_and_of_a_webp_header_is_an_invalid_image() {
    for format in [image::ImageFormat::Png, image::ImageFormat::WebP] {
        let whole = encoded(format, 64, 64);
        assert!(inspect(&whole).is_ok(), "{format:?} whole");
        // A lossy WebP cut inside its frame decodes (the rest left blank), as browsers show it;
        // cut before the frame's 10-byte header ends it has no picture at all.
        let refused = if format == image::ImageFormat::Png { whole.len() } else { 30 };
        for cut in 0..refused {
            let err = inspect(&whole[..cut]).unwrap_err();
            assert!(matches!(err, GeminiError::InvalidImage(_)), "{format:?} cut at {cut}: {err:?}");
        }
    }
}

#[test]
fn every_cut_of_a_jpeg_before_its_scan_is_an_invalid_image() {
    // A JPEG cut inside its scan decodes (the rest grey), as browsers show it; cut before the
    // scan starts it has no picture at all.
    let whole = encoded(image::ImageFormat::Jpeg, 64, 64);
    let scan = whole.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    for cut in 0..scan {
        assert!(matches!(inspect(&whole[..cut]), Err(GeminiError::InvalidImage(_))), "cut at {cut}");
    }
}

proptest! {
    #[test]
    fn random_bytes_are_an_invalid_image(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        prop_assert!(matches!(inspect(&bytes), Err(GeminiError::InvalidImage(_))));
    }

    #[test]
    fn random_bytes_behind_a_real_magic_are_an_invalid_image(
        magic in prop_oneof![
            Just(b"\x89PNG\r\n\x1a\n".to_vec()),
            Just(vec![0xFF, 0xD8, 0xFF]),
            Just(b"RIFF\0\0\0\0WEBPVP8 ".to_vec()),
        ],
        tail in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let started = Instant::now();

        let result = inspect(&[magic, tail].concat());

        prop_assert!(matches!(result, Err(GeminiError::InvalidImage(_))), "{result:?}");
        prop_assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn the_request_body_is_valid_json_carrying_the_prompt_intact(
        prompt in any::<String>(),
        negative in proptest::option::of(any::<String>()),
        ratio in proptest::sample::select(AspectRatio::ALL.to_vec()),
        seed in proptest::option::of(0..=i32::MAX),
    ) {
        let mut image = ImageRequest::new(prompt.clone());
        image.negative_prompt = negative.clone();
        image.aspect_ratio = Some(ratio);
        image.quality = Quality::High;
        image.seed = seed.map(|s| Seed::parse("seed", i64::from(s)).unwrap());

        let text = serde_json::to_string(&request::body(&image, ModelFamily::Flash31)).unwrap();
        let sent: Value = serde_json::from_str(&text).unwrap();

        let instruction = sent["contents"][0]["parts"][0]["text"].as_str().unwrap();
        prop_assert_eq!(instruction, fold_negative_prompt(&prompt, negative.as_deref()));
        prop_assert!(instruction.starts_with(prompt.trim()));
        prop_assert_eq!(&sent["generationConfig"]["imageConfig"]["aspectRatio"], ratio.as_str());
        prop_assert_eq!(sent["generationConfig"]["seed"].as_i64(), seed.map(i64::from));
    }
}
