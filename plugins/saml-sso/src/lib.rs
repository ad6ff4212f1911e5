//! The SAML 2.0 single sign-on extension (Web Browser SSO profile, SP side):
//! visitors are sent to the identity provider with an AuthnRequest
//! (HTTP-Redirect, optionally signed with the platform's own key), and the
//! identity provider posts a signed Response to the platform's assertion
//! consumer service, which runs this extension's on-login hook. Everything runs
//! inside the wasm sandbox in pure Rust: parsing (roxmltree, DTDs refused),
//! exclusive canonicalisation ([`c14n`]), XML-DSig ([`dsig`]) with RSA from
//! RustCrypto, and the structural rules against signature wrapping and comment
//! injection ([`response`]). The logic is plain Rust, unit-tested natively;
//! `component` only adapts it to the WIT `sso` world and its `kv` import.

pub mod authn;
pub mod c14n;
pub mod cert;
pub mod dsig;
pub mod failure;
pub mod login;
pub mod metadata;
pub mod request;
pub mod response;
pub mod settings;
pub mod spkey;
pub mod time;
pub mod tree;
pub mod url;
pub mod xmltext;

#[cfg(test)]
mod testkeys;

#[cfg(target_arch = "wasm32")]
mod component;

pub use settings::{FieldError, Settings};
