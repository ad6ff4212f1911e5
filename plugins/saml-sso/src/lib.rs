//! The SAML 2.0 single sign-on extension (Web Browser SSO profile, SP side):
//! visitors are sent to the identity provider with an AuthnRequest
//! (HTTP-Redirect, optionally signed with the platform's own key), and the
//! identity provider posts a signed Response to the platform's assertion
//! consumer service, which runs this extension's on-login hook. Everything runs
//! inside the wasm sandbox in pure Rust: parsing (roxmltree, DTDs refused),
//! exclusive canonicalisation ([`c14n`]), XML-DSig ([`dsig`]) with RSA from
//! RustCrypto, and the structural rules against signature wrapping and comment
//! injection ([`response`]). The logic is plain Rust, unit-tested natively;
//! `component` is the extension as the SDK sees it, with its two hooks and
//! the `kv` import; the URL helpers are the SDK's (`exthost_sdk::url`).

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
pub mod xmltext;

#[cfg(test)]
mod testkeys;

mod component;

pub use component::SamlSso;
pub use settings::{FieldError, Settings};
