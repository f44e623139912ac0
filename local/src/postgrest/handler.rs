//! The axum entry points: each request is authenticated, parsed, planned and run in one transaction.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};

use super::auth::{self, Identity};
use super::error::ApiError;
use super::exec::{self, Exec};
use super::headers::{self, Shape};
use super::prefer::{Count, Echo, Prefer};
use super::query::QueryParams;
use super::read::{self, Page, Shaping};
use super::response::Kind;
use super::rpc::{self, Args};
use super::schema::Table;
use super::select::SelectItem;
use super::write::{self, Target};
use super::{App, embed, query, schema, select};

/// What every route reads from a request before planning it.
pub struct Request {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pairs: Vec<(String, String)>,
    body: Bytes,
    pub identity: Identity,
    pub shape: Shape,
    pub prefer: Prefer,
    pub profile_sent: bool,
}

impl Request {
    /// Gateway and JWT first (they answer 401 before anything is parsed), then the headers.
    fn new(app: &App, method: Method, uri: &Uri, headers: HeaderMap, body: Bytes) -> Result<Self, ApiError> {
        let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let query_apikey = pairs.iter().find(|(k, _)| k == "apikey").map(|(_, v)| v.clone());
        if app.settings.gateway.is_some() {
            // Kong's key-auth hides the credential: PostgREST never sees `apikey` as a filter.
            pairs.retain(|(k, _)| k != "apikey");
        }
        let identity = auth::identify(&app.settings, &headers, query_apikey.as_deref())?;
        let profile_sent = headers::check_profile(&headers, &method, &app.settings.schema)?;
        let shape = headers::accept(&headers)?;
        let prefer = Prefer::parse(&headers);
        let path = uri.path().to_owned();
        Ok(Self { method, path, headers, pairs, body, identity, shape, prefer, profile_sent })
    }
}

/// `/{table}`: GET/HEAD read, POST inserts or upserts, PATCH updates, DELETE deletes.
pub async fn table(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = match Request::new(&app, method, &uri, headers, body) {
        Ok(request) => table_request(&app, request, &name).await,
        Err(error) => Err(error),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `/rpc/{function}`: POST with a JSON object of arguments, or GET/HEAD with query arguments.
pub async fn rpc(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = match Request::new(&app, method, &uri, headers, body) {
        Ok(request) => rpc_request(&app, request, &name).await,
        Err(error) => Err(error),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn table_request(app: &App, request: Request, name: &str) -> Result<Response, ApiError> {
    if !matches!(request.method, Method::GET | Method::HEAD | Method::POST | Method::PATCH | Method::DELETE) {
        return Err(ApiError::unsupported(&format!("The {} method", request.method)));
    }
    let params = query::parse(&request.pairs, false)?;
    let client = app.pool.get().await.map_err(|e| ApiError::Connection(e.to_string()))?;
    let schema = &app.settings.schema;
    let table = app.schema.table(&client, schema, name).await.map_err(|e| ApiError::from_pg(e, false))?;
    let Some(table) = table else {
        let all = schema::table_names(&client, schema).await.map_err(|e| ApiError::from_pg(e, false))?;
        let hint = super::fuzzy::closest(&all, name).map(|t| format!("Perhaps you meant the table '{schema}.{t}'"));
        return Err(ApiError::NoTable { schema: schema.clone(), table: name.to_owned(), hint });
    };
    let select = match select::parse(params.select.as_deref()) {
        Ok(select) => select,
        Err(refused) => {
            let text = params.select.as_deref().unwrap_or_default();
            return Err(embed::select_error(&client, schema, &table.name, text, refused).await?);
        }
    };
    embed::check_params(&params)?;
    let exec = plan_table(app, &request, &table, &params, &select)?;
    exec::run(app, client, &request, exec).await
}

/// The statement for a table request and how to read its answer.
fn plan_table(
    app: &App,
    request: &Request,
    table: &Table,
    params: &QueryParams,
    select: &[SelectItem],
) -> Result<Exec, ApiError> {
    let schema = &app.settings.schema;
    if matches!(request.method, Method::POST | Method::PATCH) {
        check_body_type(&request.headers)?;
    }
    let target = Target { schema, table, params, select, prefer: &request.prefer, shape: request.shape };
    Ok(match request.method {
        Method::GET | Method::HEAD => {
            let range = headers::range(&request.headers, &request.method)?;
            let page = Page::new(params, range, app.settings.max_rows);
            let count = request.prefer.count;
            let count_cap = match count {
                // PostgREST counts at most max_rows + 1 rows, enough to tell whether the cap was passed.
                Some(Count::Estimated) => app.settings.max_rows.and_then(|m| i64::try_from(m).ok()).map(|m| m + 1),
                _ => None,
            };
            let counted = count.is_some_and(Count::counts_rows);
            let shaping = Shaping { select, params, page, counted, count_cap, shape: request.shape };
            let (sql, count_query) = read::statement(schema, table, &shaping)?;
            let explain = matches!(count, Some(Count::Planned | Count::Estimated)).then_some(count_query);
            Exec { explain, ..Exec::new(sql, None, true, Kind::Read { offset: page.offset }, Echo::Read) }
        }
        Method::POST => {
            let statement = write::insert(&target, &request.body)?;
            let location = (!table.primary_key.is_empty()).then(|| (table.name.clone(), table.primary_key.clone()));
            let upsert = statement.resolution_applied && request.prefer.merge == Some(true);
            let resolution = !table.primary_key.is_empty() || params.on_conflict.is_some();
            let kind = Kind::Insert { upsert, location };
            Exec::new(statement.sql, statement.json, false, kind, Echo::Insert { resolution })
        }
        Method::PATCH => {
            let statement = write::update(&target, &request.body)?;
            Exec { max_affected: true, ..Exec::new(statement.sql, statement.json, false, Kind::Update, Echo::Update) }
        }
        _ => {
            let statement = write::delete(&target)?;
            Exec { max_affected: true, ..Exec::new(statement.sql, statement.json, false, Kind::Delete, Echo::Delete) }
        }
    })
}

/// PostgREST also reads CSV and form bodies; this stand-in reads JSON only, and says so.
fn check_body_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let media = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    match media.split(';').next().unwrap_or_default().trim().to_ascii_lowercase().as_str() {
        "text/csv" => Err(ApiError::unsupported("A CSV request body")),
        "application/x-www-form-urlencoded" => Err(ApiError::unsupported("A form-encoded request body")),
        _ => Ok(()),
    }
}

async fn rpc_request(app: &App, request: Request, name: &str) -> Result<Response, ApiError> {
    let from_query = match request.method {
        Method::GET | Method::HEAD => true,
        Method::POST => false,
        ref other => return Err(ApiError::RpcMethod(other.to_string())),
    };
    let schema = &app.settings.schema;
    let params = query::parse(&request.pairs, from_query)?;
    let args = match from_query {
        true => Args::from_query(&params.args),
        false => Args::from_body(&request.body, params.columns.as_deref())?,
    };
    let client = app.pool.get().await.map_err(|e| ApiError::Connection(e.to_string()))?;
    let functions = app.schema.functions(&client, schema, name).await.map_err(|e| ApiError::from_pg(e, false))?;
    let function = match rpc::resolve(&functions, schema, name, &args, !from_query) {
        Err(ApiError::NoFunction { message, details, .. }) if functions.is_empty() => {
            let all = schema::function_names(&client, schema).await.map_err(|e| ApiError::from_pg(e, false))?;
            return Err(ApiError::NoFunction { message, details, hint: rpc::name_hint(schema, &all, name) });
        }
        other => other?,
    };
    if request.prefer.max_affected().is_some() && !function.returns_set {
        return Err(ApiError::MaxAffectedSingle);
    }
    let select = select::parse(params.select.as_deref())?;
    embed::check_params(&params)?;
    let range = headers::range(&request.headers, &request.method)?;
    let page = Page::new(&params, range, app.settings.max_rows);
    // A function's result is counted exactly for `exact` and `estimated`; `planned` gives no total.
    let counted = request.prefer.count.is_some_and(Count::counts_rows);
    let shaping = Shaping { select: &select, params: &params, page, counted, count_cap: None, shape: request.shape };
    let (sql, binds, kind) = rpc::statement(schema, function, &args, &shaping)?;
    // A STABLE/IMMUTABLE function cannot write, so PostgREST runs it read-only even over POST.
    let read_only = from_query || !function.volatile;
    let exec = Exec { max_affected: true, ..Exec::new(sql, binds.then_some(args.json), read_only, kind, Echo::Call) };
    exec::run(app, client, &request, exec).await
}
