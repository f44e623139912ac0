//! Deleting an account: every stored object first, then every row, so a failure part-way leaves
//! something to retry, never an orphaned object. The account stays as it was until its row goes,
//! so whichever step fails (the database's included), its owner can still sign in and retry. The
//! row goes only through `account_delete`, which deletes it once every object the account owns has
//! been removed, and otherwise hands back the objects recorded meanwhile, to be removed first.

use http::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::common::account_by_id;
use super::guesses;
use crate::app::App;
use crate::auth::password;
use crate::error::ApiError;

/// Rounds of removing what `account_delete` hands back: the first lists everything; more are
/// needed only while the account's other requests keep recording images.
const ROUNDS: usize = 4;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delete {
    password: String,
}

#[derive(Deserialize, Serialize)]
struct Object {
    bucket: String,
    path: String,
}

pub async fn delete(app: &App, headers: &HeaderMap, user: Uuid, body: Delete) -> Result<Value, ApiError> {
    let account = account_by_id(app, user).await?;
    // Limited like a login: a stolen session must not become a way to guess the password.
    let guess = guesses::begin(app, headers, &account.email).await?;
    if !password::verify(body.password, Some(account.password_hash)).await? {
        return Err(ApiError::validation("password", "is not your password"));
    }
    guess.succeeded(app).await;
    let mut removed: Vec<Object> = Vec::new();
    for _ in 0..ROUNDS {
        let args = json!({ "p_user": user, "p_removed": removed });
        let left: Vec<Object> = app.db.fetch(app.db.rpc("account_delete", &args)).await?;
        if left.is_empty() {
            return Ok(json!({ "deleted": true, "objects_deleted": removed.len() }));
        }
        remove(app, &left).await?;
        removed.extend(left);
    }
    Err(ApiError::Conflict("the account kept changing while it was being deleted: try again".into()))
}

/// Removes `objects` from the bucket each is in.
async fn remove(app: &App, objects: &[Object]) -> Result<(), ApiError> {
    for (kind, bucket) in [("private", app.storage.private_bucket()), ("public", app.storage.public_bucket())] {
        let paths: Vec<&str> = objects.iter().filter(|o| o.bucket == kind).map(|o| o.path.as_str()).collect();
        if !paths.is_empty() {
            app.storage.delete(bucket, &paths).await?;
        }
    }
    Ok(())
}
