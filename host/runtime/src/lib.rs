//! `exthost-runtime` runs exthost extensions: WebAssembly components written
//! against the `exthost:plugin@0.1.0` contract in `wit/`. An embedder creates
//! one [`Runtime`], [installs](Runtime::install) components from bytes (they are
//! validated, compiled or loaded from the on-disk cache, and describe
//! themselves), [enables](Runtime::enable) them with settings, and calls their
//! hooks through typed methods on [`Extension`]. Every call runs under a
//! deadline and a memory cap, in an instance that is reused until it traps or
//! its settings change. Host capabilities (`log`, `kv`, `messages`, `data`) are
//! Rust traits the embedder implements in [`HostServices`]; this crate knows
//! nothing of HTTP servers or databases.

mod bindings;
mod cache;
mod component;
mod error;
mod extension;
mod fault;
mod hooks;
mod host;
mod instance;
mod limits;
mod manifest;
mod request;
mod runtime;

pub use cache::{CacheOutcome, content_hash};
pub use component::InstalledComponent;
pub use error::{
    CallError, ConfigError, FieldError, HostLimitExceeded, InstallError, MemoryLimitExceeded, RuntimeError, TrapKind,
};
pub use extension::{Extension, ExtensionConfig, HookContext};
pub use hooks::{CONTRACT_PACKAGE, CONTRACT_VERSION, Hook, HookSet, METADATA_EXPORT};
pub use host::{CallScope, DataStore, HostServices, KvStore, LogLevel, LogSink, MessageStore, Observer, TracingLog};
pub use limits::{FaultPolicies, FaultPolicy, Limits};
pub use manifest::{Capability, Grants, Manifest};
pub use request::HttpRequest;
pub use runtime::{Runtime, RuntimeConfig};

/// The contract's data types, as the host sees them.
pub mod types {
    pub use crate::bindings::exthost::plugin::data::{Deleted, Orphans};
    pub use crate::bindings::types::{
        Annotation, Author, Context, Environment, FieldError, HookError, HostError, HttpResponse, IdField, Identity,
        Intervention, LoginClaim, LoginDecision, LoginMethod, LoginRefusal, LoginRequest, Message, MessageEvent,
        MessageOutcome, Moderation, PurgeCount, PurgeReport, PurgeTick, RequestDecision, Timestamp,
    };
}
