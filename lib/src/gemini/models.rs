//! What each image model family accepts, so that a request carries only fields its model takes
//! (services.md §4.1–4.2). Keyed by family, not by a name pattern: a model id this table does not
//! know is sent the fields every image model takes and nothing more.

use crate::domain::Quality;

/// Image model families, which differ in the `imageSize` values they take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelFamily {
    /// `gemini-2.5-flash-image`: 1024-class output only; no `imageSize`.
    Flash25,
    /// `gemini-3-pro-image`: `1K`, `2K`, `4K`.
    Pro3,
    /// `gemini-3.1-flash-image`: `512`, `1K`, `2K`, `4K`.
    Flash31,
    /// `gemini-3.1-flash-lite-image`: no `imageSize`.
    FlashLite31,
    /// Any other id (a model released after this table): no `imageSize`, so the model answers at
    /// its default size (1K) instead of refusing a field it may not take.
    Unknown,
}

/// Each family's GA id. A `-preview` id of the same model (now shut down, but still what an old
/// deployment may name) belongs to its family too.
const FAMILIES: [(&str, ModelFamily); 4] = [
    ("gemini-2.5-flash-image", ModelFamily::Flash25),
    ("gemini-3-pro-image", ModelFamily::Pro3),
    ("gemini-3.1-flash-image", ModelFamily::Flash31),
    ("gemini-3.1-flash-lite-image", ModelFamily::FlashLite31),
];

impl ModelFamily {
    /// The family of the model id `model`.
    pub fn of(model: &str) -> Self {
        FAMILIES
            .iter()
            .find(|(id, _)| model == *id || model.strip_prefix(id).is_some_and(|rest| rest.starts_with("-preview")))
            .map_or(Self::Unknown, |(_, family)| *family)
    }

    /// The `imageConfig.imageSize` values the family takes (uppercase `K`, as the API requires).
    pub fn image_sizes(self) -> &'static [&'static str] {
        match self {
            Self::Pro3 => &["1K", "2K", "4K"],
            Self::Flash31 => &["512", "1K", "2K", "4K"],
            Self::Flash25 | Self::FlashLite31 | Self::Unknown => &[],
        }
    }

    /// The `imageSize` for `quality`, or `None` where the family takes none: standard is 1K, high
    /// is 2K (4K costs about twice as much and outgrows the 1920 px the gallery shows).
    pub fn image_size(self, quality: Quality) -> Option<&'static str> {
        let wanted = match quality {
            Quality::Standard => "1K",
            Quality::High => "2K",
        };
        self.image_sizes().contains(&wanted).then_some(wanted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_id_belongs_to_its_family_and_unknown_ids_to_none() {
        let cases = [
            ("gemini-2.5-flash-image", ModelFamily::Flash25),
            ("gemini-2.5-flash-image-preview", ModelFamily::Flash25),
            ("gemini-3-pro-image", ModelFamily::Pro3),
            ("gemini-3-pro-image-preview", ModelFamily::Pro3),
            ("gemini-3.1-flash-image", ModelFamily::Flash31),
            ("gemini-3.1-flash-image-preview", ModelFamily::Flash31),
            ("gemini-3.1-flash-lite-image", ModelFamily::FlashLite31),
            ("gemini-3.1-flash-lite-image-preview", ModelFamily::FlashLite31),
            // A name that looks like a known family is not one.
            ("gemini-3.5-flash-image", ModelFamily::Unknown),
            ("gemini-3-pro-image-ultra", ModelFamily::Unknown),
            ("gemini-nano-banana-2.1", ModelFamily::Unknown),
            ("gemini-3.1-flash-image-lite", ModelFamily::Unknown),
        ];
        for (model, family) in cases {
            assert_eq!(ModelFamily::of(model), family, "{model}");
        }
    }

    #[test]
    fn image_size_is_sent_only_where_the_family_takes_it() {
        let cases = [
            (ModelFamily::Flash31, Some("1K"), Some("2K")),
            (ModelFamily::Pro3, Some("1K"), Some("2K")),
            (ModelFamily::Flash25, None, None),
            (ModelFamily::FlashLite31, None, None),
            (ModelFamily::Unknown, None, None),
        ];
        for (family, standard, high) in cases {
            assert_eq!(family.image_size(Quality::Standard), standard, "{family:?}");
            assert_eq!(family.image_size(Quality::High), high, "{family:?}");
        }
    }
}
