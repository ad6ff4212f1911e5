//! `/api/v1/events`: the admin audit log, newest first.

use super::auth::Admin;
use super::error::ApiError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/events", get(list))
}

#[derive(Deserialize)]
struct Filter {
    /// Only events whose name starts with this, e.g. `extension.`.
    prefix: Option<String>,
    limit: Option<u32>,
}

async fn list(
    _: Admin,
    State(state): State<Arc<AppState>>,
    Query(filter): Query<Filter>,
) -> Result<Json<Value>, ApiError> {
    let limit = filter.limit.unwrap_or(100).min(1000);
    let events = state
        .store
        .list_events(state.registry.tenant(), filter.prefix.as_deref(), limit)
        .await?;
    let events: Vec<Value> = events
        .into_iter()
        .map(|e| json!({ "id": e.id, "name": e.name, "actor": e.actor, "payload": e.payload, "created_at": e.created_at }))
        .collect();
    Ok(Json(json!({ "events": events })))
}
