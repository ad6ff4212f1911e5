//! The admin API under `/api/v1`: JSON in and out, admin authentication on
//! every route but the OpenAPI document, one error shape. Each module exports
//! its own `router()`.

pub mod auth;
mod channels;
pub mod error;
mod events;
mod extensions;
mod json;
mod messages;
mod openapi;
mod purge;
mod sentiment;

use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::sync::Arc;

pub fn router(max_upload_bytes: usize) -> Router<Arc<AppState>> {
    Router::new()
        .merge(extensions::router())
        .merge(events::router())
        .merge(channels::router())
        .merge(messages::router())
        .merge(sentiment::router())
        .merge(purge::router())
        .merge(openapi::router())
        .layer(DefaultBodyLimit::max(max_upload_bytes))
}
