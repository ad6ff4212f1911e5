//! Admin authentication: a bearer token (or, once logged in, the session
//! cookie) whose hash names a live session of an admin user.

use super::error::ApiError;
use crate::state::AppState;
use crate::store::{Role, now_ms};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The cookie that carries a browser session.
pub const SESSION_COOKIE: &str = "exthost_session";

/// The hash under which a token is stored: only hashes reach the database.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// An authenticated admin, by user id.
pub struct Admin(pub String);

fn presented_token(parts: &Parts) -> Option<String> {
    let headers = &parts.headers;
    if let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
        return auth.strip_prefix("Bearer ").map(|t| t.trim().to_string());
    }
    let cookies = headers.get_all("cookie").iter().filter_map(|v| v.to_str().ok());
    cookies
        .flat_map(|c| c.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_string())
}

impl FromRequestParts<Arc<AppState>> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let token = presented_token(parts)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Unauthorized)?;
        let tenant = state.registry.tenant();
        let user = state
            .store
            .get_user_by_session(tenant, &token_hash(&token), now_ms())
            .await?
            .ok_or(ApiError::Unauthorized)?;
        if user.role != Role::Admin {
            return Err(ApiError::Forbidden("admins only".into()));
        }
        Ok(Admin(user.id))
    }
}
