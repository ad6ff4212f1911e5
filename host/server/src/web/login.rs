//! Login attempts. The password form, the JWT callback and the SAML assertion
//! consumer service all run the on-login chain first (the password itself is never passed to extensions);
//! an extension's refusal ends the attempt: its redirect (the remote login URL
//! with `error=`), or a debug page when it asks to show the detail. An accepted
//! SSO claim is matched against agents by its `match-order`; an unknown agent
//! goes back to the login page with `user_not_found`, where the SSO extension
//! may send it on to its remote login, or, when the claim asks for detail (the
//! extension's DEBUG mode), gets a page naming the id that matched nobody. Success starts a session and sends the
//! browser to `return_to` if it is a local path, else home.

use super::hooks::{self, Outcome};
use super::{LOGIN_PATH, html, return_to, session};
use crate::bootstrap;
use crate::state::AppState;
use crate::store::User;
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{Extensions, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use exthost_runtime::Hook;
use exthost_runtime::types::{IdField, LoginClaim, LoginMethod, LoginRefusal};
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

fn peer(extensions: &Extensions) -> String {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default()
}

fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
        Err(_) => internal("a redirect location is not a valid header"),
    }
}

fn internal(what: &str) -> Response {
    tracing::error!(what, "login failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// Log `user` in and send the browser on.
async fn logged_in(state: &AppState, user: &User, return_to: Option<&str>) -> Response {
    match session::start(state, &user.id).await {
        Ok(cookie) => {
            let location = return_to::local_path(return_to);
            tracing::info!(user = %user.id, "agent logged in");
            match HeaderValue::from_str(&location) {
                Ok(location) => (
                    StatusCode::SEE_OTHER,
                    [(header::SET_COOKIE, cookie), (header::LOCATION, location)],
                )
                    .into_response(),
                Err(_) => internal("return_to is not a valid header"),
            }
        }
        Err(e) => internal(&e.to_string()),
    }
}

fn refused(extension: &str, r: LoginRefusal) -> Response {
    // The detail may name a token's claims; it is for the admin's DEBUG page and the log.
    tracing::info!(extension, code = %r.code, detail = %r.detail, "login refused");
    if r.show_detail {
        return html::debug_refusal(&r.code, &r.detail);
    }
    match r.redirect_to {
        Some(location) => see_other(&location),
        None => html::login(StatusCode::UNAUTHORIZED, Some(&r.code), "/", false),
    }
}

#[derive(Deserialize)]
pub struct FormQuery {
    error: Option<String>,
    return_to: Option<String>,
}

/// Whether an SSO extension is enabled: one that vouches for logins and can
/// send a browser to its identity provider (it exports on-login and on-request).
fn sso_enabled(state: &AppState) -> bool {
    state
        .registry
        .login_chain()
        .iter()
        .any(|e| e.hooks().contains(Hook::OnRequest))
}

/// GET /login: the password form (an SSO extension may have redirected already).
pub async fn form(
    State(state): State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
    Query(q): Query<FormQuery>,
) -> Response {
    if session::user_id(&state, &headers).await.is_some() {
        return see_other(&return_to::local_path(q.return_to.as_deref()));
    }
    let status = if q.error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    html::login(
        status,
        q.error.as_deref(),
        &return_to::local_path(q.return_to.as_deref()),
        sso_enabled(&state),
    )
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    return_to: Option<String>,
}

/// A hash to verify against when the email is unknown, so both cases take as long.
fn decoy_hash() -> Option<&'static str> {
    static DECOY: OnceLock<Option<String>> = OnceLock::new();
    DECOY
        .get_or_init(|| bootstrap::hash_password("decoy-password-never-valid").ok())
        .as_deref()
}

/// POST /login: a password attempt.
pub async fn password(
    State(state): State<Arc<AppState>>,
    extensions: Extensions,
    Form(f): Form<PasswordForm>,
) -> Response {
    let email = f.email.trim().to_lowercase();
    let mut params = vec![("login".to_string(), email.clone())];
    if let Some(r) = &f.return_to {
        params.push(("return_to".into(), r.clone()));
    }
    match hooks::on_login(&state, LoginMethod::Password, params, peer(&extensions)).await {
        Ok(Outcome::Refuse { extension, refusal }) => return refused(&extension, refusal),
        // An extension cannot vouch for a password it never saw: accept counts as pass.
        Ok(Outcome::Accept { .. } | Outcome::NoOpinion) => {}
        Err(e) => return internal(&e.to_string()),
    }
    let user = match state.store.get_user_by_email(state.registry.tenant(), &email).await {
        Ok(user) => user,
        Err(e) => return internal(&e.to_string()),
    };
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .or_else(|| decoy_hash().map(str::to_string));
    let known = user.as_ref().is_some_and(|u| u.password_hash.is_some());
    let password = f.password;
    // Argon2 takes tens of milliseconds of CPU: off the async workers.
    let verified = tokio::task::spawn_blocking(move || {
        hash.as_deref()
            .and_then(|h| PasswordHash::new(h).ok())
            .is_some_and(|h| {
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
    })
    .await
    .unwrap_or(false);
    match user {
        Some(user) if known && verified => logged_in(&state, &user, f.return_to.as_deref()).await,
        _ => html::login(
            StatusCode::UNAUTHORIZED,
            Some("bad_credentials"),
            &return_to::local_path(f.return_to.as_deref()),
            sso_enabled(&state),
        ),
    }
}

/// The agent a claim names, trying its fields in order.
async fn find_agent(state: &AppState, claim: &LoginClaim) -> crate::store::Result<Option<User>> {
    let tenant = state.registry.tenant();
    for field in &claim.match_order {
        let found = match field {
            IdField::JwtExternalId => {
                state
                    .store
                    .get_user_by_jwt_external_id(tenant, &claim.external_id)
                    .await?
            }
            IdField::ExternalId => state.store.get_user_by_external_id(tenant, &claim.external_id).await?,
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// What the DEBUG page says when a claim matched no agent: the id, and every
/// field it was tried against, so the admin can see which record to fix.
fn no_agent_detail(claim: &LoginClaim) -> String {
    let fields: Vec<&str> = claim
        .match_order
        .iter()
        .map(|f| match f {
            IdField::JwtExternalId => "JWT external id",
            IdField::ExternalId => "external id",
        })
        .collect();
    format!(
        "No agent has `{}` as {}.",
        claim.external_id,
        if fields.is_empty() {
            "any id".to_string()
        } else {
            fields.join(" or ")
        }
    )
}

/// GET /users/auth/jwt/callback?jwt=...&return_to=...
pub async fn jwt_callback(
    State(state): State<Arc<AppState>>,
    extensions: Extensions,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    sso_callback(&state, LoginMethod::Jwt, params, peer(&extensions)).await
}

/// POST /users/auth/saml/callback with the form fields SAMLResponse and
/// RelayState; the route caps the body before the form is read. The host does
/// no SAML: the on-login chain (the saml-sso extension) judges the response.
pub async fn saml_callback(
    State(state): State<Arc<AppState>>,
    extensions: Extensions,
    Form(params): Form<Vec<(String, String)>>,
) -> Response {
    sso_callback(&state, LoginMethod::Saml, params, peer(&extensions)).await
}

/// An SSO callback: the chain's claim names an agent, or the attempt is refused.
async fn sso_callback(state: &AppState, method: LoginMethod, params: Vec<(String, String)>, peer: String) -> Response {
    let outcome = match hooks::on_login(state, method, params, peer).await {
        Ok(outcome) => outcome,
        Err(e) => return internal(&e.to_string()),
    };
    match outcome {
        Outcome::NoOpinion => html::login(StatusCode::NOT_FOUND, Some("sso_not_enabled"), "/", false),
        Outcome::Refuse { extension, refusal } => refused(&extension, refusal),
        Outcome::Accept { extension, claim } => match find_agent(state, &claim).await {
            Ok(Some(user)) => logged_in(state, &user, claim.return_to.as_deref()).await,
            Ok(None) => {
                tracing::info!(%extension, external_id = %claim.external_id, "login refused: user_not_found");
                if claim.show_detail {
                    return html::debug_refusal("user_not_found", &no_agent_detail(&claim));
                }
                see_other(&format!("{LOGIN_PATH}?error=user_not_found"))
            }
            Err(e) => internal(&e.to_string()),
        },
    }
}
