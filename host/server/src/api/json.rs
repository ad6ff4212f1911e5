//! Body extractors whose refusals use the API's error shape: JSON bodies, and
//! raw bytes (component uploads). A body over the limit is a 413, not a 400.

use super::error::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

fn too_large(status: StatusCode) -> Option<ApiError> {
    (status == StatusCode::PAYLOAD_TOO_LARGE)
        .then(|| ApiError::PayloadTooLarge("the request body is larger than the server accepts".into()))
}

/// A raw body, e.g. an uploaded `.wasm`.
pub struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(ApiBytes)
            .map_err(|e: BytesRejection| {
                too_large(e.status())
                    .unwrap_or_else(|| ApiError::BadRequest("the request body could not be read".into()))
            })
    }
}

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(ApiError::BadRequest("expected Content-Type: application/json".into()))
            }
            Err(e) => Err(too_large(e.status())
                .unwrap_or_else(|| ApiError::BadRequest(format!("malformed JSON body: {}", e.body_text())))),
        }
    }
}
