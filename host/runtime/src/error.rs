//! The runtime's errors. Each names what failed (the component or extension and
//! the stage or hook) so an embedder can show it to an admin as it is; nothing
//! here carries host internals beyond the guest's own messages.

use crate::hooks::Hook;

/// Why a component was refused at install.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("the upload is {size} bytes; components may be at most {max} bytes")]
    TooLarge { size: usize, max: usize },
    #[error("not a WebAssembly binary (no `\\0asm` header)")]
    NotWasm,
    #[error(
        "a core WebAssembly module, not a component: build for wasm32-wasip2 (or wrap it with `wasm-tools component new`)"
    )]
    CoreModule,
    #[error("the component is invalid: {0}")]
    Invalid(String),
    #[error("the component does not export `{0}`; every extension must export it")]
    MissingMetadata(&'static str),
    #[error("the component exports `{interface}` with the wrong shape: {reason}")]
    BadExport { interface: &'static str, reason: String },
    #[error("the component needs an import the host does not provide: {0}")]
    UnsatisfiedImport(String),
    #[error("describe() failed: {0}")]
    Describe(String),
    #[error("the manifest is invalid: {0}")]
    BadManifest(String),
}

/// One settings problem, by field (the JSON property name; empty for the whole object).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Why settings were refused, or could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("settings refused: {}", summary(.0))]
    Invalid(Vec<FieldError>),
    #[error("the extension failed while checking settings: {0}")]
    Failed(#[from] CallError),
}

fn summary(errors: &[FieldError]) -> String {
    let parts: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
    parts.join("; ")
}

/// What kind of fault stopped a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrapKind {
    /// The call ran past its deadline (epoch interruption).
    Deadline,
    /// The guest tried to grow memory past its cap.
    Memory,
    /// The guest overflowed its stack (e.g. unbounded recursion).
    StackOverflow,
    /// A host import refused arguments past a host limit (e.g. a 100 MB log line).
    HostLimit,
    /// Any other trap: `unreachable`, a panic, an out-of-bounds access...
    Other,
}

/// Why a hook call did not return a decision.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("extension `{extension}` does not export {hook}")]
    NotExported { extension: String, hook: Hook },
    #[error("extension `{extension}` is quarantined after repeated faults")]
    Quarantined { extension: String },
    #[error("extension `{extension}` trapped in {stage} ({kind:?}): {message}")]
    Trap {
        extension: String,
        stage: String,
        kind: TrapKind,
        message: String,
    },
    #[error("extension `{extension}` refused its settings in init: {}", summary(.errors))]
    Init { extension: String, errors: Vec<FieldError> },
    #[error("extension `{extension}` returned an error from {hook}: {code}: {message}")]
    Hook {
        extension: String,
        hook: Hook,
        code: String,
        message: String,
    },
}

impl CallError {
    /// The trap kind, if the call trapped.
    pub fn trap_kind(&self) -> Option<TrapKind> {
        match self {
            CallError::Trap { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

/// Raised by a host import to trap the guest when it passes a host limit.
#[derive(Debug, thiserror::Error)]
#[error("{what} of {size} bytes exceeds the host limit of {limit} bytes")]
pub struct HostLimitExceeded {
    pub what: &'static str,
    pub size: usize,
    pub limit: usize,
}

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("the wasm engine could not be configured: {0}")]
    Engine(String),
    #[error("host imports could not be linked: {0}")]
    Link(String),
    #[error("the compile cache directory `{path}` is unusable: {source}")]
    Cache {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Raised by the memory limiter when a guest grows past its cap.
#[derive(Debug, thiserror::Error)]
#[error("memory limit: growing from {current} to {desired} bytes exceeds the cap of {cap} bytes")]
pub struct MemoryLimitExceeded {
    pub current: usize,
    pub desired: usize,
    pub cap: usize,
}
