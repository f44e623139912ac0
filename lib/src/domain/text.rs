//! Identifiers and search text from URLs: slugs, "id or slug" references and search terms.

use uuid::Uuid;

use crate::error::ApiError;

/// A lower-case kebab-case identifier such as `watercolor-portrait`, at most 64 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(field: &str, raw: &str) -> Result<Self, ApiError> {
        let valid = !raw.is_empty()
            && raw.len() <= 64
            && raw
                .split('-')
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ApiError::validation(
                field,
                "must be a slug: lower-case letters, digits and single hyphens, at most 64 characters",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A resource named either by its UUID or by its slug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateRef {
    Id(Uuid),
    Slug(Slug),
}

impl TemplateRef {
    pub fn parse(field: &str, raw: &str) -> Result<Self, ApiError> {
        if let Ok(id) = Uuid::try_parse(raw) {
            return Ok(Self::Id(id));
        }
        Slug::parse(field, raw)
            .map(Self::Slug)
            .map_err(|_| ApiError::validation(field, "must be a template id (UUID) or slug"))
    }
}

/// Free text to search for: trimmed, 1–100 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchTerm(String);

impl SearchTerm {
    pub const MAX_CHARS: usize = 100;

    /// `None` for an absent or blank term.
    pub fn parse(field: &str, raw: Option<&str>) -> Result<Option<Self>, ApiError> {
        let Some(term) = raw.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
        if term.chars().count() > Self::MAX_CHARS {
            return Err(ApiError::validation(field, format!("must be at most {} characters", Self::MAX_CHARS)));
        }
        if term.chars().any(char::is_control) {
            return Err(ApiError::validation(field, "must not contain control characters"));
        }
        Ok(Some(Self(term.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A case-insensitive regular expression (PostgREST `imatch`) matching the term literally
    /// anywhere: every ASCII punctuation character is escaped. `ilike` cannot serve here, because
    /// PostgREST turns every `*` into a wildcard with no way to escape it.
    pub fn literal_regex(&self) -> String {
        let mut regex = String::with_capacity(self.0.len() * 2);
        for c in self.0.chars() {
            if c.is_ascii_punctuation() {
                regex.push('\\');
            }
            regex.push(c);
        }
        regex
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for good in ["a", "watercolor-portrait", "3d-render", "x1-y2-z3"] {
            assert!(Slug::parse("slug", good).is_ok(), "{good}");
        }
        let too_long = "a".repeat(65);
        for bad in ["", "A", "a--b", "-a", "a-", "a_b", "a b", "é", too_long.as_str()] {
            let err = Slug::parse("slug", bad).expect_err(bad);
            assert_eq!(err.body()["details"]["field"], "slug", "{bad}");
        }
    }

    #[test]
    fn template_refs() {
        let id = "6f1c1f0e-8d4c-4c43-9a55-1b2f6a0c9d11";
        assert!(matches!(TemplateRef::parse("id", id), Ok(TemplateRef::Id(_))));
        assert!(matches!(TemplateRef::parse("id", "neon-noir"), Ok(TemplateRef::Slug(_))));
        for bad in ["6F1C1F0E-8D4C", "Neon Noir", "../etc", "%00"] {
            assert!(TemplateRef::parse("id", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn search_terms() {
        assert_eq!(SearchTerm::parse("q", None).unwrap(), None);
        assert_eq!(SearchTerm::parse("q", Some("   ")).unwrap(), None);
        let term = SearchTerm::parse("q", Some("  kucing oren ")).unwrap().unwrap();
        assert_eq!(term.as_str(), "kucing oren");
        assert!(SearchTerm::parse("q", Some(&"a".repeat(101))).is_err());
        assert!(SearchTerm::parse("q", Some("a\u{0}b")).is_err());
        assert!(SearchTerm::parse("q", Some(&"é".repeat(100))).is_ok());
    }

    #[test]
    fn literal_regexes_escape_every_metacharacter() {
        let term = SearchTerm::parse("q", Some(r"50%_off*\x (a.b)")).unwrap().unwrap();
        assert_eq!(term.literal_regex(), r"50\%\_off\*\\x \(a\.b\)");
    }
}
