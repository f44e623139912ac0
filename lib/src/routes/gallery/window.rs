//! The page window every paginated gallery read shares (the owner's listing, the public feed, a
//! shared collection, the share links): `limit`, and an opaque keyset `cursor` that continues after
//! the last row of the previous page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::Query;

const DEFAULT_LIMIT: usize = 30;
const MAX_LIMIT: usize = 100;

/// How many rows a page has and where it starts: `limit` and `cursor`.
#[derive(Debug)]
pub struct Window {
    limit: usize,
    after: Option<Cursor>,
}

impl Window {
    pub fn parse(query: &Query) -> Result<Self, ApiError> {
        let get = |name: &str| query.get(name).map(str::trim).filter(|v| !v.is_empty());
        let limit = match get("limit") {
            None => DEFAULT_LIMIT,
            Some(raw) => raw.parse().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
                ApiError::validation("limit", format!("must be a whole number from 1 to {MAX_LIMIT}"))
            })?,
        };
        Ok(Self { limit, after: get("cursor").map(Cursor::parse).transpose()? })
    }

    /// The first page (no cursor).
    pub fn is_first(&self) -> bool {
        self.after.is_none()
    }

    /// The rows to ask the database for: one more than the page, so the last page says so
    /// (`next_cursor: null`) instead of leading to an empty one.
    pub fn fetch_limit(&self) -> usize {
        self.limit + 1
    }

    /// The keyset to start after, as the SQL page functions take it: a time and an id.
    pub fn after(&self) -> (Option<String>, Option<Uuid>) {
        self.after.as_ref().map_or((None, None), |c| (Some(stamp(c.at)), Some(c.id)))
    }

    /// Cuts the extra row off `rows` and returns `meta.pagination`; `key` is a row's keyset, its
    /// time exactly as the database wrote it.
    pub fn paginate<T>(&self, rows: &mut Vec<T>, key: impl Fn(&T) -> (&str, Uuid)) -> Value {
        let next_cursor = if rows.len() > self.limit {
            rows.truncate(self.limit);
            rows.last().map(|row| {
                let (at, id) = key(row);
                Cursor::encode(at, id)
            })
        } else {
            None
        };
        json!({ "next_cursor": next_cursor, "limit": self.limit })
    }
}

/// The keyset of the last row of a page: opaque to clients, base64url of `{time}|{id}` (the
/// owner's listing keys on `created_at`, the public feed on `published_at`).
#[derive(Debug, PartialEq, Eq)]
struct Cursor {
    at: OffsetDateTime,
    id: Uuid,
}

impl Cursor {
    /// The cursor that continues after the row keyed `(at, id)`, from the time exactly as the
    /// database wrote it (microseconds and all).
    fn encode(at: &str, id: Uuid) -> String {
        URL_SAFE_NO_PAD.encode(format!("{at}|{id}"))
    }

    fn parse(raw: &str) -> Result<Self, ApiError> {
        let invalid = || ApiError::validation("cursor", "is not a cursor this API gave out");
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (at, id) = text.rsplit_once('|').ok_or_else(invalid)?;
        Ok(Self {
            at: OffsetDateTime::parse(at, &Rfc3339).ok().filter(|at| storable(*at)).ok_or_else(invalid)?,
            id: Uuid::try_parse(id).map_err(|_| invalid())?,
        })
    }
}

/// Whether the database can read `at` as [`stamp`] writes it: `timestamptz` input has no year 0
/// (1 BC precedes AD 1) and RFC 3339 no year past 9999, so anything else would fail in SQL, a 500.
pub fn storable(at: OffsetDateTime) -> bool {
    (1..=9999).contains(&at.year())
}

/// A time as the SQL functions take it.
pub fn stamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_default_to_a_page_of_thirty_and_stay_within_bounds() {
        assert_eq!(Window::parse(&Query::parse("")).unwrap().limit, DEFAULT_LIMIT);
        assert_eq!(Window::parse(&Query::parse("limit=100")).unwrap().limit, MAX_LIMIT);
        for query in ["limit=0", "limit=101", "limit=-1", "cursor=%%%"] {
            assert!(Window::parse(&Query::parse(query)).is_err(), "{query}");
        }
    }

    #[test]
    fn cursors_round_trip_with_microseconds() {
        let id = Uuid::new_v4();
        let raw = URL_SAFE_NO_PAD.encode(format!("2026-11-26T10:00:00.123456+00:00|{id}"));
        let cursor = Cursor::parse(&raw).unwrap();
        assert_eq!(cursor.id, id);
        assert_eq!(stamp(cursor.at), "2026-11-26T10:00:00.123456Z");
        assert_eq!(Cursor::parse(&Cursor::encode("2026-11-26T10:00:00.123456+00:00", id)).unwrap(), cursor);
    }

    #[test]
    fn a_cursor_of_year_zero_is_refused_before_the_database_sees_it() {
        // A 500 from PostgreSQL ("date/time field value out of range") before the year check.
        let raw = URL_SAFE_NO_PAD.encode(format!("0000-06-01T00:00:00Z|{}", Uuid::nil()));

        let err = Window::parse(&Query::parse(&format!("cursor={raw}"))).unwrap_err();

        assert_eq!(err.body()["details"]["field"], "cursor");
    }
}
