//! `/api/v1/extensions/{id}/purge-runs`: an admin starts a purge run of a purge
//! extension now, real or dry (counts only, nothing deleted), and follows it:
//! the latest run, or one run by id, with its counts so far and its state.

use super::auth::Admin;
use super::error::ApiError;
use super::json::ApiJson;
use crate::platform::purge::{self, PurgeError};
use crate::state::AppState;
use crate::store::StartedBy;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/extensions/{id}/purge-runs", post(start))
        .route("/extensions/{id}/purge-runs/latest", get(latest))
        .route("/extensions/{id}/purge-runs/{run}", get(show))
}

impl From<PurgeError> for ApiError {
    fn from(e: PurgeError) -> Self {
        match e {
            PurgeError::NotFound(_) => ApiError::NotFound(e.to_string()),
            PurgeError::NotAPurger(_) => ApiError::Refused(e.to_string()),
            PurgeError::Busy => ApiError::Conflict(e.to_string()),
            PurgeError::Store(e) => e.into(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StartBody {
    #[serde(default)]
    dry_run: bool,
}

async fn start(
    Admin(actor): Admin,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StartBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (run, _task) = purge::start(&state, &id, body.dry_run, StartedBy::Admin).await?;
    tracing::info!(run = %run.id, extension = %id, %actor, dry_run = body.dry_run, "purge run started by an admin");
    Ok((StatusCode::ACCEPTED, Json(json!(run))))
}

async fn latest(_: Admin, State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    match state.store.latest_purge_run(&state.config.tenant, &id).await? {
        Some(run) => Ok(Json(json!(run))),
        None => Err(ApiError::NotFound(format!("extension `{id}` has no purge run"))),
    }
}

async fn show(
    _: Admin,
    State(state): State<Arc<AppState>>,
    Path((id, run)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    match state.store.get_purge_run(&state.config.tenant, &run).await? {
        Some(found) if found.extension_id == id => Ok(Json(json!(found))),
        _ => Err(ApiError::NotFound(format!(
            "purge run `{run}` of extension `{id}` not found"
        ))),
    }
}
