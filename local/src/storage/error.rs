//! The stand-in's one error type: Storage's legacy body `{statusCode, code, error, message}`, sent
//! with HTTP 400 unless `statusCode` is 500 (storage `src/internal/errors/storage-error.ts`).

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::json;

#[derive(Debug)]
pub struct StorageError {
    /// The body's `statusCode`: the status the error "means"; the transport status is 400.
    status: u16,
    code: &'static str,
    error: &'static str,
    message: String,
    /// The few routes that override the legacy 400 (render's FeatureNotEnabled is a real 403).
    transport: Option<StatusCode>,
}

impl StorageError {
    fn new(status: u16, code: &'static str, error: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, error, message: message.into(), transport: None }
    }

    pub fn no_such_key() -> Self {
        Self::new(404, "NoSuchKey", "not_found", "Object not found")
    }

    pub fn no_such_bucket() -> Self {
        Self::new(404, "NoSuchBucket", "Bucket not found", "Bucket not found")
    }

    pub fn key_exists() -> Self {
        Self::new(409, "KeyAlreadyExists", "Duplicate", "The resource already exists")
    }

    pub fn bucket_exists() -> Self {
        Self::new(409, "BucketAlreadyExists", "Duplicate", "The resource already exists")
    }

    /// Moving onto an existing key: the unique index answers, not the uploader.
    pub fn resource_exists() -> Self {
        Self::new(409, "ResourceAlreadyExists", "Duplicate", "The resource already exists")
    }

    /// `DELETE /bucket/{id}` while objects remain (storage `ERRORS.BucketNotEmpty`).
    pub fn bucket_not_empty() -> Self {
        Self::new(409, "ResourceNotEmpty", "ResourceNotEmpty", "The bucket you tried to delete is not empty")
    }

    /// A row pointed at a bucket that does not exist (the foreign key of `storage.objects`).
    pub fn related_not_found() -> Self {
        Self::new(404, "InvalidRequest", "InvalidRequest", "The related resource does not exist")
    }

    /// A bucket update that changes nothing, or an upload without a file.
    pub fn no_content() -> Self {
        Self::new(400, "InvalidRequest", "InvalidRequest", "No content provided")
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(403, "AccessDenied", "Unauthorized", message)
    }

    /// Routes reserved to `service_role` (`POST /bucket/{id}/empty`): a real 403.
    pub fn invalid_role() -> Self {
        let mut err = Self::access_denied("Access denied: Invalid role");
        err.transport = Some(StatusCode::FORBIDDEN);
        err
    }

    /// What row-level security says to a role without policies on `storage.objects` (all but
    /// `service_role` here: the project's migrations add none).
    pub fn rls_denied() -> Self {
        Self::access_denied("new row violates row-level security policy")
    }

    pub fn invalid_mime(mime: &str) -> Self {
        Self::new(415, "InvalidMimeType", "invalid_mime_type", format!("mime type {mime} is not supported"))
    }

    pub fn too_large() -> Self {
        Self::new(413, "EntityTooLarge", "Payload too large", "The object exceeded the maximum allowed size")
    }

    pub fn invalid_key(key: &str) -> Self {
        Self::new(400, "InvalidKey", "InvalidKey", format!("Invalid key: {key}"))
    }

    pub fn invalid_bucket_name() -> Self {
        Self::new(400, "InvalidBucketName", "Invalid Input", "Bucket name invalid")
    }

    pub fn invalid_jwt(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidJWT", "InvalidJWT", message)
    }

    pub fn invalid_signature() -> Self {
        Self::new(400, "InvalidSignature", "InvalidSignature", "Invalid signature")
    }

    /// A signed-URL token of the other kind (an upload token on a download URL, or back).
    pub fn wrong_scope(scope: &str) -> Self {
        Self::new(400, "InvalidSignature", "InvalidSignature", format!("Token is not scoped for {scope}"))
    }

    /// A `file_size_limit` that is neither bytes nor like `20MB` (storage `InvalidFileSizeLimit`).
    pub fn invalid_file_size_limit() -> Self {
        let message = "Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B";
        Self::new(400, "InvalidRequest", "InvalidRequest", message)
    }

    /// A request that breaks the route's schema: fastify's validation error, whose `error` is the
    /// thrown `Error`'s name (storage `src/http/error-handler.ts`).
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidRequest", "Error", message)
    }

    /// Something the real Storage has that this stand-in does not: said plainly, never faked.
    pub fn unimplemented(what: impl std::fmt::Display) -> Self {
        Self::invalid_request(format!("{what} is not implemented by the local Storage stand-in"))
    }

    /// Hosted Free-plan answer for image transformations, which the product does not use.
    pub fn feature_not_enabled() -> Self {
        let mut err = Self::new(403, "FeatureNotEnabled", "FeatureNotEnabled", "feature not enabled for this tenant");
        err.transport = Some(StatusCode::FORBIDDEN);
        err
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::new(500, "InternalError", "internal", format!("Internal Server Error: {cause}"))
    }
}

impl From<std::io::Error> for StorageError {
    fn from(err: std::io::Error) -> Self {
        Self::internal(err)
    }
}

impl IntoResponse for StorageError {
    fn into_response(self) -> Response {
        let transport = self.transport.unwrap_or(if self.status == 500 {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::BAD_REQUEST
        });
        let body = json!({
            "statusCode": self.status.to_string(),
            "code": self.code,
            "error": self.error,
            "message": self.message,
        });
        (transport, Json(body)).into_response()
    }
}
