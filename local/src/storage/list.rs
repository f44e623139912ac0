//! `POST /object/list/{bucket}`: one level below a folder prefix, files and sub-folders, matched
//! case-insensitively, sorted and paged like `storage.search` (migration 0063).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method};
use serde::Deserialize;
use serde_json::{Value, json};

use super::App;
use super::error::StorageError;
use super::objects::json_call;
use super::store::{Meta, rfc3339};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Search {
    prefix: String,
    #[serde(default = "default_limit")]
    limit: usize,
    #[serde(default)]
    offset: usize,
    #[serde(default)]
    sort_by: SortBy,
    #[serde(default)]
    search: String,
}

#[derive(Deserialize)]
struct SortBy {
    #[serde(default = "default_column")]
    column: String,
    #[serde(default = "default_order")]
    order: String,
}

impl Default for SortBy {
    fn default() -> Self {
        Self { column: default_column(), order: default_order() }
    }
}

fn default_limit() -> usize {
    100
}

fn default_column() -> String {
    "name".into()
}

fn default_order() -> String {
    "asc".into()
}

/// A file (with its record) or a sub-folder (without one) one level below the prefix.
struct Entry {
    name: String,
    meta: Option<Meta>,
}

pub async fn list(
    State(app): State<Arc<App>>,
    method: Method,
    Path(bucket): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        let (caller, search): (_, Search) =
            json_call(&app, &method, (Method::POST, "/object/list/{bucket}"), &headers, &body)?;
        if !["name", "updated_at", "created_at", "last_accessed_at"].contains(&search.sort_by.column.as_str()) {
            return Err(StorageError::invalid_request(
                "sortBy/column must be name, updated_at, created_at or last_accessed_at",
            ));
        }
        // Without policies on storage.objects, other roles list nothing.
        let objects = if caller.is_service() { app.store.all(&bucket).await? } else { Vec::new() };
        let mut entries = one_level(objects, &search);
        sort(&mut entries, &search.sort_by);
        let page: Vec<Value> =
            entries.into_iter().skip(search.offset).take(search.limit.min(1500)).map(render).collect();
        Ok(Json(Value::Array(page)).into_response())
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

fn one_level(objects: Vec<(String, Meta)>, search: &Search) -> Vec<Entry> {
    let mut folder = search.prefix.clone();
    if !folder.is_empty() && !folder.ends_with('/') {
        folder.push('/');
    }
    let wanted = format!("{folder}{}", search.search).to_ascii_lowercase();
    let mut entries: Vec<Entry> = Vec::new();
    for (name, meta) in objects {
        if !name.to_ascii_lowercase().starts_with(&wanted) {
            continue;
        }
        let rest = &name[folder.len()..];
        match rest.split_once('/') {
            Some((sub, _)) if entries.iter().any(|e| e.meta.is_none() && e.name == sub) => {}
            Some((sub, _)) => entries.push(Entry { name: sub.to_owned(), meta: None }),
            None => entries.push(Entry { name: rest.to_owned(), meta: Some(meta) }),
        }
    }
    entries
}

fn sort(entries: &mut [Entry], by: &SortBy) {
    let time = |e: &Entry| match (by.column.as_str(), &e.meta) {
        ("created_at", Some(m)) => Some(m.created_at),
        ("updated_at" | "last_accessed_at", Some(m)) => Some(m.updated_at),
        _ => None,
    };
    entries.sort_by(|a, b| time(a).cmp(&time(b)).then_with(|| a.name.cmp(&b.name)));
    if by.order.eq_ignore_ascii_case("desc") {
        entries.reverse();
    }
}

fn render(entry: Entry) -> Value {
    match entry.meta {
        Some(meta) => json!({
            "name": entry.name, "id": meta.id, "updated_at": rfc3339(meta.updated_at),
            "created_at": rfc3339(meta.created_at), "last_accessed_at": rfc3339(meta.updated_at),
            "metadata": meta.json(),
        }),
        None => json!({
            "name": entry.name, "id": null, "updated_at": null, "created_at": null,
            "last_accessed_at": null, "metadata": null,
        }),
    }
}
