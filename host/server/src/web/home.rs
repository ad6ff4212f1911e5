//! The home page: the protected page of the login surface. Without a session
//! the visitor is sent to the login page with `return_to`, where an SSO
//! extension that is the default authentication takes over (on-request).

use super::{LOGIN_PATH, html, return_to, session};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub async fn home(State(state): State<Arc<AppState>>, uri: Uri, headers: HeaderMap) -> Response {
    let user = match session::user_id(&state, &headers).await {
        Some(id) => state.store.get_user(state.registry.tenant(), &id).await,
        None => Ok(None),
    };
    match user {
        Ok(Some(user)) => html::home(&user.name, &user.email),
        Ok(None) => {
            let here = uri.path_and_query().map_or("/", |p| p.as_str());
            let location = format!("{LOGIN_PATH}?return_to={}", return_to::encode(here));
            (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "home: user lookup failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
