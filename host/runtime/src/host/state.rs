//! The data of one instance's store: WASI (no files, no network, stderr kept
//! for trap reports), the memory limiter, the extension's grants and services,
//! and the scope of the call in progress.

use super::{CallScope, HostServices};
use crate::error::MemoryLimitExceeded;
use crate::manifest::Grants;
use std::sync::Arc;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// How much of a guest's stderr (panic messages) is kept per instance.
const STDERR_CAPACITY: usize = 16 << 10;

pub(crate) struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub limiter: MemoryLimiter,
    pub services: Arc<HostServices>,
    pub grants: Grants,
    pub scope: CallScope,
    pub log_message_bytes: usize,
    stderr: MemoryOutputPipe,
}

impl HostState {
    pub fn new(
        services: Arc<HostServices>,
        grants: Grants,
        scope: CallScope,
        memory_bytes: usize,
        log_message_bytes: usize,
    ) -> HostState {
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        // No preopened directories, no environment, no sockets: the defaults of
        // WasiCtxBuilder grant none of them.
        let wasi = WasiCtxBuilder::new().stderr(stderr.clone()).build();
        HostState {
            wasi,
            table: ResourceTable::new(),
            limiter: MemoryLimiter {
                cap: memory_bytes,
                hit: false,
            },
            services,
            grants,
            scope,
            log_message_bytes,
            stderr,
        }
    }

    pub fn table(&self) -> &ResourceTable {
        &self.table
    }

    pub fn table_mut(&mut self) -> &mut ResourceTable {
        &mut self.table
    }

    /// The last two meaningful lines the guest wrote to stderr: for a Rust
    /// guest, "panicked at FILE:LINE:" and the panic message.
    pub fn guest_stderr_tail(&self) -> Option<String> {
        let bytes = self.stderr.contents();
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("note: run with"))
            .collect();
        let tail = lines[lines.len().saturating_sub(2)..].join(" ");
        (!tail.is_empty()).then_some(tail)
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Caps one instance's linear memory. It records that the cap was hit so a
/// trap can be reported as a memory fault, whatever the guest did next.
pub(crate) struct MemoryLimiter {
    cap: usize,
    pub hit: bool,
}

/// Tables a guest may grow to; far beyond any real extension's needs.
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, _max: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.cap {
            self.hit = true;
            return Err(MemoryLimitExceeded {
                desired,
                cap: self.cap,
                current,
            }
            .into());
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _max: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}
