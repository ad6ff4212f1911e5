//! The platform's login surface for agents: the password form (`/login`), the
//! JWT SSO callback (`/users/auth/jwt/callback`), the SAML assertion consumer
//! service (`POST /users/auth/saml/callback`, its body capped before it is
//! read), sign-out (`/logout`, then the
//! signed-out page `/logout/done`) and the home page, which needs a session.
//! Every login attempt runs the on-login hooks; SSO extensions redirect
//! visitors through on-request on the login and signed-out pages, whose paths
//! are a documented convention (docs/writing-an-extension.md). Sessions are a
//! random token in an HttpOnly cookie, stored hashed.

mod home;
mod hooks;
mod html;
mod login;
mod logout;
pub mod return_to;
pub mod session;

use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::sync::Arc;

/// The login page; a protected page sends visitors here with `return_to`.
pub const LOGIN_PATH: &str = "/login";
/// Where a browser lands after sign-out; an SSO extension may send it on.
pub const SIGNED_OUT_PATH: &str = "/logout/done";
/// The JWT single sign-on callback.
pub const JWT_CALLBACK_PATH: &str = "/users/auth/jwt/callback";
/// The SAML assertion consumer service (HTTP-POST binding).
pub const SAML_CALLBACK_PATH: &str = "/users/auth/saml/callback";
/// The largest SAML post read: a response with a certificate and a few
/// attributes is a few KiB; anything over this is refused (413) unread.
pub const SAML_BODY_LIMIT: usize = 512 * 1024;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(home::home))
        .route(LOGIN_PATH, get(login::form).post(login::password))
        .route(JWT_CALLBACK_PATH, get(login::jwt_callback))
        .route(
            SAML_CALLBACK_PATH,
            post(login::saml_callback).layer(DefaultBodyLimit::max(SAML_BODY_LIMIT)),
        )
        .route("/logout", post(logout::logout))
        .route(SIGNED_OUT_PATH, get(logout::signed_out))
}
