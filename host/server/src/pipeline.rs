//! The request pipeline: every HTTP request (but `/healthz`, so load balancers
//! can probe a node that filters them) passes the on-request hooks of the
//! enabled extensions, in the admin's order, before routing. The first hook
//! that does not `continue` decides. Hooks are microseconds, bounded by their
//! deadline, and fail closed; the chain runs on a blocking thread because a
//! hook may call `kv`, which waits on the database (see `platform::kv`). The
//! request carries the logged-in agent (`session-user`), so an SSO extension
//! can tell visitors from agents.

use crate::state::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use exthost_runtime::types::RequestDecision;
use exthost_runtime::{HookContext, HttpRequest};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;

pub async fn on_request(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    // A purge gives way and stands aside while any request is served.
    let _serving = state.store.serving();
    let chain = state.registry.request_chain();
    if chain.is_empty() || request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    let hook_request = Arc::new(HttpRequest {
        method: request.method().as_str().to_string(),
        path: request.uri().path().to_string(),
        query: request.uri().query().unwrap_or("").to_string(),
        headers: request
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        peer_addr: peer,
        body: Vec::new(),
        session_user: crate::web::session::user_id(&state, request.headers()).await,
    });
    let ctx = HookContext {
        now: u64::try_from(crate::store::now_ms()).unwrap_or(0),
        request_id: crate::store::new_id(),
    };
    let decided = {
        let hook_request = hook_request.clone();
        tokio::task::spawn_blocking(move || {
            chain
                .iter()
                .map(|ext| (ext.id().to_string(), ext.filter_request(&ctx, &hook_request)))
                .find(|(_, decision)| !matches!(decision, RequestDecision::Continue))
        })
        .await
    };
    let (ext, decision) = match decided {
        Ok(Some(decided)) => decided,
        Ok(None) => return next.run(request).await,
        Err(e) => {
            // Fail closed: a chain that did not finish lets nothing through.
            tracing::error!(error = %e, "the on-request chain did not finish");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match decision {
        // `find` above keeps only decisions other than `continue`.
        RequestDecision::Continue => next.run(request).await,
        RequestDecision::Deny(reason) => {
            tracing::info!(extension = %ext, %reason, path = %hook_request.path, "request denied");
            let body = json!({ "error": { "code": "forbidden", "message": "access denied" } });
            (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
        }
        RequestDecision::Redirect(location) => match HeaderValue::from_str(&location) {
            Ok(v) => (StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, v)]).into_response(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        RequestDecision::Respond(r) => respond(r),
    }
}

fn respond(r: exthost_runtime::types::HttpResponse) -> Response {
    let mut response = Response::new(Body::from(r.body));
    *response.status_mut() = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (k, v) in r.headers {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::try_from(v)) {
            response.headers_mut().append(k, v);
        }
    }
    response
}
