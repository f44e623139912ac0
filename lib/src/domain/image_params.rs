//! The words of one image's parameters, shared by the routes and the Gemini client: its aspect
//! ratio, its quality level and its seed, each valid by construction.

use std::fmt;

use crate::error::ApiError;

/// The aspect ratios every current image model accepts (2.5 Flash, 3 Pro and 3.1 Flash share these
/// ten; 3.1 Flash's extreme 1:4…8:1 are left out so one list fits every configured model).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AspectRatio {
    R1x1,
    R16x9,
    R9x16,
    R4x3,
    R3x4,
    R3x2,
    R2x3,
    R5x4,
    R4x5,
    R21x9,
}

impl AspectRatio {
    pub const ALL: [AspectRatio; 10] = [
        Self::R1x1,
        Self::R16x9,
        Self::R9x16,
        Self::R4x3,
        Self::R3x4,
        Self::R3x2,
        Self::R2x3,
        Self::R5x4,
        Self::R4x5,
        Self::R21x9,
    ];

    /// The ratio as written, e.g. `"16:9"` (also Gemini's `imageConfig.aspectRatio` value).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::R1x1 => "1:1",
            Self::R16x9 => "16:9",
            Self::R9x16 => "9:16",
            Self::R4x3 => "4:3",
            Self::R3x4 => "3:4",
            Self::R3x2 => "3:2",
            Self::R2x3 => "2:3",
            Self::R5x4 => "5:4",
            Self::R4x5 => "4:5",
            Self::R21x9 => "21:9",
        }
    }

    /// `"16:9"` → `R16x9`; anything else is not a ratio we know.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|ratio| ratio.as_str() == text.trim())
    }

    /// Width over height, e.g. 16/9.
    pub fn value(self) -> f64 {
        let (w, h) = self.as_str().split_once(':').unwrap_or(("1", "1"));
        w.parse::<f64>().unwrap_or(1.0) / h.parse::<f64>().unwrap_or(1.0)
    }

    /// The ratio of `among` closest to `width`:`height`, compared on a log scale so that too wide
    /// and too tall by the same factor count the same. An empty `among` gives 1:1.
    pub fn nearest(width: u32, height: u32, among: &[AspectRatio]) -> AspectRatio {
        let actual = (f64::from(width.max(1)) / f64::from(height.max(1))).ln();
        let distance = |ratio: &AspectRatio| (ratio.value().ln() - actual).abs();
        among.iter().copied().min_by(|a, b| distance(a).total_cmp(&distance(b))).unwrap_or(Self::R1x1)
    }
}

impl fmt::Display for AspectRatio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The product's two quality levels: 1K-class output, or 2K where the model offers it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Quality {
    #[default]
    Standard,
    High,
}

impl Quality {
    /// `standard` or `high`, as the API and the database write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::High => "high",
        }
    }
}

/// A generation seed: 0 to 2147483647. Gemini's `generationConfig.seed` is an int32, so a larger
/// number cannot be sent; the non-negative half keeps the stored and shown seed one plain number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Seed(i32);

impl Seed {
    pub const MAX: i64 = i32::MAX as i64;

    /// The seed `raw`, or a 400 naming `field` outside 0..=2147483647.
    pub fn parse(field: &str, raw: i64) -> Result<Self, ApiError> {
        i32::try_from(raw)
            .ok()
            .filter(|seed| *seed >= 0)
            .map(Self)
            .ok_or_else(|| ApiError::validation(field, format!("must be an integer from 0 to {}", Self::MAX)))
    }

    /// The seed of variation `index`: this one plus `index`, wrapping within the range so that a
    /// set made from the largest seed is still sendable.
    pub fn for_variation(self, index: u8) -> Self {
        Self(((i64::from(self.0) + i64::from(index)) % (Self::MAX + 1)) as i32)
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

impl fmt::Display for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_the_known_aspect_ratios() {
        for ratio in AspectRatio::ALL {
            assert_eq!(AspectRatio::parse(ratio.as_str()), Some(ratio));
        }
        for bad in ["", "1:2", "16x9", "1:8"] {
            assert_eq!(AspectRatio::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_nearest_ratio_is_found_on_a_log_scale() {
        let studio = [AspectRatio::R1x1, AspectRatio::R16x9, AspectRatio::R9x16, AspectRatio::R4x3, AspectRatio::R3x4];
        let cases = [
            ((1376, 768), "16:9"),
            ((1584, 672), "16:9"),
            ((768, 1376), "9:16"),
            ((1200, 896), "4:3"),
            ((1264, 848), "4:3"),
            ((1152, 928), "4:3"),
            ((1100, 1000), "1:1"),
            ((0, 0), "1:1"),
        ];
        for ((width, height), ratio) in cases {
            assert_eq!(AspectRatio::nearest(width, height, &studio).as_str(), ratio, "{width}x{height}");
        }
        assert_eq!(AspectRatio::nearest(1264, 848, &AspectRatio::ALL), AspectRatio::R3x2);
        assert_eq!(AspectRatio::nearest(5, 5, &[]), AspectRatio::R1x1);
    }

    #[test]
    fn seeds_are_int32_and_not_negative() {
        for ok in [0, 7, 2_147_483_647] {
            assert_eq!(Seed::parse("seed", ok).unwrap().get() as i64, ok);
        }
        for bad in [-1, 2_147_483_648, 4_294_967_295, i64::MAX, i64::MIN] {
            let err = Seed::parse("seed", bad).unwrap_err();
            assert_eq!(err.body()["details"]["field"], "seed", "{bad}");
            assert!(err.to_string().contains("2147483647"), "{err}");
        }
    }

    #[test]
    fn each_variation_takes_the_next_seed_wrapping_within_int32() {
        let seed = |n| Seed::parse("seed", n).unwrap();
        assert_eq!(seed(4242).for_variation(3), seed(4245));
        assert_eq!(seed(Seed::MAX).for_variation(0), seed(Seed::MAX));
        assert_eq!(seed(Seed::MAX).for_variation(1), seed(0));
        assert_eq!(seed(Seed::MAX - 1).for_variation(3), seed(1));
    }
}
