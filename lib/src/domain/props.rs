//! Properties of the validated values and of prompt building: any text is either refused naming
//! its field or becomes a value that keeps its rule; the model's instruction always carries the
//! user's prompt intact, inside its length bound, and never reads the user's words as markup.

use proptest::prelude::*;
use uuid::Uuid;

use super::generation::{Defaults, GenerateBody, Generation, TemplateText, blocked_phrase, build_prompt};
use super::text::{Lines, user_text};
use super::*;
use crate::domain::generation::fold_negative_prompt;
use crate::domain::{AspectRatio, Quality};
use crate::error::ApiError;
use crate::http::props::{assert_client_error, read_as, request_object};

fn field(err: &ApiError) -> String {
    err.body()["details"]["field"].as_str().unwrap_or_default().to_owned()
}

/// Any text, biased towards what the rules care about: spaces, controls, `@`, `-`, long runs.
fn tricky_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ a-zA-Z0-9@.\\-_\u{0}\n\r\t\u{7f}\u{85}\u{a0}\u{2028}é猫🐈]{0,80}",
        "[a-z0-9-]{1,70}",
        ("[a-z0-9.+]{1,70}", "[a-z0-9.-]{1,200}").prop_map(|(l, d)| format!("{l}@{d}")),
    ]
}

fn defaults() -> Defaults {
    Defaults { quality: Quality::Standard, aspect_ratio: Some(AspectRatio::R1x1), template: None }
}

proptest! {
    #[test]
    fn slugs_are_kebab_case_within_64_or_named(raw in tricky_text()) {
        match Slug::parse("slug", &raw) {
            Ok(slug) => {
                prop_assert_eq!(slug.as_str(), raw.as_str());
                prop_assert!(raw.len() <= 64 && !raw.starts_with('-') && !raw.ends_with('-') && !raw.contains("--"));
                prop_assert!(raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
            }
            Err(err) => prop_assert_eq!(field(&err), "slug"),
        }
        match TemplateRef::parse("template", &raw) {
            Ok(TemplateRef::Id(id)) => prop_assert_eq!(Uuid::try_parse(&raw).ok(), Some(id)),
            Ok(TemplateRef::Slug(slug)) => prop_assert_eq!(slug.as_str(), raw.as_str()),
            Err(err) => prop_assert_eq!(field(&err), "template"),
        }
    }

    #[test]
    fn search_terms_are_trimmed_short_and_clean_and_their_regex_is_literal(raw in tricky_text()) {
        match SearchTerm::parse("q", Some(&raw)) {
            Ok(None) => prop_assert!(raw.trim().is_empty()),
            Ok(Some(term)) => {
                prop_assert_eq!(term.as_str(), raw.trim());
                prop_assert!(term.as_str().chars().count() <= SearchTerm::MAX_CHARS);
                prop_assert!(!term.as_str().chars().any(char::is_control));
                // Removing each escape gives the term back; nothing but punctuation is escaped.
                let regex = term.literal_regex();
                let mut unescaped = String::new();
                let mut chars = regex.chars();
                while let Some(c) = chars.next() {
                    if c == '\\' {
                        let next = chars.next().unwrap();
                        prop_assert!(next.is_ascii_punctuation(), "{regex}");
                        unescaped.push(next);
                    } else {
                        prop_assert!(!c.is_ascii_punctuation(), "{c} unescaped in {regex}");
                        unescaped.push(c);
                    }
                }
                prop_assert_eq!(unescaped, term.as_str());
            }
            Err(err) => prop_assert_eq!(field(&err), "q"),
        }
    }

    #[test]
    fn emails_are_normalised_single_at_addresses_within_rfc_limits(raw in tricky_text()) {
        match Email::parse("email", &raw) {
            Ok(email) => {
                let address = email.as_str();
                prop_assert_eq!(address, raw.trim().to_lowercase());
                prop_assert!(address.len() <= 254 && address.matches('@').count() == 1);
                let (local, domain) = address.split_once('@').unwrap();
                prop_assert!(!local.is_empty() && local.len() <= 64 && domain.contains('.'));
                prop_assert!(!address.chars().any(|c| c.is_whitespace() || c.is_control()));
            }
            Err(err) => prop_assert_eq!(field(&err), "email"),
        }
    }

    #[test]
    fn new_passwords_are_10_chars_to_256_bytes_and_never_the_email(raw in tricky_text()) {
        let email = Email::parse("email", "siti@example.com").unwrap();
        match NewPassword::parse("password", &raw, &email) {
            Ok(password) => {
                let kept = password.into_inner();
                prop_assert_eq!(&kept, &raw, "kept as typed");
                prop_assert!(kept.chars().count() >= 10 && kept.len() <= 256);
                prop_assert!(!kept.to_lowercase().contains("siti@example.com"));
            }
            Err(err) => prop_assert_eq!(field(&err), "password"),
        }
    }

    #[test]
    fn share_tokens_are_22_to_128_url_safe_characters(raw in prop_oneof![tricky_text(), "[A-Za-z0-9_-]{20,130}"]) {
        let well_formed = (22..=128).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        prop_assert_eq!(ShareToken::parse(&raw).map(|t| t.as_str().to_owned()), well_formed.then(|| raw.clone()));
        let made = ShareToken::generate();
        prop_assert_eq!(ShareToken::parse(made.as_str()), Some(made));
    }

    #[test]
    fn aspect_ratios_read_back_only_what_they_write(raw in "[0-9: ]{0,6}") {
        match AspectRatio::parse(&raw) {
            Some(ratio) => prop_assert_eq!(ratio.as_str(), raw.trim()),
            None => prop_assert!(AspectRatio::ALL.iter().all(|r| r.as_str() != raw.trim())),
        }
    }

    #[test]
    fn any_generate_body_parses_or_names_a_field(value in request_object(&[
        "prompt", "negative_prompt", "template", "aspect_ratio", "quality", "seed", "variations", "collection_id",
    ])) {
        let parsed = read_as::<GenerateBody>(&value).and_then(|body| Generation::parse(body, &defaults()));
        match parsed {
            Ok(generation) => {
                prop_assert!((1..=1000).contains(&generation.prompt.chars().count()));
                prop_assert!((1..=4).contains(&generation.variations));
                prop_assert!(generation.negative_prompt.is_none_or(|n| (1..=500).contains(&n.chars().count())));
            }
            Err(err) => assert_client_error(&err, &value),
        }
    }

    #[test]
    fn the_instruction_carries_the_prompt_intact_between_the_template_words(
        prompt in any::<String>(),
        negative in proptest::option::of(any::<String>()),
        template in proptest::option::of((any::<String>(), any::<String>(), any::<String>())),
    ) {
        let Ok(prompt) = user_text("prompt", &prompt, 1, 1000, Lines::Many) else { return Ok(()) };
        let negative = negative.and_then(|n| user_text("negative_prompt", &n, 1, 500, Lines::Many).ok());
        let words = template.as_ref().map(|(prefix, suffix, negative)| TemplateText { prefix, suffix, negative });

        let (instruction, negatives) = build_prompt(&prompt, negative.as_deref(), words.as_ref());
        let sent = fold_negative_prompt(&instruction, negatives.as_deref());

        // The user's words appear once, unchanged, wherever the template puts its own.
        let prefix = words.as_ref().map(|w| w.prefix.trim()).unwrap_or_default();
        let expected_start = if prefix.is_empty() { prompt.clone() } else { format!("{prefix}\n{prompt}") };
        prop_assert!(instruction.starts_with(&expected_start), "{instruction:?}");
        prop_assert!(sent.contains(&prompt));
        if let Some(negative) = &negative {
            prop_assert!(negatives.as_deref().unwrap().ends_with(negative.as_str()));
        }
        // Bounded by its parts: nothing is repeated or expanded.
        let template_chars = template.as_ref().map_or(0, |(p, s, n)| p.chars().count() + s.chars().count() + n.chars().count());
        let bound = prompt.chars().count() + negative.as_ref().map_or(0, |n| n.chars().count()) + template_chars + 16;
        prop_assert!(sent.chars().count() <= bound, "{} > {bound}", sent.chars().count());
    }

    #[test]
    fn the_blocklist_never_panics_and_finds_a_phrase_anywhere(before in any::<String>(), after in any::<String>()) {
        let extra = vec!["rahasia negara".to_owned()];
        let _ = blocked_phrase(&before, &extra);
        let found = blocked_phrase(&format!("{before} PIPE-bomb {after}"), &extra);
        prop_assert!(found.is_some());
    }
}
