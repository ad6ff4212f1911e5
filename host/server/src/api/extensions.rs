//! `/api/v1/extensions`: the admin's table of enabled extensions (Add, edit
//! with the pencil, Save, Delete) and `/api/v1/components`: what can be added,
//! with each settings schema, plus uploads of new components.

use super::auth::Admin;
use super::error::ApiError;
use super::json::{ApiBytes, ApiJson};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/extensions", get(list).post(add))
        .route("/extensions/{id}", get(show).put(edit).delete(remove))
        .route("/components", get(components).post(upload))
}

async fn list(_: Admin, State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(json!({ "extensions": state.registry.list() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddBody {
    /// The component's name (e.g. `ip-filter`) or id (content hash).
    extension: String,
    #[serde(default = "empty_object")]
    settings: Value,
    #[serde(default = "yes")]
    enabled: bool,
}

fn empty_object() -> Value {
    json!({})
}

fn yes() -> bool {
    true
}

async fn add(
    Admin(actor): Admin,
    State(state): State<Arc<AppState>>,
    ApiJson(body): ApiJson<AddBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let view = state
        .registry
        .add(&body.extension, body.settings, body.enabled, Some(&actor))
        .await?;
    Ok((StatusCode::CREATED, Json(json!(view))))
}

async fn show(_: Admin, State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(state.registry.get(&id)?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EditBody {
    settings: Value,
    enabled: Option<bool>,
}

async fn edit(
    Admin(actor): Admin,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EditBody>,
) -> Result<Json<Value>, ApiError> {
    if !body.settings.is_object() {
        return Err(ApiError::BadRequest("`settings` must be a JSON object".into()));
    }
    Ok(Json(json!(
        state
            .registry
            .update(&id, body.settings, body.enabled, Some(&actor))
            .await?
    )))
}

async fn remove(
    Admin(actor): Admin,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.registry.delete(&id, Some(&actor)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn components(_: Admin, State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
    let components: Vec<Value> = state
        .registry
        .components()
        .await?
        .into_iter()
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.name,
                "version": c.version,
                "title": c.title,
                "description": c.manifest.get("description"),
                "settings_schema": c.manifest.get("config_schema"),
                "capabilities": c.manifest.get("capabilities"),
                "builtin": c.builtin,
            })
        })
        .collect();
    Ok(Json(json!({ "components": components })))
}

/// Upload a component: the raw `.wasm` bytes as the body.
async fn upload(
    Admin(actor): Admin,
    State(state): State<Arc<AppState>>,
    ApiBytes(body): ApiBytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let meta = state.registry.upload(body.to_vec(), Some(&actor)).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": meta.id, "name": meta.name, "version": meta.version })),
    ))
}
