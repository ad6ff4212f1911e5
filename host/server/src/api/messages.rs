//! `/api/v1/messages`, `/api/v1/threads/{id}/messages` and
//! `/api/v1/interventions`: message ingest over HTTP. Posting a customer
//! message or an agent reply and closing an intervention run the on-message
//! hooks of the enabled extensions (see `platform::ingest`); the answers show
//! what the hooks decided. For now the admin token is the API credential.

use super::auth::Admin;
use super::error::ApiError;
use super::json::ApiJson;
use crate::platform::ingest::{self, IngestError, OpenIntervention, PostMessage, Verdict};
use crate::state::AppState;
use crate::store::{Author, Intervention, Message};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::Arc;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/messages", post(create))
        .route("/threads/{id}/messages", get(thread))
        .route("/interventions", post(open))
        .route("/interventions/{id}/close", post(close))
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::NotFound { .. } => ApiError::NotFound(e.to_string()),
            IngestError::Refused(message) => ApiError::Refused(message),
            IngestError::Store(e) => e.into(),
        }
    }
}

/// The author mirrors the request's shape, by id only.
fn message_json(m: &Message) -> Value {
    let author = match &m.author {
        Author::Customer(identity) => json!({ "customer": { "identity_id": identity } }),
        Author::Agent(user) => json!({ "agent": user }),
    };
    json!({
        "id": m.id, "thread_id": m.thread_id, "channel_id": m.channel_id, "author": author,
        "body": m.body, "created_at": m.created_at,
        "moderation": m.moderation.as_str(), "annotations": m.annotations,
    })
}

fn intervention_json(i: &Intervention) -> Value {
    json!({
        "id": i.id, "thread_id": i.thread_id, "agent_id": i.user_id, "identity_id": i.identity_id,
        "opened_at": i.opened_at, "closed_at": i.closed_at,
    })
}

fn verdict_json(v: &Verdict) -> Value {
    json!({ "annotations": v.annotations, "moderation": v.moderation.as_str() })
}

async fn create(
    _: Admin,
    State(state): State<Arc<AppState>>,
    ApiJson(body): ApiJson<PostMessage>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let message = ingest::post_message(&state, body).await?;
    Ok((StatusCode::CREATED, Json(message_json(&message))))
}

async fn thread(_: Admin, State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let tenant = state.registry.tenant();
    if state.store.get_thread(tenant, &id).await?.is_none() {
        return Err(ApiError::NotFound(format!("thread `{id}` not found")));
    }
    let messages = state.store.list_messages(tenant, &id).await?;
    let messages: Vec<Value> = messages.iter().map(message_json).collect();
    Ok(Json(json!({ "thread_id": id, "messages": messages })))
}

async fn open(
    _: Admin,
    State(state): State<Arc<AppState>>,
    ApiJson(body): ApiJson<OpenIntervention>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let intervention = ingest::open_intervention(&state, body).await?;
    Ok((StatusCode::CREATED, Json(intervention_json(&intervention))))
}

/// Closing again answers 200 with `closed_now: false` and no outcome: no hook ran.
async fn close(_: Admin, State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let closed = ingest::close_intervention(&state, &id).await?;
    Ok(Json(json!({
        "intervention": intervention_json(&closed.intervention),
        "closed_now": closed.outcome.is_some(),
        "outcome": closed.outcome.as_ref().map(verdict_json),
    })))
}
