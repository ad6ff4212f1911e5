//! The platform's login surface for agents: the password form (`/login`), the
//! JWT SSO callback (`/users/auth/jwt/callback`), sign-out (`/logout`, then the
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
use axum::routing::{get, post};
use std::sync::Arc;

/// The login page; a protected page sends visitors here with `return_to`.
pub const LOGIN_PATH: &str = "/login";
/// Where a browser lands after sign-out; an SSO extension may send it on.
pub const SIGNED_OUT_PATH: &str = "/logout/done";
/// The JWT single sign-on callback.
pub const JWT_CALLBACK_PATH: &str = "/users/auth/jwt/callback";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(home::home))
        .route(LOGIN_PATH, get(login::form).post(login::password))
        .route(JWT_CALLBACK_PATH, get(login::jwt_callback))
        .route("/logout", post(logout::logout))
        .route(SIGNED_OUT_PATH, get(logout::signed_out))
}
