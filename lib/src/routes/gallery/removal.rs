//! `DELETE /api/gallery/{id}`: the stored objects first (published copies, then the original and
//! its derivatives), then the row. A storage failure stops before the row goes, so the image stays
//! listed and a retry completes; no object is ever left without a row pointing at it.
//! Collection links go with the row (cascade); children keep existing (their parent becomes null);
//! the prompt history is not tied to images and stays.

use serde_json::{Value, json};
use uuid::Uuid;

use super::image::{Image, own};
use crate::app::App;
use crate::error::ApiError;

pub async fn delete(app: &App, user: Uuid, id: Uuid) -> Result<Value, ApiError> {
    let image = own(app, user, id).await?;
    delete_objects(app, std::slice::from_ref(&image)).await?;
    let query = app.db.from("generated_images").eq("id", id.to_string()).eq("user_id", user.to_string()).delete();
    app.db.run(query).await?;
    Ok(json!({ "id": id, "deleted": true }))
}

/// Every stored object of `images`: the published copies, then the originals and derivatives, one
/// Storage call per bucket (bulk delete removes up to 100 images' objects this way).
pub(super) async fn delete_objects(app: &App, images: &[Image]) -> Result<(), ApiError> {
    let public: Vec<&str> = images.iter().flat_map(Image::public_objects).collect();
    if !public.is_empty() {
        app.storage.delete(app.storage.public_bucket(), &public).await?;
    }
    let mut private: Vec<&str> =
        images.iter().flat_map(|i| i.private_objects().into_iter().map(|(_, path)| path)).collect();
    // An original standing in for a gallery size is listed twice.
    private.sort_unstable();
    private.dedup();
    if !private.is_empty() {
        app.storage.delete(app.storage.private_bucket(), &private).await?;
    }
    Ok(())
}
