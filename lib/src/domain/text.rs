//! User text: the one rule for every free text a route accepts (no control characters), and
//! identifiers and search text from URLs: slugs, "id or slug" references and search terms.

use uuid::Uuid;

use crate::error::ApiError;

/// Whether a text may span lines. Only prompts and descriptions do, and only with `\n`: a tab
/// or CR is refused there too, so what is stored is what every screen renders the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// Refuses any control character (C0 with NUL, CR and LF, DEL, C1 such as U+0085) in `text`,
/// but `\n` in a multi-line text. PostgreSQL refuses a NUL in text, and a CR or LF in a title
/// breaks headers, file names and one-line displays, so every user text passes through here.
pub fn refuse_controls(field: &str, text: &str, lines: Lines) -> Result<(), ApiError> {
    if text.chars().any(|c| c.is_control() && !(lines == Lines::Many && c == '\n')) {
        let what = match lines {
            Lines::One => "must not contain control characters or line breaks",
            Lines::Many => "must not contain control characters other than line breaks (\\n)",
        };
        return Err(ApiError::validation(field, what));
    }
    Ok(())
}

/// User text: trimmed, `min..=max` characters (any script), and no control characters by
/// [`refuse_controls`].
pub fn user_text(field: &str, raw: &str, min: usize, max: usize, lines: Lines) -> Result<String, ApiError> {
    let text = raw.trim();
    let chars = text.chars().count();
    if chars < min || chars > max {
        return Err(ApiError::validation(field, format!("must be {min}–{max} characters")));
    }
    refuse_controls(field, text, lines)?;
    Ok(text.to_owned())
}

/// Optional user text: blank is `None` (the field is cleared); otherwise as [`user_text`].
pub fn optional_text(field: &str, raw: &str, max: usize, lines: Lines) -> Result<Option<String>, ApiError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    user_text(field, raw, 1, max, lines).map(Some)
}

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
        refuse_controls(field, term, Lines::One)?;
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
    fn user_text_refuses_every_control_but_a_newline_where_lines_are_allowed() {
        for c in ['\0', '\r', '\t', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'] {
            for lines in [Lines::One, Lines::Many] {
                let err = user_text("title", &format!("a{c}b"), 1, 10, lines).expect_err("a control");
                assert_eq!(err.body()["details"]["field"], "title");
            }
        }
        assert!(user_text("title", "a\nb", 1, 10, Lines::One).is_err());
        assert_eq!(user_text("prompt", " a\nb ", 1, 10, Lines::Many).unwrap(), "a\nb");
        assert_eq!(optional_text("alt_text", "  ", 10, Lines::One).unwrap(), None);
        assert!(user_text("title", "é\u{2028}猫", 1, 10, Lines::One).is_ok(), "not a control character");
    }

    #[test]
    fn literal_regexes_escape_every_metacharacter() {
        let term = SearchTerm::parse("q", Some(r"50%_off*\x (a.b)")).unwrap().unwrap();
        assert_eq!(term.literal_regex(), r"50\%\_off\*\\x \(a\.b\)");
    }
}
