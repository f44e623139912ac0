//! Tags: trimmed, lower-cased, 1–50 characters each, at most 30 per image, no duplicates. The same
//! rule reads a `tag` filter, so a filter matches what a PATCH stored.

use crate::domain::{Lines, refuse_controls};
use crate::error::ApiError;

pub const MAX_CHARS: usize = 50;
pub const MAX_TAGS: usize = 30;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag(String);

impl Tag {
    pub fn parse(field: &str, raw: &str) -> Result<Self, ApiError> {
        let tag = raw.trim().to_lowercase();
        let length = tag.chars().count();
        if length == 0 || length > MAX_CHARS {
            return Err(ApiError::validation(field, format!("each tag must be 1 to {MAX_CHARS} characters")));
        }
        refuse_controls(field, &tag, Lines::One)?;
        Ok(Self(tag))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An image's tag list: each tag normalised, duplicates dropped (first one kept), at most
/// [`MAX_TAGS`] after that.
pub fn normalise(raw: &[String]) -> Result<Vec<String>, ApiError> {
    let mut tags: Vec<String> = Vec::new();
    for (i, tag) in raw.iter().enumerate() {
        let tag = Tag::parse(&format!("tags[{i}]"), tag)?;
        if !tags.iter().any(|t| t == tag.as_str()) {
            tags.push(tag.0);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(ApiError::validation("tags", format!("at most {MAX_TAGS} different tags")));
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn tags_are_trimmed_lower_cased_and_deduplicated_in_order() {
        let tags = normalise(&strings(&["  Kucing ", "BATIK", "kucing", "Sunset Beach", "batik"])).unwrap();
        assert_eq!(tags, strings(&["kucing", "batik", "sunset beach"]));
        assert_eq!(normalise(&[]).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn bad_tags_name_their_position() {
        let long = "é".repeat(51);
        for (raw, field) in [(vec!["ok", "  "], "tags[1]"), (vec![long.as_str()], "tags[0]"), (vec!["a\nb"], "tags[0]")]
        {
            let err = normalise(&strings(&raw)).expect_err(field);
            assert_eq!(err.body()["details"]["field"], field, "{raw:?}");
        }
        assert!(normalise(&strings(&[&"é".repeat(50)])).is_ok());
    }

    #[test]
    fn at_most_thirty_different_tags() {
        let thirty: Vec<String> = (0..30).map(|n| format!("tag {n}")).collect();
        assert_eq!(normalise(&thirty).unwrap().len(), 30);
        let mut with_duplicates = thirty.clone();
        with_duplicates.push("TAG 0".into());
        assert_eq!(normalise(&with_duplicates).unwrap().len(), 30, "duplicates do not count");
        let mut too_many = thirty;
        too_many.push("tag 30".into());
        assert_eq!(normalise(&too_many).unwrap_err().body()["details"]["field"], "tags");
    }
}
