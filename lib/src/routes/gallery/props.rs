//! Properties of the gallery's request parsing: cursors round-trip and any other cursor is a 400
//! naming `cursor`; every query parameter and every request body either parses or names its field;
//! download names carry no path, control character or header break, whatever the title.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::filename::{FileName, UniqueNames};
use super::window::Window;
use super::{bulk, collections, download, editing, export, image, listing, prompts, shares, tags, versions};
use crate::error::ApiError;
use crate::http::Query;
use crate::http::props::{assert_client_error, json_value, read_as, request_object};

/// A route's parser of an id in its path.
type IdParser = fn(&str) -> Result<Uuid, ApiError>;

fn field(err: &ApiError) -> String {
    err.body()["details"]["field"].as_str().unwrap_or_default().to_owned()
}

/// `name=value` as a query string, however odd the value.
fn query(name: &str, value: &str) -> Query {
    Query::parse(&url::form_urlencoded::Serializer::new(String::new()).append_pair(name, value).finish())
}

/// A time as the database writes one: years 1–9999 in its own offset, microseconds, any whole-minute
/// offset.
fn db_time() -> impl Strategy<Value = OffsetDateTime> {
    // Julian days of 0001-01-01 and 9999-12-31.
    (1_721_426i32..=5_373_484, 0u32..86_400, 0u32..1_000_000, -1439i32..=1439).prop_map(
        |(day, secs, micros, minutes)| {
            let date = time::Date::from_julian_day(day).unwrap();
            let clock =
                time::Time::from_hms_micro((secs / 3600) as u8, (secs / 60 % 60) as u8, (secs % 60) as u8, micros);
            let offset = time::UtcOffset::from_whole_seconds(minutes * 60).unwrap();
            time::PrimitiveDateTime::new(date, clock.unwrap()).assume_offset(offset)
        },
    )
}

proptest! {
    #[test]
    fn a_cursor_given_out_continues_after_its_row(at in db_time(), id in any::<u128>()) {
        let id = Uuid::from_u128(id);
        let written = at.format(&Rfc3339).unwrap();
        let first = Window::parse(&query("limit", "1")).unwrap();
        let mut rows = vec![(written.clone(), id), (written.clone(), Uuid::nil())];

        let pagination = first.paginate(&mut rows, |row| (row.0.as_str(), row.1));
        let cursor = pagination["next_cursor"].as_str().unwrap();
        let next = Window::parse(&query("cursor", cursor)).unwrap();

        let (after_at, after_id) = next.after();
        prop_assert_eq!(after_id, Some(id));
        let after_at = OffsetDateTime::parse(&after_at.unwrap(), &Rfc3339).unwrap();
        prop_assert_eq!(after_at, at);
    }

    #[test]
    fn any_other_cursor_is_refused_naming_cursor(raw in prop_oneof![
        any::<String>(),
        any::<Vec<u8>>().prop_map(|b| URL_SAFE_NO_PAD.encode(b)),
        (any::<String>(), any::<String>()).prop_map(|(a, b)| URL_SAFE_NO_PAD.encode(format!("{a}|{b}"))),
        ("(0000|[0-9]{4})-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9](Z|[+-][0-2][0-9]:[0-5][0-9])", any::<u128>())
            .prop_map(|(at, id)| URL_SAFE_NO_PAD.encode(format!("{at}|{}", Uuid::from_u128(id)))),
    ]) {
        match Window::parse(&query("cursor", &raw)) {
            // A cursor that happens to be well formed must be one the database can read.
            Ok(window) => {
                if let Some(at) = window.after().0 {
                    let at = OffsetDateTime::parse(&at, &Rfc3339).unwrap();
                    prop_assert!((1..=9999).contains(&at.year()), "{at}");
                }
            }
            Err(err) => prop_assert_eq!(field(&err), "cursor"),
        }
    }

    #[test]
    fn a_tampered_cursor_is_refused_or_still_a_cursor(at in db_time(), at_byte in any::<prop::sample::Index>(), to in any::<u8>()) {
        let mut raw = URL_SAFE_NO_PAD.encode(format!("{}|{}", at.format(&Rfc3339).unwrap(), Uuid::new_v4())).into_bytes();
        let i = at_byte.index(raw.len());
        raw[i] = to;
        let raw = String::from_utf8_lossy(&raw).into_owned();

        match Window::parse(&query("cursor", &raw)) {
            Ok(window) => prop_assert!(window.after().1.is_some()),
            Err(err) => prop_assert_eq!(field(&err), "cursor"),
        }
    }

    #[test]
    fn every_listing_parameter_parses_or_is_named(
        name in proptest::sample::select(vec![
            "limit", "cursor", "q", "tag", "collection", "favorite", "visibility", "template", "aspect_ratio", "from", "to",
        ]),
        value in prop_oneof![any::<String>(), "[0-9:T.+Z-]{0,32}", "[0-9]{1,3}:[0-9]{1,3}"],
    ) {
        match listing::Listing::parse(&query(name, &value)) {
            Ok(parsed) => {
                let shown = format!("{parsed:?}");
                // The only ratios a listing filters on are the five the studio makes.
                if name == "aspect_ratio" && !value.trim().is_empty() {
                    prop_assert!(["1:1", "16:9", "9:16", "4:3", "3:4"].contains(&value.trim()), "{value} accepted: {shown}");
                }
            }
            Err(err) => prop_assert_eq!(field(&err), name),
        }
    }

    #[test]
    fn download_and_version_queries_parse_or_are_named(
        name in proptest::sample::select(vec!["format", "metadata", "edits"]),
        value in any::<String>(),
    ) {
        let result = match name {
            "edits" => versions::Edits::parse(&query(name, &value)).map(|_| ()),
            _ => download::Wanted::parse(&query(name, &value)).map(|_| ()),
        };
        if let Err(err) = result {
            prop_assert_eq!(field(&err), name);
        }
    }

    #[test]
    fn path_ids_are_uuids_or_a_400_naming_id(raw in prop_oneof![any::<String>(), "[0-9a-fA-F-]{30,40}"]) {
        let uuid = Uuid::try_parse(&raw).ok();
        let parsers: [IdParser; 4] = [image::parse_id, collections::parse_id, shares::parse_id, prompts::parse_id];
        for parse in parsers {
            match parse(&raw) {
                Ok(id) => prop_assert_eq!(Some(id), uuid),
                Err(err) => prop_assert_eq!((field(&err), uuid), ("id".to_owned(), None)),
            }
        }
    }

    #[test]
    fn tags_are_trimmed_lower_case_unique_and_bounded(raw in proptest::collection::vec(any::<String>(), 0..40)) {
        match tags::normalise(&raw) {
            Ok(list) => {
                prop_assert!(list.len() <= tags::MAX_TAGS);
                for tag in &list {
                    prop_assert_eq!(tag, &tag.trim().to_lowercase());
                    prop_assert!((1..=tags::MAX_CHARS).contains(&tag.chars().count()));
                    prop_assert_eq!(list.iter().filter(|t| *t == tag).count(), 1);
                }
            }
            Err(err) => prop_assert!(field(&err).starts_with("tags"), "{err}"),
        }
    }

    #[test]
    fn download_names_are_safe_in_a_path_and_in_a_header(text in any::<String>(), id in any::<u128>()) {
        let name = FileName::new(&text, Uuid::from_u128(id));

        let ascii = name.ascii();
        prop_assert!(!ascii.is_empty() && ascii.len() <= 66, "{ascii}");
        prop_assert!(ascii.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'), "{ascii}");
        prop_assert!(!ascii.starts_with('-') && !ascii.ends_with('-'), "{ascii}");
        let header = name.disposition("png");
        let header = header.to_str().unwrap();
        prop_assert!(header.starts_with(&format!("attachment; filename=\"{ascii}.png\"")), "{header}");
        prop_assert!(header.bytes().all(|b| b.is_ascii_graphic() || b == b' '), "{header}");
        if let Some((_, encoded)) = header.split_once("filename*=UTF-8''") {
            let unicode = percent_encoding::percent_decode_str(encoded).decode_utf8().unwrap();
            let stem = unicode.strip_suffix(".png").unwrap();
            prop_assert!(!stem.is_empty() && stem.chars().count() <= 60, "{stem:?}");
            prop_assert!(!stem.ends_with(['.', ' ']) && !stem.starts_with(' '), "{stem:?}");
            prop_assert!(!stem.contains(['/', '\\', ':', '*', '?', '"', '<', '>', '|']), "{stem:?}");
            prop_assert!(!stem.chars().any(|c| c.is_control() || bidi_control(c)), "{stem:?}");
        }
        let mut names = UniqueNames::default();
        let (first, second) = (names.claim(ascii, "png"), names.claim(&ascii.to_uppercase(), "png"));
        prop_assert_ne!(first.to_lowercase(), second.to_lowercase());
    }

    #[test]
    fn any_gallery_body_parses_or_names_a_field(
        change in request_object(&["title", "alt_text", "tags", "is_favorite", "is_public", "show_prompt"]),
        bulk in request_object(&["ids", "action", "tags", "collection_id"]),
        export in request_object(&["ids", "collection_id"]),
        share in request_object(&["expires_in_hours", "expires_at", "show_prompt"]),
        collection in request_object(&["name", "description", "cover_image_id", "is_public"]),
        images in request_object(&["image_ids"]),
        any_json in json_value(),
    ) {
        let now = OffsetDateTime::now_utc();
        let results = [
            (&change, read_as(&change).and_then(editing::Change::parse).map(|_| ())),
            (&bulk, read_as(&bulk).and_then(bulk::Bulk::parse).map(|_| ())),
            (&export, read_as(&export).and_then(export::Selection::parse).map(|_| ())),
            (&share, read_as(&share).and_then(|body| shares::Terms::parse(body, now)).map(|_| ())),
            (&collection, read_as::<collections::Changes>(&collection).map(|_| ())),
            (&images, read_as::<collections::Images>(&images).map(|_| ())),
            (&any_json, read_as::<editing::ChangeBody>(&any_json).map(|_| ())),
        ];
        for (input, result) in results {
            if let Err(err) = result {
                assert_client_error(&err, input);
            }
        }
    }
}

/// Characters that reorder how a name is displayed (`photo\u{202E}gnp.exe`): refused in file names.
fn bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[test]
fn listing_refuses_the_ratios_the_studio_does_not_make() {
    for ratio in ["3:2", "2:3", "5:4", "4:5", "21:9"] {
        let err = listing::Listing::parse(&query("aspect_ratio", ratio)).unwrap_err();
        assert_eq!(field(&err), "aspect_ratio", "{ratio}");
    }
}

#[test]
fn download_names_drop_characters_that_reorder_the_name() {
    let cases = [
        ("Kucing\u{202E}gnp.exe", "attachment; filename=\"Kucing-gnp-exe.png\""),
        ("猫\u{2067}gnp.exe\u{2069}", "attachment; filename=\"gnp-exe.png\"; filename*=UTF-8''%E7%8C%AB%20gnp.exe.png"),
    ];
    for (title, expected) in cases {
        assert_eq!(FileName::new(title, Uuid::nil()).disposition("png"), expected, "{title:?}");
    }
}
