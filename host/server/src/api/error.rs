//! One error shape for every API response: `{"error": {"code", "message",
//! "fields"?}}`. Internals (database errors, paths) are logged, never sent.

use crate::platform::RegistryError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use exthost_runtime::FieldError;
use serde_json::json;

#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    Unauthorized,
    Forbidden(String),
    NotFound(String),
    /// The request collides with work in progress (a purge run already going): 409.
    Conflict(String),
    /// Settings refused: 422 with a message per field.
    Invalid(Vec<FieldError>),
    /// A component refused at install, or an extension that failed to start: 422.
    Refused(String),
    PayloadTooLarge(String),
    Internal(String),
}

impl From<RegistryError> for ApiError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::NotFound { .. } => ApiError::NotFound(e.to_string()),
            RegistryError::Invalid(fields) => ApiError::Invalid(fields),
            RegistryError::Install(e) => ApiError::Refused(format!("component refused: {e}")),
            RegistryError::Failed(msg) => ApiError::Refused(format!("the extension failed to start: {msg}")),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, fields) = match self {
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m, None),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "an admin token (Authorization: Bearer ...) or session is required".into(),
                None,
            ),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", m, None),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m, None),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, "conflict", m, None),
            ApiError::Invalid(f) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_settings",
                "settings refused".into(),
                Some(f),
            ),
            ApiError::Refused(m) => (StatusCode::UNPROCESSABLE_ENTITY, "refused", m, None),
            ApiError::PayloadTooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", m, None),
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; see the server log".into(),
                    None,
                )
            }
        };
        let mut body = json!({ "error": { "code": code, "message": message } });
        if let Some(fields) = fields {
            body["error"]["fields"] = json!(fields);
        }
        (status, Json(body)).into_response()
    }
}
