//! Sign-out: the session ends first, then the browser goes to the signed-out
//! page. That page passes the on-request hooks like any other, so an SSO
//! extension with a remote logout URL sends the browser there; otherwise the
//! platform says it is signed out. (Redirecting in on-request on `/logout`
//! itself would skip ending the session.)

use super::{SIGNED_OUT_PATH, html, session};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub async fn logout(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    match session::end(&state, &headers).await {
        Ok(clear) => (
            StatusCode::SEE_OTHER,
            [
                (header::SET_COOKIE, clear),
                (header::LOCATION, HeaderValue::from_static(SIGNED_OUT_PATH)),
            ],
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "logout failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

pub async fn signed_out() -> Response {
    html::signed_out()
}
