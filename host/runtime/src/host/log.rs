//! The `log` import: always granted, attributed to the extension, and bounded:
//! a line past the host's limit traps the call instead of being copied onward.

use super::{CallScope, HostState};
use crate::bindings::exthost::plugin::log::{Host, Level};
use crate::error::HostLimitExceeded;

/// A log line's level.
pub type LogLevel = Level;

/// Where extension log lines go.
pub trait LogSink: Send + Sync {
    fn log(&self, scope: &CallScope, level: LogLevel, message: &str);
}

/// Sends extension log lines to `tracing`, with the extension and tenant as fields.
pub struct TracingLog;

impl LogSink for TracingLog {
    fn log(&self, scope: &CallScope, level: LogLevel, message: &str) {
        let (ext, tenant) = (&scope.extension_id, &scope.tenant);
        match level {
            Level::Trace => tracing::trace!(extension = %ext, tenant = %tenant, "{message}"),
            Level::Debug => tracing::debug!(extension = %ext, tenant = %tenant, "{message}"),
            Level::Info => tracing::info!(extension = %ext, tenant = %tenant, "{message}"),
            Level::Warn => tracing::warn!(extension = %ext, tenant = %tenant, "{message}"),
            Level::Error => tracing::error!(extension = %ext, tenant = %tenant, "{message}"),
        }
    }
}

impl Host for HostState {
    fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        if message.len() > self.log_message_bytes {
            return Err(HostLimitExceeded {
                what: "log message",
                size: message.len(),
                limit: self.log_message_bytes,
            }
            .into());
        }
        self.services.log.log(&self.scope, level, &message);
        Ok(())
    }
}
