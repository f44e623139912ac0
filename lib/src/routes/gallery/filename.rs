//! File names for downloads and archive entries, made from an image's title or prompt: an
//! ASCII-safe name that every file system and every client accepts, and the Unicode name for
//! clients that read RFC 5987 `filename*` (RFC 6266).

use std::collections::HashSet;

use http::HeaderValue;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use uuid::Uuid;

/// Long enough to recognise a prompt, short enough for any file system and a readable listing.
const MAX_CHARS: usize = 60;

/// RFC 5987 `attr-char`s go unescaped; everything else is percent-encoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// Names Windows reserves whatever the extension.
const RESERVED: [&str; 4] = ["con", "prn", "aux", "nul"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileName {
    /// Letters and digits joined by single hyphens: `Kucing-oren-di-atas-genteng`.
    ascii: String,
    /// The text as written, minus what file systems refuse: `Kucing oren 🐈`.
    unicode: String,
}

impl FileName {
    /// The name for `text` (a title or a prompt); an image whose text has no ASCII letter or
    /// digit gets `image-{first 8 hex digits of its id}` as its ASCII name.
    pub fn new(text: &str, id: Uuid) -> Self {
        let mut ascii = String::new();
        let mut gap = false;
        for c in text.chars() {
            if !c.is_ascii_alphanumeric() {
                gap = true;
                continue;
            }
            let hyphen = gap && !ascii.is_empty();
            if ascii.len() + usize::from(hyphen) + 1 > MAX_CHARS {
                break;
            }
            if hyphen {
                ascii.push('-');
            }
            gap = false;
            ascii.push(c);
        }
        if ascii.is_empty() {
            ascii = format!("image-{}", &id.simple().to_string()[..8]);
        }
        if reserved(&ascii) {
            ascii.push_str("-image");
        }
        let unicode = unicode_name(text);
        Self { unicode: if unicode.is_empty() { ascii.clone() } else { unicode }, ascii }
    }

    pub fn ascii(&self) -> &str {
        &self.ascii
    }

    /// `attachment; filename="…"`, with `filename*=UTF-8''…` when the Unicode name is not plain ASCII.
    pub fn disposition(&self, extension: &str) -> HeaderValue {
        let mut value = format!("attachment; filename=\"{}.{extension}\"", self.ascii);
        if !self.unicode.is_ascii() {
            let encoded = utf8_percent_encode(&self.unicode, ATTR_CHAR);
            value.push_str(&format!("; filename*=UTF-8''{encoded}.{extension}"));
        }
        // Only ASCII letters, digits and the punctuation above: always a valid header value.
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
    }
}

/// `CON`, `NUL`, `COM1`, `LPT9`… in any case.
fn reserved(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let numbered = |prefix: &str| {
        lower.strip_prefix(prefix).is_some_and(|n| n.len() == 1 && n.as_bytes()[0].is_ascii_digit() && n != "0")
    };
    RESERVED.contains(&lower.as_str()) || numbered("com") || numbered("lpt")
}

/// The text trimmed to [`MAX_CHARS`], with path separators, characters Windows refuses, control
/// and bidirectional formatting characters replaced, runs of white space made one space, and no
/// trailing dot.
fn unicode_name(text: &str) -> String {
    let mut name = String::new();
    for c in text.chars() {
        let c = match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '-',
            c if c.is_whitespace() || c.is_control() || reorders(c) => ' ',
            c => c,
        };
        if c == ' ' && (name.is_empty() || name.ends_with(' ')) {
            continue;
        }
        if name.chars().count() == MAX_CHARS {
            break;
        }
        name.push(c);
    }
    name.trim_end_matches([' ', '.']).to_owned()
}

/// Bidirectional embeddings, overrides, isolates and marks: in a title such as `photo\u{202E}gnp.exe`
/// they make a file manager show the rest of the name reversed, disguising what the file is.
fn reorders(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Entry names of one archive: each name once, compared without case (as Windows and macOS do):
/// `kucing.png`, `kucing-2.png`, `kucing-3.png`.
#[derive(Default)]
pub struct UniqueNames(HashSet<String>);

impl UniqueNames {
    pub fn claim(&mut self, stem: &str, extension: &str) -> String {
        let mut candidate = format!("{stem}.{extension}");
        let mut n = 1;
        while !self.0.insert(candidate.to_ascii_lowercase()) {
            n += 1;
            candidate = format!("{stem}-{n}.{extension}");
        }
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: Uuid = Uuid::from_u128(0xabcdef01_2345_4678_9abc_def012345678);

    #[test]
    fn ascii_names_keep_letters_and_digits_joined_by_hyphens() {
        let cases = [
            ("Kucing oren di atas genteng", "Kucing-oren-di-atas-genteng"),
            ("  ../../etc/passwd ", "etc-passwd"),
            ("Café \"noir\", 2026!", "Caf-noir-2026"),
            ("猫が寝ている", "image-abcdef01"),
            ("con", "con-image"),
            ("LPT1", "LPT1-image"),
            ("", "image-abcdef01"),
        ];
        for (text, expected) in cases {
            assert_eq!(FileName::new(text, ID).ascii(), expected, "{text:?}");
        }
        assert_eq!(FileName::new(&"a ".repeat(100), ID).ascii().len(), 59, "60 characters at most, no trailing hyphen");
    }

    #[test]
    fn dispositions_add_the_unicode_name_only_when_it_is_not_ascii() {
        assert_eq!(FileName::new("Kucing oren", ID).disposition("png"), "attachment; filename=\"Kucing-oren.png\"");
        assert_eq!(
            FileName::new("Kucing/oren 🐈 di: atap", ID).disposition("jpg"),
            "attachment; filename=\"Kucing-oren-di-atap.jpg\"; filename*=UTF-8''Kucing-oren%20%F0%9F%90%88%20di-%20atap.jpg"
        );
        assert_eq!(
            FileName::new("猫.", ID).disposition("webp"),
            "attachment; filename=\"image-abcdef01.webp\"; filename*=UTF-8''%E7%8C%AB.webp"
        );
    }

    #[test]
    fn archive_names_are_unique_without_regard_to_case() {
        let mut names = UniqueNames::default();
        let claimed: Vec<String> =
            ["kucing", "Kucing", "kucing", "kucing-2"].iter().map(|s| names.claim(s, "png")).collect();
        assert_eq!(claimed, ["kucing.png", "Kucing-2.png", "kucing-3.png", "kucing-2-2.png"]);
        assert_eq!(names.claim("metadata", "json"), "metadata.json");
    }
}
