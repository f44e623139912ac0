//! The axum entry points: each request is authenticated, parsed, planned and run in one transaction.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};

use super::auth::{self, Identity};
use super::error::ApiError;
use super::headers::{self, Prefer, Shape};
use super::query::QueryParams;
use super::read::{self, Page, Shaping};
use super::response::{self, Context, Kind, Outcome};
use super::rpc::{self, Args};
use super::schema::Table;
use super::select::SelectItem;
use super::write::{self, Target};
use super::{App, query, select, tx};

/// What every route reads from a request before planning it.
pub struct Request {
    method: Method,
    path: String,
    headers: HeaderMap,
    pairs: Vec<(String, String)>,
    body: Bytes,
    identity: Identity,
    shape: Shape,
    prefer: Prefer,
    profile_sent: bool,
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
        let prefer = Prefer::parse(&headers)?;
        let path = uri.path().to_owned();
        Ok(Self { method, path, headers, pairs, body, identity, shape, prefer, profile_sent })
    }
}

/// A planned statement: its SQL, its JSON parameter and the transaction mode it needs.
struct Exec {
    sql: String,
    json: Option<String>,
    read_only: bool,
}

impl From<write::Statement> for Exec {
    fn from(statement: write::Statement) -> Self {
        Self { sql: statement.sql, json: statement.json, read_only: false }
    }
}

/// `/{table}`: GET reads, POST inserts or upserts, PATCH updates, DELETE deletes.
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

/// `/rpc/{function}`: POST with a JSON object of arguments, or GET with query arguments.
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
    if !matches!(request.method, Method::GET | Method::POST | Method::PATCH | Method::DELETE) {
        return Err(ApiError::unsupported(&format!("The {} method", request.method)));
    }
    let params = query::parse(&request.pairs, false)?;
    let select = select::parse(params.select.as_deref())?;
    let client = app.pool.get().await.map_err(|e| ApiError::Connection(e.to_string()))?;
    let schema = &app.settings.schema;
    let table = app.schema.table(&client, schema, name).await.map_err(|e| ApiError::from_pg(e, false))?;
    let table = table.ok_or_else(|| ApiError::NoTable { schema: schema.clone(), table: name.to_owned() })?;
    let (exec, kind, resolution_applied) = plan_table(app, &request, &table, &params, &select)?;
    run(app, client, &request, exec, kind, resolution_applied).await
}

/// The statement for a table request, how to read its answer, and whether a resolution applied.
fn plan_table(
    app: &App,
    request: &Request,
    table: &Table,
    params: &QueryParams,
    select: &[SelectItem],
) -> Result<(Exec, Kind, bool), ApiError> {
    let schema = &app.settings.schema;
    let target = Target { schema, table, params, select, prefer: &request.prefer, shape: request.shape };
    Ok(match request.method {
        Method::GET => {
            let range = headers::range(&request.headers, &request.method)?;
            let page = Page::new(params, range, app.settings.max_rows);
            let counted = request.prefer.count.is_some();
            let shaping = Shaping { select, params, page, counted, shape: request.shape };
            let sql = read::statement(schema, table, &shaping)?;
            (Exec { sql, json: None, read_only: true }, Kind::Read { offset: page.offset }, false)
        }
        Method::POST => {
            let statement = write::insert(&target, &request.body)?;
            let location = (!table.primary_key.is_empty()).then(|| (table.name.clone(), table.primary_key.clone()));
            let applied = statement.resolution_applied;
            (Exec::from(statement), Kind::Insert { upsert: applied, location }, applied)
        }
        Method::PATCH => (Exec::from(write::update(&target, &request.body)?), Kind::Update, false),
        _ => (Exec::from(write::delete(&target)?), Kind::Delete, false),
    })
}

async fn rpc_request(app: &App, request: Request, name: &str) -> Result<Response, ApiError> {
    let from_query = match request.method {
        Method::GET => true,
        Method::POST => false,
        Method::HEAD => return Err(ApiError::unsupported("The HEAD method")),
        ref other => return Err(ApiError::RpcMethod(other.to_string())),
    };
    let schema = &app.settings.schema;
    let params = query::parse(&request.pairs, from_query)?;
    let args = if from_query { Args::from_query(&params.args) } else { Args::from_body(&request.body)? };
    let client = app.pool.get().await.map_err(|e| ApiError::Connection(e.to_string()))?;
    let functions = app.schema.functions(&client, schema, name).await.map_err(|e| ApiError::from_pg(e, false))?;
    let function = rpc::resolve(&functions, schema, name, &args)?;
    let select = select::parse(params.select.as_deref())?;
    let range = headers::range(&request.headers, &request.method)?;
    let page = Page::new(&params, range, app.settings.max_rows);
    let shaping = Shaping {
        select: &select,
        params: &params,
        page,
        counted: request.prefer.count.is_some(),
        shape: request.shape,
    };
    let (sql, binds, kind) = rpc::statement(schema, function, &args, &shaping)?;
    // A STABLE/IMMUTABLE function cannot write, so PostgREST runs it read-only even over POST.
    let read_only = from_query || !function.volatile;
    let exec = Exec { sql, json: binds.then_some(args.json), read_only };
    run(app, client, &request, exec, kind, false).await
}

/// Runs `exec` in the request's transaction; any error (including PGRST116) rolls it back.
async fn run(
    app: &App,
    mut client: deadpool_postgres::Client,
    request: &Request,
    exec: Exec,
    kind: Kind,
    resolution_applied: bool,
) -> Result<Response, ApiError> {
    let anon = request.identity.is_anon(&app.settings);
    let info = tx::RequestInfo {
        method: request.method.as_str(),
        path: &request.path,
        headers: &request.headers,
        identity: &request.identity,
        anon,
        schema: &app.settings.schema,
    };
    let tx = tx::begin(&mut client, exec.read_only, &info).await?;
    let row = match &exec.json {
        Some(json) => tx.query_one(&exec.sql, &[json]).await,
        None => tx.query_one(&exec.sql, &[]).await,
    }
    .map_err(|e| ApiError::from_pg(e, anon))?;
    let profile = request.profile_sent.then_some(app.settings.schema.as_str());
    let context = Context { kind, shape: request.shape, prefer: &request.prefer, resolution_applied, profile };
    let mut response = response::render(&context, Outcome::from_row(&row))?;
    let (status, headers) = tx::overrides(&tx, anon).await?;
    response::apply_overrides(&mut response, status, headers);
    tx.commit().await.map_err(|e| ApiError::from_pg(e, anon))?;
    Ok(response)
}
