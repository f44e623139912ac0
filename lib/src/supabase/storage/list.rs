//! `Storage::list`: one level of a bucket's folder, as `POST /object/list/{bucket}` returns it.

use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Storage, StorageError, segment};

/// Entries asked for per list call (Storage caps a page at 1500); a shorter page is the last.
pub const LIST_LIMIT: usize = 1000;

/// One entry directly below the listed folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Listed {
    /// A sub-folder (Storage has no folder objects: it exists through the objects below it).
    Folder { name: String },
    /// An object, with when it was created (`None` if Storage did not say).
    File { name: String, created_at: Option<OffsetDateTime> },
}

impl Listed {
    pub fn name(&self) -> &str {
        match self {
            Self::Folder { name } | Self::File { name, .. } => name,
        }
    }
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    /// Null for a folder.
    id: Option<String>,
    created_at: Option<String>,
}

impl Storage {
    /// The entries directly below `prefix` (`""` for the bucket's root, else without a trailing
    /// `/`), sorted by name, at most [`LIST_LIMIT`] from `offset`: page on while a page is full.
    pub async fn list(&self, bucket: &str, prefix: &str, offset: usize) -> Result<Vec<Listed>, StorageError> {
        let body = json!({
            "prefix": prefix,
            "limit": LIST_LIMIT,
            "offset": offset,
            "sortBy": { "column": "name", "order": "asc" },
        });
        let request = self.request(reqwest::Method::POST, &format!("/object/list/{}", segment(bucket))).json(&body);
        let entries: Vec<Entry> = self.json(request).await?;
        Ok(entries.into_iter().map(listed).collect())
    }
}

fn listed(entry: Entry) -> Listed {
    match entry.id {
        None => Listed::Folder { name: entry.name },
        Some(_) => {
            let created_at = entry.created_at.and_then(|at| OffsetDateTime::parse(&at, &Rfc3339).ok());
            Listed::File { name: entry.name, created_at }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_folders_from_files() {
        let entries: Vec<Entry> = serde_json::from_value(json!([
            { "name": "a1", "id": null, "created_at": null, "metadata": null },
            { "name": "original.png", "id": "0b6e", "created_at": "2026-11-20T08:15:00.123Z", "metadata": {} },
        ]))
        .unwrap();
        let listed: Vec<Listed> = entries.into_iter().map(listed).collect();
        assert_eq!(listed[0], Listed::Folder { name: "a1".into() });
        let created = OffsetDateTime::parse("2026-11-20T08:15:00.123Z", &Rfc3339).unwrap();
        assert_eq!(listed[1], Listed::File { name: "original.png".into(), created_at: Some(created) });
    }
}
