//! Agent sessions: a random token in an HttpOnly, SameSite=Lax cookie (Secure
//! when the platform is served over https), stored only as its hash. The admin
//! API accepts the same cookie (`api::auth`), so the cookie never leaves the
//! platform's origin on a cross-site POST.

use crate::api::auth::{SESSION_COOKIE, token_hash};
use crate::secrets::random_bytes;
use crate::state::AppState;
use crate::store::{Session, now_ms};
use axum::http::HeaderMap;
use axum::http::HeaderValue;

/// How long a login lasts.
const TTL_MS: i64 = 12 * 60 * 60 * 1000;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Random(#[from] crate::secrets::SecretError),
    #[error("the cookie could not be written")]
    Header,
}

/// The session token the browser presented, if any.
pub fn presented(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|c| c.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, v)| *k == SESSION_COOKIE && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

/// The user id of the live session the request carries, if any. A store
/// failure reads as "no session": the visitor is asked to log in again.
pub async fn user_id(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let token = presented(headers)?;
    match state
        .store
        .get_session(state.registry.tenant(), &token_hash(&token), now_ms())
        .await
    {
        Ok(session) => session.map(|s| s.user_id),
        Err(e) => {
            tracing::warn!(error = %e, "session lookup failed");
            None
        }
    }
}

fn cookie(state: &AppState, value: &str, max_age_secs: i64) -> Result<HeaderValue, SessionError> {
    let secure = if state.config.base_url().starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let text = format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&text).map_err(|_| SessionError::Header)
}

/// Start a session for `user_id`; the `Set-Cookie` value to send.
pub async fn start(state: &AppState, user_id: &str) -> Result<HeaderValue, SessionError> {
    let token = hex::encode(random_bytes::<32>()?);
    let now = now_ms();
    let session = Session {
        token_hash: token_hash(&token),
        user_id: user_id.to_string(),
        created_at: now,
        expires_at: now + TTL_MS,
    };
    state.store.insert_session(state.registry.tenant(), &session).await?;
    cookie(state, &token, TTL_MS / 1000)
}

/// End the request's session (if any); the `Set-Cookie` value that clears it.
pub async fn end(state: &AppState, headers: &HeaderMap) -> Result<HeaderValue, SessionError> {
    if let Some(token) = presented(headers) {
        state
            .store
            .delete_session(state.registry.tenant(), &token_hash(&token))
            .await?;
    }
    cookie(state, "", 0)
}
