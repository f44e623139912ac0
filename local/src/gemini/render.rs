//! The offline preview renderer: a deterministic picture per prompt (palette and composition from
//! a hash of prompt and seed) at the real model's pixel size, or an edit's input redrawn at that
//! size and tinted, each marked by a banner, written as a quickly compressed PNG.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ImageEncoder, ImageReader, Limits, RgbImage, imageops};

use super::validate::Family;

/// 2.5 Flash Image output per ratio (services.md §4.7): always about 1 MP.
const FLASH25: [(&str, u32, u32); 10] = [
    ("1:1", 1024, 1024),
    ("2:3", 832, 1248),
    ("3:2", 1248, 832),
    ("3:4", 864, 1184),
    ("4:3", 1184, 864),
    ("4:5", 896, 1152),
    ("5:4", 1152, 896),
    ("9:16", 768, 1344),
    ("16:9", 1344, 768),
    ("21:9", 1536, 672),
];

/// 3.x output at 1K (§4.7, 3.1 Flash table); 2K and 4K double and quadruple each side.
const GRID_1K: [(&str, u32, u32); 14] = [
    ("1:1", 1024, 1024),
    ("2:3", 848, 1264),
    ("3:2", 1264, 848),
    ("3:4", 896, 1200),
    ("4:3", 1200, 896),
    ("4:5", 928, 1152),
    ("5:4", 1152, 928),
    ("9:16", 768, 1376),
    ("16:9", 1376, 768),
    ("21:9", 1584, 672),
    ("1:4", 512, 2048),
    ("4:1", 2048, 512),
    ("1:8", 384, 3072),
    ("8:1", 3072, 384),
];

/// 3.1 Flash at "512". The reference's 21:9 row reads 792×168 "(sic)"; 792×336 keeps the ratio.
const GRID_512: [(&str, u32, u32); 14] = [
    ("1:1", 512, 512),
    ("2:3", 424, 632),
    ("3:2", 632, 424),
    ("3:4", 448, 600),
    ("4:3", 600, 448),
    ("4:5", 464, 576),
    ("5:4", 576, 464),
    ("9:16", 384, 688),
    ("16:9", 688, 384),
    ("21:9", 792, 336),
    ("1:4", 256, 1024),
    ("4:1", 1024, 256),
    ("1:8", 192, 1536),
    ("8:1", 1536, 192),
];

/// The pixel size the real model answers with for `ratio` at `size` (both already validated).
pub fn output_size(family: Family, ratio: &str, size: &str) -> (u32, u32) {
    let find =
        |table: &[(&str, u32, u32)]| table.iter().find(|(r, ..)| *r == ratio).map_or((1024, 1024), |&(_, w, h)| (w, h));
    match (family, size) {
        (Family::Flash25 | Family::Lite, _) => find(&FLASH25),
        (_, "512") => find(&GRID_512),
        (_, "2K") => scale(find(&GRID_1K), 2),
        (_, "4K") => scale(find(&GRID_1K), 4),
        _ => find(&GRID_1K),
    }
}

fn scale((w, h): (u32, u32), by: u32) -> (u32, u32) {
    (w * by, h * by)
}

/// FNV-1a over the prompt and seed: the picture's identity.
pub fn fingerprint(prompt: &str, seed: Option<i32>) -> u64 {
    let seed = seed.map(|s| s.to_le_bytes());
    let bytes = prompt.bytes().chain(seed.iter().flatten().copied());
    bytes.fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// A stream of numbers from the fingerprint (splitmix64), for colours and positions.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n.max(1))) as u32
    }

    fn colour(&mut self) -> [u8; 3] {
        let [r, g, b, ..] = self.next().to_le_bytes();
        [r, g, b]
    }
}

/// A preview for `prompt`: a vertical gradient, a few discs and blocks, and the banner.
pub fn preview(fingerprint: u64, width: u32, height: u32) -> RgbImage {
    let mut dice = Dice(fingerprint);
    let (top, bottom) = (dice.colour(), dice.colour());
    let mut image = RgbImage::new(width, height);
    for y in 0..height {
        let t = y as f32 / height.max(1) as f32;
        let colour = std::array::from_fn(|i| (f32::from(top[i]) * (1.0 - t) + f32::from(bottom[i]) * t) as u8);
        fill_span(&mut image, y, 0, width, colour);
    }
    for _ in 0..3 + dice.below(4) {
        let (cx, cy, r, colour) =
            (dice.below(width), dice.below(height), 1 + dice.below(width.min(height) / 3), dice.colour());
        if dice.below(2) == 0 {
            disc(&mut image, cx, cy, r, colour);
        } else {
            for y in cy.saturating_sub(r)..(cy + r).min(height) {
                fill_span(&mut image, y, cx.saturating_sub(r), (cx + r).min(width), colour);
            }
        }
    }
    banner(&mut image, "OFFLINE PREVIEW");
    image
}

/// The input of an edit, decoded within the model's limits; `None` when it is not an image.
pub fn decode_input(input: &[u8]) -> Option<RgbImage> {
    let mut reader = ImageReader::new(std::io::Cursor::new(input)).with_guessed_format().ok()?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(8192);
    limits.max_image_height = Some(8192);
    reader.limits(limits);
    Some(reader.decode().ok()?.into_rgb8())
}

/// An edit at the model's output size `width`×`height`: the input cropped to that shape around its
/// centre and scaled to it (as the model redraws the input on its own pixel grid), tinted towards
/// the prompt's colour and marked as an edit preview.
pub fn edited(input: &RgbImage, fingerprint: u64, width: u32, height: u32) -> RgbImage {
    let (in_w, in_h) = input.dimensions();
    // The largest centred window of the output's shape that fits in the input.
    let (crop_w, crop_h) = if u64::from(in_w) * u64::from(height) > u64::from(in_h) * u64::from(width) {
        ((u64::from(in_h) * u64::from(width) / u64::from(height)) as u32, in_h)
    } else {
        (in_w, (u64::from(in_w) * u64::from(height) / u64::from(width)) as u32)
    };
    let (crop_w, crop_h) = (crop_w.max(1), crop_h.max(1));
    let window = imageops::crop_imm(input, (in_w - crop_w) / 2, (in_h - crop_h) / 2, crop_w, crop_h).to_image();
    let mut image = imageops::resize(&window, width, height, imageops::FilterType::Triangle);
    let tint = Dice(fingerprint).colour();
    for pixel in image.pixels_mut() {
        for (channel, tint) in pixel.0.iter_mut().zip(tint) {
            *channel = ((u16::from(*channel) * 6 + u16::from(tint) * 4) / 10) as u8;
        }
    }
    banner(&mut image, "OFFLINE EDIT PREVIEW");
    image
}

/// PNG with the fastest compression: the stand-in answers many tests, and size does not matter.
pub fn png(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Up);
    let written = encoder.write_image(image.as_raw(), image.width(), image.height(), image::ExtendedColorType::Rgb8);
    written.map(|()| out).unwrap_or_default()
}

fn fill_span(image: &mut RgbImage, y: u32, x0: u32, x1: u32, colour: [u8; 3]) {
    let row = (y * image.width()) as usize * 3;
    // `repeat` and `copy_from_slice` are the precompiled standard library: fast even in the
    // unoptimised test builds of this crate, where a per-pixel loop is not.
    image.as_mut()[row + x0 as usize * 3..row + x1 as usize * 3].copy_from_slice(&colour.repeat((x1 - x0) as usize));
}

fn disc(image: &mut RgbImage, cx: u32, cy: u32, r: u32, colour: [u8; 3]) {
    let (w, h, r) = (i64::from(image.width()), i64::from(image.height()), i64::from(r));
    for dy in -r..=r {
        let y = i64::from(cy) + dy;
        if (0..h).contains(&y) {
            let half = ((r * r - dy * dy) as f64).sqrt() as i64;
            let (x0, x1) = ((i64::from(cx) - half).max(0), (i64::from(cx) + half + 1).min(w));
            if x0 < x1 {
                fill_span(image, y as u32, x0 as u32, x1 as u32, colour);
            }
        }
    }
}

/// A dark band across the top with `label` in white block letters, and a yellow/black hazard
/// stripe under it, so nobody mistakes the picture for a model's work.
fn banner(image: &mut RgbImage, label: &str) {
    let (width, height) = image.dimensions();
    let band = (height / 12).clamp(16.min(height), height);
    for y in 0..band {
        fill_span(image, y, 0, width, [24, 24, 28]);
    }
    let stripe = (band / 4).min(height - band);
    for y in band..band + stripe {
        for x in 0..width {
            let yellow = ((x + y) / stripe.max(1)) % 2 == 0;
            image.put_pixel(x, y, image::Rgb(if yellow { [250, 204, 21] } else { [20, 20, 20] }));
        }
    }
    let glyph_w = 6 * label.len() as u32;
    let scale = (band * 6 / 10 / 7).min(width * 9 / 10 / glyph_w.max(1)).max(1);
    let (x0, y0) = (width.saturating_sub(glyph_w * scale) / 2, (band.saturating_sub(7 * scale)) / 2);
    for (i, letter) in label.chars().enumerate() {
        for (row, bits) in glyph(letter).iter().enumerate() {
            for col in 0..5 {
                if bits >> (4 - col) & 1 == 1 {
                    let x = x0 + (i as u32 * 6 + col) * scale;
                    let y = y0 + row as u32 * scale;
                    for dy in 0..scale.min(height.saturating_sub(y)) {
                        fill_span(image, y + dy, x.min(width), (x + scale).min(width), [255, 255, 255]);
                    }
                }
            }
        }
    }
}

/// 5×7 block letters for the banners' words, one row per byte, bit 4 the leftmost column.
fn glyph(letter: char) -> [u8; 7] {
    match letter {
        'D' => [0x1E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1E],
        'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        'F' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        'N' => [0x11, 0x19, 0x15, 0x13, 0x11, 0x11, 0x11],
        'O' => [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        _ => [0; 7],
    }
}
