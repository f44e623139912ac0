//! `GET /api/gallery`: the query string parsed into a [`Listing`], one call of the SQL function
//! `gallery_page` (search, filters and keyset in one indexed statement), and the page's cursor.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::macros::{format_description, time};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::image::{COLUMNS, Image, present};
use super::tags::Tag;
use super::window::{Window, stamp, storable};
use crate::app::App;
use crate::domain::AspectRatio;
use crate::domain::SearchTerm;
use crate::domain::generation::ASPECT_RATIOS;
use crate::error::ApiError;
use crate::http::Query;

/// A page request: where to start, how many, and what to keep.
#[derive(Debug)]
pub struct Listing {
    window: Window,
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
        let visibility = get("visibility").map(|v| match v {
            "public" => Ok(true),
            "private" => Ok(false),
            _ => Err(ApiError::validation("visibility", "must be public or private")),
        });
        let aspect_ratio = get("aspect_ratio").map(|raw| {
            AspectRatio::parse(raw)
                .filter(|ratio| ASPECT_RATIOS.contains(ratio))
                .ok_or_else(|| ApiError::validation("aspect_ratio", "must be 1:1, 16:9, 9:16, 4:3 or 3:4"))
        });
        let listing = Self {
            window: Window::parse(query)?,
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

    /// A collection's images, unfiltered: what a visitor of a shared collection pages through.
    pub fn of_collection(collection: Uuid, window: Window) -> Self {
        Self {
            window,
            q: None,
            tag: None,
            collection: Some(collection),
            favorite: None,
            public: None,
            template: None,
            aspect_ratio: None,
            from: None,
            to: None,
        }
    }
}

/// One page of the user's images and its `meta.pagination`.
pub async fn page(app: &App, user: Uuid, listing: &Listing) -> Result<(Vec<Value>, Value), ApiError> {
    let (rows, pagination) = rows::<Image>(app, user, listing, COLUMNS, |i| (&i.created_at, i.id)).await?;
    Ok((present(app, &rows).await?, pagination))
}

/// One page of `gallery_page` as `T` with `columns` selected, and its `meta.pagination`; `key` is
/// a row's `created_at` and id.
pub async fn rows<T: DeserializeOwned>(
    app: &App,
    user: Uuid,
    listing: &Listing,
    columns: &str,
    key: impl Fn(&T) -> (&str, Uuid),
) -> Result<(Vec<T>, Value), ApiError> {
    let window = &listing.window;
    let (after_created_at, after_id) = window.after();
    let args = json!({
        "p_user": user, "p_limit": window.fetch_limit(),
        "p_after_created_at": after_created_at, "p_after_id": after_id,
        "p_q": listing.q.as_ref().map(SearchTerm::as_str), "p_tag": listing.tag.as_ref().map(Tag::as_str),
        "p_collection": listing.collection, "p_favorite": listing.favorite, "p_public": listing.public,
        "p_template": listing.template, "p_aspect_ratio": listing.aspect_ratio.map(AspectRatio::as_str),
        "p_from": listing.from.map(stamp), "p_to": listing.to.map(stamp),
    });
    let mut rows: Vec<T> = app.db.fetch(app.db.rpc("gallery_page", &args).select(columns)).await?;
    let pagination = window.paginate(&mut rows, key);
    Ok((rows, pagination))
}

#[derive(Clone, Copy)]
enum Bound {
    Start,
    End,
}

/// RFC 3339, or a UTC calendar day that counts whole: from its first microsecond to its last.
fn instant(field: &str, raw: &str, bound: Bound) -> Result<OffsetDateTime, ApiError> {
    let invalid = || ApiError::validation(field, "must be a date (YYYY-MM-DD) or an RFC 3339 time, years 1 to 9999");
    let at = match OffsetDateTime::parse(raw, &Rfc3339) {
        Ok(at) => at,
        Err(_) => {
            let day = Date::parse(raw, format_description!("[year]-[month]-[day]")).map_err(|_| invalid())?;
            match bound {
                Bound::Start => day.midnight().assume_utc(),
                Bound::End => day.with_time(time!(23:59:59.999_999)).assume_utc(),
            }
        }
    };
    if storable(at) { Ok(at) } else { Err(invalid()) }
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
            // PostgreSQL reads no year 0 and RFC 3339 writes no negative year: these were 500s.
            ("from=0000-01-01", "from"),
            ("to=0000-12-31T23:00:00Z", "to"),
            ("from=-0001-01-01", "from"),
            ("to=%2B10000-01-01", "to"),
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
    }
}
