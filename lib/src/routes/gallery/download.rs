//! `GET /api/gallery/{id}/download?format=png|jpeg|webp&metadata=keep|strip`: the caller's original
//! in the asked format (PNG by default), with its generation parameters (the default) or with no
//! metadata at all, as an attachment named after its title or prompt.
//!
//! `keep`: PNG as stored (the parameters in `iTXt` chunks); JPEG with an XMP `APP1` segment; WebP
//! in the extended format with an `XMP ` chunk. `strip`: no text, EXIF or XMP in any format.
//! JPEG and WebP are encoded at quality 90. The file is made whole (off the async threads), then
//! counted (`download_count`, a `download` usage row) and streamed. Each counts against the
//! user's per-minute download limit (`volume`).

use serde_json::json;
use uuid::Uuid;

use super::original::Original;
use crate::app::App;
use crate::auth::principal::Principal;
use crate::error::ApiError;
use crate::http::stream::{chunked, file_response};
use crate::http::{Body, Query};
use crate::imaging::{self, Format};
use crate::routes::usage::{self, Action};

/// What the caller asked for.
#[derive(Debug, PartialEq, Eq)]
pub struct Wanted {
    format: Format,
    keep_metadata: bool,
}

impl Wanted {
    pub fn parse(query: &Query) -> Result<Self, ApiError> {
        let get = |name: &str| query.get(name).map(str::trim).filter(|v| !v.is_empty());
        let format = match get("format") {
            None => Format::Png,
            Some(raw) => {
                Format::parse(raw).ok_or_else(|| ApiError::validation("format", "must be png, jpeg or webp"))?
            }
        };
        let keep_metadata = match get("metadata").map(str::to_ascii_lowercase).as_deref() {
            None | Some("keep") => true,
            Some("strip") => false,
            Some(_) => return Err(ApiError::validation("metadata", "must be keep or strip")),
        };
        Ok(Self { format, keep_metadata })
    }
}

pub async fn download(
    app: &App,
    who: &Principal,
    id: Uuid,
    wanted: Wanted,
    request_id: &str,
) -> Result<http::Response<Body>, ApiError> {
    super::volume::download(app, who.user_id).await?;
    let original = Original::own(app, who.user_id, id).await?;
    let stored = app.storage.download(app.storage.private_bucket(), &original.storage_path).await?;
    // A stored original that will not convert passed every check when it was generated: our fault.
    let file = imaging::convert_blocking(stored.bytes, wanted.format, wanted.keep_metadata)
        .await
        .map_err(ApiError::internal)?;
    count(app, who.user_id, id).await?;
    let metadata = if wanted.keep_metadata { "keep" } else { "strip" };
    let details = json!({ "format": wanted.format.as_str(), "metadata": metadata, "bytes": file.len() });
    // Counted: a lost usage row must not fail a download that has been counted.
    usage::record_or_log(app, Some(who), Action::Download, Some(id), details).await;
    let disposition = original.file_name().disposition(wanted.format.extension());
    Ok(file_response(chunked(file), wanted.format.content_type(), disposition, request_id))
}

/// One more download of the image; an image deleted meanwhile is "not found".
async fn count(app: &App, user: Uuid, id: Uuid) -> Result<(), ApiError> {
    let counted: Vec<i64> =
        app.db.fetch(app.db.rpc("gallery_count_download", &json!({ "p_user": user, "p_image": id }))).await?;
    if counted.is_empty() { Err(super::image::not_found()) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<Wanted, ApiError> {
        Wanted::parse(&Query::parse(query))
    }

    #[test]
    fn png_with_its_parameters_unless_asked_otherwise() {
        assert_eq!(parse("").unwrap(), Wanted { format: Format::Png, keep_metadata: true });
        assert_eq!(parse("format=JPEG&metadata=strip").unwrap(), Wanted { format: Format::Jpeg, keep_metadata: false });
        assert_eq!(parse("format=webp&metadata=keep").unwrap(), Wanted { format: Format::Webp, keep_metadata: true });
    }

    #[test]
    fn bad_choices_name_their_parameter() {
        for (query, field) in
            [("format=gif", "format"), ("format=png&metadata=none", "metadata"), ("metadata=1", "metadata")]
        {
            assert_eq!(parse(query).unwrap_err().body()["details"]["field"], field, "{query}");
        }
    }
}
