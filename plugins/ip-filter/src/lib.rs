//! The IP filtering extension: an allow-list of addresses and CIDR ranges on the
//! on-request hook. The rules ([`rules`]), the client-address resolution behind
//! trusted proxies ([`client`]) and the settings ([`settings`]) are plain Rust, so
//! they are unit-tested and benchmarked natively; `component` is the extension as
//! the SDK sees it (manifest, settings, hook), exported when built for wasm.

pub mod client;
pub mod rules;
pub mod settings;

mod component;

pub use component::IpFilter;
pub use settings::{FieldError, Filter};
