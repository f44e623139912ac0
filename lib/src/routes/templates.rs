//! `/api/templates`: the curated style templates, public and cacheable by the CDN.
//!
//! - `GET /api/templates?category=&q=`: active templates, featured first, then sort order, then name.
//! - `GET /api/templates/categories`: the categories with their number of active templates.
//! - `GET /api/templates/{id or slug}`: one active template.

use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::app::App;
use crate::domain::{SearchTerm, Slug, TemplateRef};
use crate::error::ApiError;
use crate::http::{Body, Cached, Meta, Request, Router, json_response};
use crate::supabase::quote_filter_value;

#[derive(Clone, Copy)]
enum Endpoint {
    List,
    Categories,
    One,
}

static ROUTER: Router<Endpoint> = Router::new(&[
    (Method::GET, "/api/templates", Endpoint::List),
    (Method::GET, "/api/templates/categories", Endpoint::Categories),
    (Method::GET, "/api/templates/:id", Endpoint::One),
]);

/// This function's routes, for the published API description.
pub(super) fn routes() -> Vec<(Method, &'static str)> {
    ROUTER.routes()
}

/// Templates change when the operator edits the seed: browsers keep them a minute, the CDN five,
/// and the CDN may serve a stale copy for a day while it refetches.
const CACHED: Cached = Cached::Public { max_age: 60, s_maxage: 300, stale_while_revalidate: 86_400 };

const COLUMNS: &str = "id,slug,category,name_en,name_id,description_en,description_id,prompt_prefix,\
prompt_suffix,negative_prompt,default_aspect_ratio,preview_url,is_featured,sort_order,usage_count";

/// A style template as the API shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Template {
    pub id: Uuid,
    pub slug: String,
    pub category: String,
    pub name_en: String,
    pub name_id: String,
    pub description_en: String,
    pub description_id: String,
    pub prompt_prefix: String,
    pub prompt_suffix: String,
    pub negative_prompt: String,
    pub default_aspect_ratio: Option<String>,
    pub preview_url: Option<String>,
    pub is_featured: bool,
    pub sort_order: i32,
    pub usage_count: i64,
}

/// A category with its number of active templates.
#[derive(Debug, Serialize, Deserialize)]
pub struct Category {
    pub slug: String,
    pub name_en: String,
    pub name_id: String,
    pub description_en: Option<String>,
    pub description_id: Option<String>,
    pub sort_order: i32,
    pub template_count: i64,
}

pub async fn handle<B>(app: &App, req: Request<B>) -> Result<http::Response<Body>, ApiError> {
    let (endpoint, params) = ROUTER.resolve(&req.method, &req.path)?;
    let meta = Meta::new(&req.request_id);
    match endpoint {
        Endpoint::List => {
            let category = req.query.get("category").map(|c| Slug::parse("category", c)).transpose()?;
            let term = SearchTerm::parse("q", req.query.get("q"))?;
            let templates = list(app, category.as_ref(), term.as_ref()).await?;
            Ok(json_response(StatusCode::OK, templates, meta, CACHED))
        }
        Endpoint::Categories => {
            let categories: Vec<Category> =
                app.db.fetch(app.db.rpc("template_categories_with_counts", &json!({}))).await?;
            Ok(json_response(StatusCode::OK, categories, meta, CACHED))
        }
        Endpoint::One => {
            let reference = TemplateRef::parse("id", &params[0])?;
            let template =
                one(app, &reference).await?.ok_or_else(|| ApiError::NotFound(format!("no template {}", params[0])))?;
            Ok(json_response(StatusCode::OK, template, meta, CACHED))
        }
    }
}

async fn list(app: &App, category: Option<&Slug>, term: Option<&SearchTerm>) -> Result<Vec<Template>, ApiError> {
    let mut query = app.db.from("style_templates").select(COLUMNS).eq("is_active", "true");
    if let Some(category) = category {
        query = query.eq("category", category.as_str());
    }
    if let Some(term) = term {
        let pattern = quote_filter_value(&term.literal_regex());
        let searched = ["slug", "name_en", "name_id", "description_en", "description_id"];
        let any: Vec<String> = searched.iter().map(|col| format!("{col}.imatch.{pattern}")).collect();
        query = query.or(any.join(","));
    }
    // One `order` call: postgrest-rs appends a second `order` parameter instead of extending it.
    let query = query.order("is_featured.desc,sort_order.asc,name_en.asc");
    Ok(app.db.fetch(query).await?)
}

async fn one(app: &App, reference: &TemplateRef) -> Result<Option<Template>, ApiError> {
    let query = app.db.from("style_templates").select(COLUMNS).eq("is_active", "true");
    let query = match reference {
        TemplateRef::Id(id) => query.eq("id", id.to_string()),
        TemplateRef::Slug(slug) => query.eq("slug", slug.as_str()),
    };
    Ok(app.db.first(query).await?)
}
