//! Deleting an account: every stored object first, then every row, so a failure part-way leaves
//! something to retry, never an orphaned object. The account is disabled while it goes, so none of
//! its credentials works and nothing new is created meanwhile; if a step fails it is enabled again,
//! so its owner can still sign in and retry.

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::common::account_by_id;
use crate::app::App;
use crate::auth::password;
use crate::error::ApiError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delete {
    password: String,
}

#[derive(Deserialize)]
struct Object {
    bucket: String,
    path: String,
}

pub async fn delete(app: &App, user: Uuid, body: Delete) -> Result<Value, ApiError> {
    let account = account_by_id(app, user).await?;
    if !password::verify(body.password, Some(account.password_hash)).await? {
        return Err(ApiError::validation("password", "is not your password"));
    }
    set_disabled(app, user, true).await?;
    match delete_everything(app, user).await {
        Ok(objects) => Ok(json!({ "deleted": true, "objects_deleted": objects })),
        Err(err) => {
            // Only an enabled account can authenticate, so only an enabled one reaches this
            // point: enabling it again restores it as it was. If that fails too, the account stays
            // disabled (safe) and the first failure is the one worth reporting.
            let _restored = set_disabled(app, user, false).await;
            Err(err)
        }
    }
}

/// Removes the account's objects, then its row; every other row goes with it (foreign keys cascade,
/// sessions and API keys included). Returns how many objects there were.
async fn delete_everything(app: &App, user: Uuid) -> Result<usize, ApiError> {
    let objects: Vec<Object> = app.db.fetch(app.db.rpc("account_objects", &json!({ "p_user": user }))).await?;
    for (kind, bucket) in [("private", app.storage.private_bucket()), ("public", app.storage.public_bucket())] {
        let paths: Vec<&str> = objects.iter().filter(|o| o.bucket == kind).map(|o| o.path.as_str()).collect();
        if !paths.is_empty() {
            app.storage.delete(bucket, &paths).await?;
        }
    }
    app.db.run(app.db.from("users").eq("id", user.to_string()).delete()).await?;
    Ok(objects.len())
}

async fn set_disabled(app: &App, user: Uuid, disabled: bool) -> Result<(), ApiError> {
    let change = json!({ "is_disabled": disabled });
    app.db.run(app.db.from("users").eq("id", user.to_string()).update(change.to_string())).await?;
    Ok(())
}
