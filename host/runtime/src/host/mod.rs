//! Host capabilities: what an extension can ask of the embedder. Each import of
//! the contract (`log`, `kv`, `messages`, `data`) is a Rust trait the embedder
//! implements; the runtime checks the extension's grants and the host limits on
//! every call before the embedder's code runs, so an embedder never sees a call
//! the admin did not allow.

mod data;
mod kv;
mod log;
mod messages;
mod state;

pub use data::DataStore;
pub use kv::KvStore;
pub use log::{LogLevel, LogSink, TracingLog};
pub use messages::MessageStore;
pub(crate) use state::HostState;

use std::sync::Arc;

// `types` has no functions; the generated bindings still want its (empty) trait.
impl crate::bindings::types::Host for HostState {}

/// Who is calling a host import: the enabled extension and the tenant of the call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallScope {
    pub tenant: String,
    pub extension_id: String,
}

/// Told about runtime events an embedder may want to record (e.g. in an audit log).
pub trait Observer: Send + Sync {
    /// An extension was quarantined after repeated traps.
    fn quarantined(&self, extension_id: &str, reason: &str) {
        let _ = (extension_id, reason);
    }
}

struct NoObserver;
impl Observer for NoObserver {}

/// The embedder's implementations of the host imports. An import without an
/// implementation answers `host-error::denied` to every call.
#[derive(Clone)]
pub struct HostServices {
    pub log: Arc<dyn LogSink>,
    pub kv: Option<Arc<dyn KvStore>>,
    pub messages: Option<Arc<dyn MessageStore>>,
    pub data: Option<Arc<dyn DataStore>>,
    pub observer: Arc<dyn Observer>,
}

impl Default for HostServices {
    fn default() -> Self {
        HostServices {
            log: Arc::new(TracingLog),
            kv: None,
            messages: None,
            data: None,
            observer: Arc::new(NoObserver),
        }
    }
}
