//! `/api/v1/channels/{id}/sentiment`: how many of a channel's messages the
//! sentiment extension labelled positive, neutral and negative in a time
//! window, for the admin's reports.

use super::auth::Admin;
use super::error::ApiError;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/channels/{id}/sentiment", get(counts))
}

/// The window `[from, to)` in unix milliseconds; open-ended when a bound is absent.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Window {
    from: Option<i64>,
    to: Option<i64>,
}

async fn counts(
    _: Admin,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    window: Result<Query<Window>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    // A malformed window gets the API's error shape, not axum's plain text.
    let Query(window) = window.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let from = window.from.unwrap_or(0);
    let to = window.to.unwrap_or(i64::MAX);
    if from < 0 || to < from {
        return Err(ApiError::BadRequest(
            "`from` and `to` must be unix milliseconds with 0 <= from <= to".into(),
        ));
    }
    let tenant = state.registry.tenant();
    if state.store.get_channel(tenant, &id).await?.is_none() {
        return Err(ApiError::NotFound(format!("channel `{id}` not found")));
    }
    let counts = state.store.sentiment_counts(tenant, &id, from, to).await?;
    Ok(Json(json!({
        "channel_id": id,
        "from": from,
        "to": window.to,
        "counts": { "positive": counts.positive, "neutral": counts.neutral, "negative": counts.negative },
        "total": counts.total(),
    })))
}
