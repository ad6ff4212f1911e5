//! The JWT single sign-on extension, after Engage Digital's published JWT SSO:
//! the customer's system signs a token (HS256, HS384 or HS512) with the shared
//! secret and sends the agent to `/users/auth/jwt/callback?jwt=...`; this
//! extension vouches for the agent named by the token's `external_id`, or
//! refuses with one of Engage's error codes. The token checks ([`token`]), the
//! login and request decisions ([`login`], [`request`]) and the settings
//! ([`settings`]) are plain Rust (the URL helpers are the SDK's), unit-tested
//! natively; `component` is the extension as the SDK sees it, with its two hooks
//! and the `kv` import (the `jti` replay window, shared by every node).

pub mod login;
pub mod request;
pub mod settings;
pub mod token;

mod component;

pub use component::JwtSso;
pub use settings::{FieldError, Settings};
