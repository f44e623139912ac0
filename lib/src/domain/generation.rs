//! What a generation asks for, parsed and filled from the user's defaults; how the template and the
//! negative prompt become the one instruction the model receives; and the moderation word list.

use serde::Deserialize;
use uuid::Uuid;

use crate::domain::{AspectRatio, Lines, Quality, Seed, TemplateRef, user_text};
use crate::error::ApiError;

/// The ratios the studio offers (the database's `aspect_ratio` domain).
pub const ASPECT_RATIOS: [AspectRatio; 5] =
    [AspectRatio::R1x1, AspectRatio::R16x9, AspectRatio::R9x16, AspectRatio::R4x3, AspectRatio::R3x4];

/// The studio's ratio for an image of `width`×`height` pixels: the offered one nearest to it.
pub fn studio_ratio(width: u32, height: u32) -> AspectRatio {
    AspectRatio::nearest(width, height, &ASPECT_RATIOS)
}

/// Settings of generation: `GENERATE_RATE_PER_MINUTE` (requests per user or key, default 10),
/// `GLOBAL_GENERATIONS_PER_MINUTE` (images a minute across all users on the studio's model key;
/// unset, no cap) and `MODERATION_BLOCKLIST` (comma-separated phrases refused on top of the
/// built-in list).
#[derive(Clone, Debug)]
pub struct GenerationConfig {
    pub rate_per_minute: u64,
    pub global_per_minute: Option<u64>,
    pub blocklist: Vec<String>,
}

impl GenerationConfig {
    pub(crate) fn from_vars(vars: &crate::config::Vars<'_>) -> Result<Self, crate::config::ConfigError> {
        let blocklist = vars
            .optional("MODERATION_BLOCKLIST")
            .map(|list| list.split(',').map(|p| p.trim().to_lowercase()).filter(|p| !p.is_empty()).collect())
            .unwrap_or_default();
        let global_per_minute = match vars.optional("GLOBAL_GENERATIONS_PER_MINUTE") {
            Some(_) => Some(vars.positive("GLOBAL_GENERATIONS_PER_MINUTE", 0)?),
            None => None,
        };
        Ok(Self { rate_per_minute: vars.positive("GENERATE_RATE_PER_MINUTE", 10)?, global_per_minute, blocklist })
    }
}

/// The body of `POST /api/generate` as sent; every field but the prompt may be left to defaults.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateBody {
    pub prompt: String,
    pub negative_prompt: Option<String>,
    pub template: Option<String>,
    pub aspect_ratio: Option<String>,
    pub quality: Option<String>,
    /// Read wide so that any integer is answered with the seed's own range, not a type error.
    pub seed: Option<i64>,
    pub variations: Option<u8>,
    pub collection_id: Option<Uuid>,
}

/// The user's defaults, from their settings.
pub struct Defaults {
    pub quality: Quality,
    /// `None` for an edit: without a ratio the model keeps the input's framing.
    pub aspect_ratio: Option<AspectRatio>,
    pub template: Option<Uuid>,
}

/// A valid generation request.
#[derive(Clone, Debug)]
pub struct Generation {
    pub prompt: String,
    pub negative_prompt: Option<String>,
    pub template: Option<TemplateRef>,
    /// `None` only for an edit sent without one: the model keeps the input image's framing, and
    /// the stored ratio is read from the pixels that come back.
    pub aspect_ratio: Option<AspectRatio>,
    pub quality: Quality,
    pub seed: Option<Seed>,
    pub variations: u8,
    pub collection_id: Option<Uuid>,
}

impl Generation {
    pub fn parse(body: GenerateBody, defaults: &Defaults) -> Result<Self, ApiError> {
        let prompt = user_text("prompt", &body.prompt, 1, 1000, Lines::Many)?;
        let negative_prompt = match body.negative_prompt.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(negative) => Some(user_text("negative_prompt", negative, 1, 500, Lines::Many)?),
        };
        let template = match body.template.as_deref().map(str::trim) {
            None | Some("") => defaults.template.map(TemplateRef::Id),
            Some(reference) => Some(TemplateRef::parse("template", reference)?),
        };
        let aspect_ratio = match body.aspect_ratio.as_deref() {
            None => defaults.aspect_ratio,
            Some(raw) => Some(
                AspectRatio::parse(raw)
                    .filter(|ratio| ASPECT_RATIOS.contains(ratio))
                    .ok_or_else(|| ApiError::validation("aspect_ratio", "must be one of 1:1, 16:9, 9:16, 4:3, 3:4"))?,
            ),
        };
        let quality = match body.quality.as_deref() {
            None => defaults.quality,
            Some("standard") => Quality::Standard,
            Some("high") => Quality::High,
            Some(_) => return Err(ApiError::validation("quality", "must be standard or high")),
        };
        let seed = body.seed.map(|raw| Seed::parse("seed", raw)).transpose()?;
        let variations = body.variations.unwrap_or(1);
        if !(1..=4).contains(&variations) {
            return Err(ApiError::validation("variations", "must be between 1 and 4"));
        }
        Ok(Self {
            prompt,
            negative_prompt,
            template,
            aspect_ratio,
            quality,
            seed,
            variations,
            collection_id: body.collection_id,
        })
    }
}

/// The template's words around the user's prompt.
pub struct TemplateText<'a> {
    pub prefix: &'a str,
    pub suffix: &'a str,
    pub negative: &'a str,
}

/// The instruction the model receives, before the negative prompt is folded in by the Gemini
/// client: the template's prefix, the user's prompt, the template's suffix, one per line; and the
/// negative prompt: the template's and the user's, joined.
pub fn build_prompt(
    prompt: &str,
    negative: Option<&str>,
    template: Option<&TemplateText<'_>>,
) -> (String, Option<String>) {
    let Some(template) = template else { return (prompt.to_owned(), negative.map(str::to_owned)) };
    let lines: Vec<&str> =
        [template.prefix.trim(), prompt, template.suffix.trim()].into_iter().filter(|l| !l.is_empty()).collect();
    let negatives: Vec<&str> =
        [template.negative.trim(), negative.unwrap_or("").trim()].into_iter().filter(|n| !n.is_empty()).collect();
    (lines.join("\n"), (!negatives.is_empty()).then(|| negatives.join(", ")))
}

/// Words and phrases refused before any charge, in Indonesian and English. The operator can add to
/// them (`MODERATION_BLOCKLIST`); the model's own safety filters still apply after this.
pub const BLOCKED: &[&str] = &[
    "child porn",
    "child sexual",
    "csam",
    "underage nude",
    "underage sex",
    "pornografi anak",
    "anak telanjang",
    "pedofil",
    "pedophile",
    "bestiality",
    "beheading",
    "pemenggalan",
    "bom rakitan",
    "pipe bomb",
    "terrorist attack",
    "serangan teroris",
];

/// The first blocked phrase in `text`, matched on whole words, ignoring case.
pub fn blocked_phrase<'a>(text: &str, extra: &'a [String]) -> Option<&'a str>
where
    'static: 'a,
{
    let words: Vec<String> = text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let normalised = format!(" {} ", words.join(" "));
    BLOCKED
        .iter()
        .copied()
        .chain(extra.iter().map(String::as_str))
        .find(|phrase| !phrase.trim().is_empty() && normalised.contains(&format!(" {} ", phrase.trim().to_lowercase())))
}

/// The prompt text with the negative prompt as an explicit closing sentence, `"… Avoid: x, y."`.
/// Image models follow a plain-language instruction; a bare list of words after the prompt would
/// read as more things to draw.
pub fn fold_negative_prompt(prompt: &str, negative: Option<&str>) -> String {
    let prompt = prompt.trim();
    let negative = negative.map(str::trim).unwrap_or_default().trim_end_matches(['.', '!', '?']);
    if negative.is_empty() {
        return prompt.to_owned();
    }
    let separator = if prompt.is_empty() || prompt.ends_with(['.', '!', '?', '。', '！', '？']) { "" } else { "." };
    let space = if prompt.is_empty() { "" } else { " " };
    format!("{prompt}{separator}{space}Avoid: {negative}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults { quality: Quality::Standard, aspect_ratio: Some(AspectRatio::R1x1), template: None }
    }

    fn body(json: serde_json::Value) -> GenerateBody {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn fills_omitted_fields_from_the_users_defaults() {
        let mine =
            Defaults { quality: Quality::High, aspect_ratio: Some(AspectRatio::R16x9), template: Some(Uuid::nil()) };
        let parsed = Generation::parse(body(serde_json::json!({ "prompt": "  kucing oren  " })), &mine).unwrap();
        assert_eq!(parsed.prompt, "kucing oren");
        assert_eq!(
            (parsed.quality, parsed.aspect_ratio, parsed.variations),
            (Quality::High, Some(AspectRatio::R16x9), 1)
        );
        assert_eq!(parsed.template, Some(TemplateRef::Id(Uuid::nil())));
    }

    #[test]
    fn names_each_bad_field() {
        let long = "a".repeat(1001);
        let cases = [
            (serde_json::json!({ "prompt": "" }), "prompt"),
            (serde_json::json!({ "prompt": long }), "prompt"),
            (serde_json::json!({ "prompt": "a\u{0007}b" }), "prompt"),
            (serde_json::json!({ "prompt": "ok", "negative_prompt": "x".repeat(501) }), "negative_prompt"),
            (serde_json::json!({ "prompt": "ok", "aspect_ratio": "2:1" }), "aspect_ratio"),
            (serde_json::json!({ "prompt": "ok", "aspect_ratio": "21:9" }), "aspect_ratio"),
            (serde_json::json!({ "prompt": "ok", "quality": "ultra" }), "quality"),
            (serde_json::json!({ "prompt": "ok", "variations": 5 }), "variations"),
            (serde_json::json!({ "prompt": "ok", "variations": 0 }), "variations"),
            (serde_json::json!({ "prompt": "ok", "seed": -1 }), "seed"),
            (serde_json::json!({ "prompt": "ok", "seed": 2_147_483_648_u64 }), "seed"),
            (serde_json::json!({ "prompt": "ok", "seed": 4_294_967_295_u64 }), "seed"),
            (serde_json::json!({ "prompt": "ok", "template": "Not A Slug" }), "template"),
        ];
        for (json, field) in cases {
            let err = Generation::parse(body(json.clone()), &defaults()).expect_err(&json.to_string());
            assert_eq!(err.body()["details"]["field"], field, "{json}");
        }
    }

    #[test]
    fn accepts_any_script_and_newlines() {
        for prompt in ["ペンギンの絵", "Kucing oren\ndi atas batik", "قطة برتقالية", "🐱 emoji"] {
            assert!(Generation::parse(body(serde_json::json!({ "prompt": prompt })), &defaults()).is_ok(), "{prompt}");
        }
    }

    #[test]
    fn wraps_the_prompt_in_the_template_and_joins_the_negatives() {
        let template = TemplateText {
            prefix: "A watercolor painting.",
            suffix: "Soft paper texture.",
            negative: "text, watermark",
        };
        let (prompt, negative) = build_prompt("a fox", Some("blur"), Some(&template));
        assert_eq!(prompt, "A watercolor painting.\na fox\nSoft paper texture.");
        assert_eq!(negative.as_deref(), Some("text, watermark, blur"));
        assert_eq!(build_prompt("a fox", None, None), ("a fox".to_owned(), None));
        let bare = TemplateText { prefix: "", suffix: "", negative: "" };
        assert_eq!(build_prompt("a fox", None, Some(&bare)), ("a fox".to_owned(), None));
    }

    #[test]
    fn blocks_listed_phrases_on_whole_words_in_both_languages() {
        let extra = vec!["rahasia negara".to_owned()];
        assert_eq!(blocked_phrase("How to build a PIPE-BOMB at home", &extra), Some("pipe bomb"));
        assert_eq!(blocked_phrase("gambar Pornografi Anak", &extra), Some("pornografi anak"));
        assert_eq!(blocked_phrase("dokumen rahasia negara", &extra), Some("rahasia negara"));
        assert_eq!(blocked_phrase("a bombastic pipeline diagram", &extra), None);
        assert_eq!(blocked_phrase("kucing oren lucu", &extra), None);
    }

    #[test]
    fn folds_the_negative_prompt_into_an_avoid_sentence() {
        let cases = [
            ("a cat on a sofa", Some("blurry, text"), "a cat on a sofa. Avoid: blurry, text."),
            ("A cat on a sofa.", Some(" blurry. "), "A cat on a sofa. Avoid: blurry."),
            ("Kucing di sofa!", Some("teks"), "Kucing di sofa! Avoid: teks."),
            ("  a cat  ", None, "a cat"),
            ("a cat", Some("   "), "a cat"),
            ("", Some("text"), "Avoid: text."),
        ];
        for (prompt, negative, expected) in cases {
            assert_eq!(fold_negative_prompt(prompt, negative), expected, "{prompt:?} / {negative:?}");
        }
    }
}
