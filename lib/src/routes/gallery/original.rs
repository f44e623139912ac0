//! An image's original as downloads and exports hand it out: where it is stored, the file name it
//! gets (from its title, else its prompt), and the description that goes with it in an export's
//! `metadata.json`.

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::filename::FileName;
use super::image::{Made, not_found};
use crate::app::App;
use crate::error::ApiError;

/// The columns a download or an export reads.
pub const COLUMNS: &str = "id,prompt,negative_prompt,template_id,aspect_ratio,quality,model,seed,title,alt_text,\
tags,width,height,bytes,mime_type,storage_path,published_at,created_at,updated_at";

#[derive(Debug, Deserialize)]
pub struct Original {
    pub id: Uuid,
    #[serde(flatten)]
    made: Made,
    aspect_ratio: String,
    width: Option<u32>,
    height: Option<u32>,
    /// The stored original's size; rows from before sizes were recorded have none.
    pub bytes: Option<i64>,
    /// `image/webp`, or `image/png` for originals stored before they were WebP.
    pub mime_type: String,
    /// In the private bucket: `original.webp`, or `original.png` from before.
    pub storage_path: String,
    published_at: Option<String>,
    pub created_at: String,
    updated_at: String,
}

impl Original {
    /// The caller's image `id`; anyone else's is "not found".
    pub async fn own(app: &App, user: Uuid, id: Uuid) -> Result<Self, ApiError> {
        let query =
            app.db.from("generated_images").select(COLUMNS).eq("id", id.to_string()).eq("user_id", user.to_string());
        app.db.first(query).await?.ok_or_else(not_found)
    }

    /// The file name: the title if it has one, else the prompt.
    pub fn file_name(&self) -> FileName {
        FileName::new(self.made.title.as_deref().unwrap_or(&self.made.prompt), self.id)
    }

    /// The extension of the stored file, which an export hands out as it is.
    pub fn extension(&self) -> &'static str {
        if self.mime_type == "image/webp" { "webp" } else { "png" }
    }

    /// The image as `metadata.json` describes it, stored in the archive as `file`.
    pub fn describe(&self, file: &str) -> Value {
        json!({
            "file": file, "id": self.id, "title": self.made.title, "alt_text": self.made.alt_text,
            "tags": self.made.tags, "prompt": self.made.prompt, "negative_prompt": self.made.negative_prompt,
            "parameters": {
                "template_id": self.made.template_id, "aspect_ratio": self.aspect_ratio,
                "quality": self.made.quality, "model": self.made.model, "seed": self.made.seed,
            },
            "width": self.width, "height": self.height, "bytes": self.bytes, "mime_type": self.mime_type,
            "created_at": self.created_at, "updated_at": self.updated_at, "published_at": self.published_at,
        })
    }
}
