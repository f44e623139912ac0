//! What a request to the stand-in asks for, read the ways Upstash's REST API documents
//! (restapi.mdx "API Semantics", "Pipelining", "Transactions", "Security and Authentication"):
//! the token from `Authorization: Bearer` or `?_token=`, and the commands from a JSON array body,
//! a 2-D array for `/pipeline` and `/multi-exec`, or the path (`/set/foo/bar/EX/100`) with a POST
//! body appended as the last argument and query parameters after it.

use http::{HeaderMap, Method, Uri, header};
use percent_encoding::percent_decode;
use serde_json::Value;

pub type Args = Vec<Vec<u8>>;

/// The commands of one request, by endpoint.
#[derive(Debug)]
pub enum Commands {
    Single(Args),
    Pipeline(Vec<Args>),
    MultiExec(Vec<Args>),
}

impl Commands {
    pub fn all(&self) -> &[Args] {
        match self {
            Self::Single(args) => std::slice::from_ref(args),
            Self::Pipeline(batch) | Self::MultiExec(batch) => batch,
        }
    }
}

/// The token the request carries: the bearer header first, then the `_token` query parameter.
pub fn token(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    let bearer =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    match bearer {
        Some(token) => Some(token.trim().to_owned()),
        None => query(uri).into_iter().find(|(name, _)| name == b"_token").map(|(_, v)| lossy(v)),
    }
}

/// The commands of a request whose method is one Upstash allows. `Err` is the reason, for a 400.
pub fn commands(method: &Method, uri: &Uri, body: &[u8]) -> Result<Commands, String> {
    let path = uri.path().trim_matches('/');
    let posted = *method == Method::POST || *method == Method::PUT;
    match path {
        "" if posted => Ok(Commands::Single(command(&json(body)?)?)),
        "" => Err("send a command: POST a JSON array such as [\"GET\",\"key\"], or use the path /get/key".into()),
        "pipeline" | "multi-exec" if posted => {
            let batch = batch(&json(body)?)?;
            Ok(if path == "pipeline" { Commands::Pipeline(batch) } else { Commands::MultiExec(batch) })
        }
        _ => Ok(Commands::Single(path_style(path, uri, posted.then_some(body)))),
    }
}

fn json(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))
}

/// `[["SET","k","v"], ["GET","k"]]`: a non-empty array of commands.
fn batch(json: &Value) -> Result<Vec<Args>, String> {
    let Value::Array(commands) = json else { return Err(format!("expected an array of commands, got {json}")) };
    if commands.is_empty() {
        return Err("no commands".into());
    }
    commands.iter().map(command).collect()
}

/// `["SET", "k", 1]`: a non-empty array of strings and numbers, each passed on as its text.
/// Objects and booleans are refused: `@upstash/redis` serialises objects to JSON text itself.
fn command(json: &Value) -> Result<Args, String> {
    let Value::Array(args) = json else { return Err(format!("a command must be an array, got {json}")) };
    if args.is_empty() {
        return Err("empty command".into());
    }
    args.iter()
        .map(|arg| match arg {
            Value::String(text) => Ok(text.clone().into_bytes()),
            Value::Number(n) => Ok(n.to_string().into_bytes()),
            other => Err(format!("arguments must be strings or numbers, got {other}")),
        })
        .collect()
}

/// `/set/foo/bar` and `?EX=100`: percent-decoded segments, then a non-empty POST body, then each
/// query parameter as its name and (when given) its value; `_token` is auth, not an argument.
fn path_style(path: &str, uri: &Uri, body: Option<&[u8]>) -> Args {
    let mut args: Args = path.split('/').map(|segment| percent_decode(segment.as_bytes()).collect()).collect();
    if let Some(body) = body.filter(|body| !body.is_empty()) {
        args.push(body.to_vec());
    }
    for (name, value) in query(uri).into_iter().filter(|(name, _)| name != b"_token") {
        args.push(name);
        if !value.is_empty() {
            args.push(value);
        }
    }
    args
}

/// Query parameters, percent-decoded (`+` as a space, as forms write it).
fn query(uri: &Uri) -> Vec<(Vec<u8>, Vec<u8>)> {
    let decode = |raw: &str| -> Vec<u8> { percent_decode(raw.replace('+', " ").as_bytes()).collect() };
    let pairs = uri.query().unwrap_or_default().split('&').filter(|pair| !pair.is_empty());
    pairs
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn lossy(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}
