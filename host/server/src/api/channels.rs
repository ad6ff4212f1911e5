//! `/api/v1/channels`: the channels (Engage's sources) messages are posted on.
//! Creating one creates its community when missing, so a fresh platform (or a
//! test) can be set up in one call per channel.

use super::auth::Admin;
use super::error::ApiError;
use super::json::ApiJson;
use crate::state::AppState;
use crate::store::{Channel, Community, StoreError, new_id, now_ms};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/channels", get(list).post(create))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewChannel {
    /// Chosen by the caller, or generated.
    id: Option<String>,
    name: String,
    /// The source type, e.g. `chat`, `email`.
    #[serde(default = "chat")]
    kind: String,
    community_id: String,
    /// The name of the community if it is created; defaults to its id.
    community_name: Option<String>,
}

fn chat() -> String {
    "chat".into()
}

fn channel_json(c: &Channel) -> Value {
    json!({ "id": c.id, "community_id": c.community_id, "name": c.name, "kind": c.kind, "created_at": c.created_at })
}

/// A duplicate id is the caller's mistake, not an internal error.
fn refused(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict { what, .. } => ApiError::Refused(format!("{what} already exists")),
        other => other.into(),
    }
}

async fn list(_: Admin, State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
    let channels = state.store.list_channels(state.registry.tenant()).await?;
    Ok(Json(
        json!({ "channels": channels.iter().map(channel_json).collect::<Vec<_>>() }),
    ))
}

async fn create(
    _: Admin,
    State(state): State<Arc<AppState>>,
    ApiJson(body): ApiJson<NewChannel>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if body.community_id.is_empty() || body.name.is_empty() || body.id.as_deref() == Some("") {
        return Err(ApiError::BadRequest(
            "`community_id`, `name` and `id` must not be empty".into(),
        ));
    }
    let tenant = state.registry.tenant();
    let now = now_ms();
    if state.store.get_community(tenant, &body.community_id).await?.is_none() {
        let community = Community {
            id: body.community_id.clone(),
            name: body.community_name.unwrap_or_else(|| body.community_id.clone()),
            created_at: now,
        };
        // A concurrent call may have created it meanwhile; that is as good.
        match state.store.insert_community(tenant, &community).await {
            Ok(()) | Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let channel = Channel {
        id: body.id.unwrap_or_else(new_id),
        community_id: body.community_id,
        name: body.name,
        kind: body.kind,
        created_at: now,
    };
    state.store.insert_channel(tenant, &channel).await.map_err(refused)?;
    Ok((StatusCode::CREATED, Json(channel_json(&channel))))
}
