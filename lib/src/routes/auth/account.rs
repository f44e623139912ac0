//! Deleting an account: every stored object first, then every row, so a failure part-way leaves
//! something to retry, never an orphaned object. The account is disabled and signed out before
//! anything is deleted, so nothing new is created while it goes.

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::common::{account_by_id, now, timestamp};
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
    let stamp = timestamp(now());
    let disable = json!({ "is_disabled": true });
    app.db.run(app.db.from("users").eq("id", user.to_string()).update(disable.to_string())).await?;
    let signed_out = json!({ "revoked_at": stamp, "revoked_reason": "account_deleted" });
    let sessions = app.db.from("sessions").eq("user_id", user.to_string()).is("revoked_at", "null");
    app.db.run(sessions.update(signed_out.to_string())).await?;

    let objects: Vec<Object> = app.db.fetch(app.db.rpc("account_objects", &json!({ "p_user": user }))).await?;
    for (kind, bucket) in [("private", app.storage.private_bucket()), ("public", app.storage.public_bucket())] {
        let paths: Vec<&str> = objects.iter().filter(|o| o.bucket == kind).map(|o| o.path.as_str()).collect();
        if !paths.is_empty() {
            app.storage.delete(bucket, &paths).await?;
        }
    }
    // Every other row of the account goes with it (foreign keys cascade).
    app.db.run(app.db.from("users").eq("id", user.to_string()).delete()).await?;
    Ok(json!({ "deleted": true, "objects_deleted": objects.len() }))
}
