//! The host imports. `log` is always granted; `kv`, `messages` and `data`
//! need the capability of that name in the manifest (and the admin's grant),
//! else their calls return `HostError::Denied`. A component imports only what
//! it calls, so an extension that never touches `kv` does not ask for it.

/// Logging, attributed by the host to the extension; see [`crate::info!`] and
/// its siblings for the formatted forms.
pub mod log {
    pub use crate::wit::exthost::plugin::log::{Level, log};
}

/// A key/value namespace private to the extension, shared by every node.
pub mod kv {
    pub use crate::wit::exthost::plugin::kv::{delete, get, set, set_if_absent};
}

/// Post into threads; list and resolve held messages.
pub mod messages {
    pub use crate::wit::exthost::plugin::messages::{list_held, post_reply, resolve_held};
}

/// Batched purge operations over the tenant's data.
pub mod data {
    pub use crate::wit::exthost::plugin::data::{
        ChannelIds, Deleted, Orphans, count_idle_threads, delete_agent_activities_before, delete_events_before,
        delete_orphan_identities, delete_stats_before, delete_threads, find_idle_threads,
    };
}

/// Logs a formatted line at `trace` level.
#[macro_export]
macro_rules! trace {
    ($($arg:tt)*) => { $crate::log::log($crate::log::Level::Trace, &::std::format!($($arg)*)) };
}

/// Logs a formatted line at `debug` level.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => { $crate::log::log($crate::log::Level::Debug, &::std::format!($($arg)*)) };
}

/// Logs a formatted line at `info` level.
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => { $crate::log::log($crate::log::Level::Info, &::std::format!($($arg)*)) };
}

/// Logs a formatted line at `warn` level.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => { $crate::log::log($crate::log::Level::Warn, &::std::format!($($arg)*)) };
}

/// Logs a formatted line at `error` level.
#[macro_export]
macro_rules! error {
    ($($arg:tt)*) => { $crate::log::log($crate::log::Level::Error, &::std::format!($($arg)*)) };
}
