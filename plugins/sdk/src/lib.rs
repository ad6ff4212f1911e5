//! The Rust SDK for exthost extensions. An extension is a type implementing
//! [`Extension`] (what it is, its typed [`Settings`], how an instance is made
//! from them) and one trait per hook it handles ([`OnRequest`], [`OnLogin`],
//! [`OnMessage`], [`OnPurgeTick`]); [`export!`] turns it into a component that
//! exports `metadata` and exactly those hooks. The WIT types are re-exported in
//! [`types`]; the host imports are [`log`] (with the [`info!`]-style macros),
//! [`kv`], [`messages`] and [`data`]; [`url`] holds the query-string and
//! percent-encoding helpers SSO extensions share. See
//! `docs/writing-an-extension.md`.

// The bindings name the SDK by its crate name, inside the SDK as in extensions.
extern crate self as exthost_sdk;

mod export;
mod extension;
pub mod host;
pub mod settings;
pub mod sso;
pub mod types;
pub mod url;

// `__exthost_wit!` and `__exthost_world!`, generated from the WIT by build.rs.
include!(concat!(env!("OUT_DIR"), "/wit_macros.rs"));

#[doc(hidden)]
pub mod wit {
    //! The bindings of the host imports and of the contract's types, generated
    //! once here so every extension and the SDK's traits share them.
    __exthost_wit!(sdk);
}

pub use extension::{Capability, Extension, Manifest, OnLogin, OnMessage, OnPurgeTick, OnRequest};
pub use host::{data, kv, log, messages};
pub use settings::{FieldError, JsonSettings, Settings, field_error};
pub use types::{Context, Environment, HookError};

#[doc(hidden)]
pub mod __private {
    //! What the `export!` expansion calls; not for extensions' own code.
    pub use crate::export::*;
    pub use wit_bindgen;
}
