//! The IP filtering extension: an allow-list of addresses and CIDR ranges on the
//! on-request hook. The rules ([`rules`]), the client-address resolution behind
//! trusted proxies ([`client`]) and the settings ([`settings`]) are plain Rust, so
//! they are unit-tested and benchmarked natively; `component` only adapts them to
//! the WIT contract when built for wasm.

pub mod client;
pub mod rules;
pub mod settings;

#[cfg(target_arch = "wasm32")]
mod component;

pub use settings::{FieldError, Filter};
