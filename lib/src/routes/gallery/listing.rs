//! `GET /api/gallery`: the query string parsed into a [`Listing`], one call of the SQL function
//! `gallery_page` (search, filters and keyset in one indexed statement), and the page's cursor.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::macros::{format_description, time};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::image::{COLUMNS, Image, present};
use super::tags::Tag;
use crate::app::App;
use crate::domain::SearchTerm;
use crate::error::ApiError;
use crate::gemini::AspectRatio;
use crate::http::Query;

const DEFAULT_LIMIT: usize = 30;
const MAX_LIMIT: usize = 100;

/// A page request: where to start, how many, and what to keep.
#[derive(Debug)]
pub struct Listing {
    limit: usize,
    after: Option<Cursor>,
    q: Option<SearchTerm>,
    tag: Option<Tag>,
    collection: Option<Uuid>,
    favorite: Option<bool>,
    public: Option<bool>,
    template: Option<Uuid>,
    aspect_ratio: Option<AspectRatio>,
    from: Option<OffsetDateTime>,
    to: Option<OffsetDateTime>,
}

impl Listing {
    pub fn parse(query: &Query) -> Result<Self, ApiError> {
        let get = |name: &str| query.get(name).map(str::trim).filter(|v| !v.is_empty());
        let limit = match get("limit") {
            None => DEFAULT_LIMIT,
            Some(raw) => raw.parse().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
                ApiError::validation("limit", format!("must be a whole number from 1 to {MAX_LIMIT}"))
            })?,
        };
        let visibility = get("visibility").map(|v| match v {
            "public" => Ok(true),
            "private" => Ok(false),
            _ => Err(ApiError::validation("visibility", "must be public or private")),
        });
        let aspect_ratio = get("aspect_ratio").map(|raw| {
            AspectRatio::parse(raw)
                .ok_or_else(|| ApiError::validation("aspect_ratio", "must be 1:1, 16:9, 9:16, 4:3 or 3:4"))
        });
        let listing = Self {
            limit,
            after: get("cursor").map(Cursor::parse).transpose()?,
            q: SearchTerm::parse("q", query.get("q"))?,
            tag: get("tag").map(|raw| Tag::parse("tag", raw)).transpose()?,
            collection: get("collection").map(|raw| uuid("collection", raw)).transpose()?,
            favorite: get("favorite").map(|raw| boolean("favorite", raw)).transpose()?,
            public: visibility.transpose()?,
            template: get("template").map(|raw| uuid("template", raw)).transpose()?,
            aspect_ratio: aspect_ratio.transpose()?,
            from: get("from").map(|raw| instant("from", raw, Bound::Start)).transpose()?,
            to: get("to").map(|raw| instant("to", raw, Bound::End)).transpose()?,
        };
        if let (Some(from), Some(to)) = (listing.from, listing.to)
            && from > to
        {
            return Err(ApiError::validation("to", "must not be before from"));
        }
        Ok(listing)
    }
}

/// One page of the user's images and its `meta.pagination`. One row more than the page is asked
/// for, so the last page says so (`next_cursor: null`) instead of leading to an empty one.
pub async fn page(app: &App, user: Uuid, listing: &Listing) -> Result<(Vec<Value>, Value), ApiError> {
    let args = json!({
        "p_user": user, "p_limit": listing.limit + 1,
        "p_after_created_at": listing.after.as_ref().map(|c| stamp(c.created_at)),
        "p_after_id": listing.after.as_ref().map(|c| c.id),
        "p_q": listing.q.as_ref().map(SearchTerm::as_str), "p_tag": listing.tag.as_ref().map(Tag::as_str),
        "p_collection": listing.collection, "p_favorite": listing.favorite, "p_public": listing.public,
        "p_template": listing.template, "p_aspect_ratio": listing.aspect_ratio.map(AspectRatio::as_str),
        "p_from": listing.from.map(stamp), "p_to": listing.to.map(stamp),
    });
    let mut rows: Vec<Image> = app.db.fetch(app.db.rpc("gallery_page", &args).select(COLUMNS)).await?;
    let next_cursor = if rows.len() > listing.limit {
        rows.truncate(listing.limit);
        rows.last().map(Cursor::after)
    } else {
        None
    };
    let items = present(app, &rows).await?;
    Ok((items, json!({ "next_cursor": next_cursor, "limit": listing.limit })))
}

/// The keyset of the last image of a page: opaque to clients, base64url of `{created_at}|{id}`.
#[derive(Debug, PartialEq, Eq)]
struct Cursor {
    created_at: OffsetDateTime,
    id: Uuid,
}

impl Cursor {
    /// The cursor that continues after `image`, from the timestamp exactly as the database wrote it.
    fn after(image: &Image) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}|{}", image.created_at, image.id))
    }

    fn parse(raw: &str) -> Result<Self, ApiError> {
        let invalid = || ApiError::validation("cursor", "is not a cursor this API gave out");
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (created_at, id) = text.rsplit_once('|').ok_or_else(invalid)?;
        Ok(Self {
            created_at: OffsetDateTime::parse(created_at, &Rfc3339).map_err(|_| invalid())?,
            id: Uuid::try_parse(id).map_err(|_| invalid())?,
        })
    }
}

#[derive(Clone, Copy)]
enum Bound {
    Start,
    End,
}

/// RFC 3339, or a UTC calendar day that counts whole: from its first microsecond to its last.
fn instant(field: &str, raw: &str, bound: Bound) -> Result<OffsetDateTime, ApiError> {
    if let Ok(at) = OffsetDateTime::parse(raw, &Rfc3339) {
        return Ok(at);
    }
    let day = Date::parse(raw, format_description!("[year]-[month]-[day]"))
        .map_err(|_| ApiError::validation(field, "must be a date (YYYY-MM-DD) or an RFC 3339 time"))?;
    Ok(match bound {
        Bound::Start => day.midnight().assume_utc(),
        Bound::End => day.with_time(time!(23:59:59.999_999)).assume_utc(),
    })
}

fn stamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn uuid(field: &str, raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| ApiError::validation(field, "must be a UUID"))
}

fn boolean(field: &str, raw: &str) -> Result<bool, ApiError> {
    match raw {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::validation(field, "must be true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(raw: &str) -> String {
        let err = Listing::parse(&Query::parse(raw)).expect_err(raw);
        err.body()["details"]["field"].as_str().unwrap_or_default().to_owned()
    }

    #[test]
    fn bad_parameters_are_named() {
        let cases = [
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("limit=ten", "limit"),
            ("cursor=bm90IGEgY3Vyc29y", "cursor"),
            ("cursor=%%%", "cursor"),
            ("collection=42", "collection"),
            ("template=neon", "template"),
            ("favorite=yes", "favorite"),
            ("visibility=friends", "visibility"),
            ("aspect_ratio=2:1", "aspect_ratio"),
            ("from=yesterday", "from"),
            ("to=2026-13-01", "to"),
            ("from=2026-11-27&to=2026-11-26", "to"),
        ];
        for (query, field) in cases {
            assert_eq!(refused(query), field, "{query}");
        }
        assert_eq!(refused(&format!("q={}", "a".repeat(101))), "q");
        assert_eq!(refused(&format!("tag={}", "a".repeat(51))), "tag");
    }

    #[test]
    fn a_day_counts_whole_and_times_are_exact() {
        let listing = Listing::parse(&Query::parse("from=2026-11-26&to=2026-11-26")).unwrap();
        assert_eq!(stamp(listing.from.unwrap()), "2026-11-26T00:00:00Z");
        assert_eq!(stamp(listing.to.unwrap()), "2026-11-26T23:59:59.999999Z");
        let listing = Listing::parse(&Query::parse("to=2026-11-26T10:00:00%2B07:00")).unwrap();
        assert_eq!(stamp(listing.to.unwrap()), "2026-11-26T10:00:00+07:00");
        assert_eq!(Listing::parse(&Query::parse("")).unwrap().limit, DEFAULT_LIMIT);
    }

    #[test]
    fn cursors_round_trip_with_microseconds() {
        let id = Uuid::new_v4();
        let raw = URL_SAFE_NO_PAD.encode(format!("2026-11-26T10:00:00.123456+00:00|{id}"));
        let cursor = Cursor::parse(&raw).unwrap();
        assert_eq!(cursor.id, id);
        assert_eq!(stamp(cursor.created_at), "2026-11-26T10:00:00.123456Z");
    }
}
