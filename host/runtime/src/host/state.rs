//! The data of one instance's store: WASI (no files, no network, stderr kept
//! for trap reports), `wasi:http` (outbound requests only to granted hosts),
//! the memory limiter, the extension's grants and services, and the scope of
//! the call in progress.

use super::{CallScope, HostServices};
use crate::error::MemoryLimitExceeded;
use crate::manifest::Grants;
use std::sync::Arc;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

/// How much of a guest's stderr (panic messages) is kept per instance.
const STDERR_CAPACITY: usize = 16 << 10;

pub(crate) struct HostState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    outbound: OutboundHttp,
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
        let outbound = OutboundHttp {
            allowed: grants.outbound_http.clone(),
        };
        HostState {
            wasi,
            http: WasiHttpCtx::new(),
            outbound,
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

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outbound,
        }
    }
}

/// The `wasi:http` policy of one instance: a request leaves only if its host
/// is one the admin granted (`outbound-http` capability); any other request
/// fails with `HTTP-request-denied` before a connection is attempted.
pub(crate) struct OutboundHttp {
    allowed: Vec<String>,
}

impl OutboundHttp {
    /// Whether a request to `host` may leave. Host names compare
    /// case-insensitively; ports and schemes are not part of a grant.
    pub fn allows(&self, host: Option<&str>) -> bool {
        host.is_some_and(|host| self.allowed.iter().any(|a| a.eq_ignore_ascii_case(host)))
    }
}

/// What `send_request` returns: the response and the future of its I/O.
type SendResult = wasmtime_wasi_http::Result<(
    http::Response<WasiBody>,
    Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
)>;

impl WasiHttpHooks for OutboundHttp {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        if !self.allows(request.uri().host()) {
            tracing::warn!(uri = %request.uri(), "outbound HTTP request to a host not granted: denied");
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        wasmtime_wasi_http::default_hooks().send_request(request, options, fut)
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

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::task::{Context, Poll, Waker};

    fn send(policy: &mut OutboundHttp, uri: &str) -> Poll<SendResult> {
        let body = http_body_util::Empty::new()
            .map_err(|never| match never {})
            .boxed_unsync();
        let request = http::Request::get(uri).body(body).expect("a request");
        let future = policy.send_request(request, None, Box::new(async { Ok(()) }));
        Box::into_pin(future)
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn outbound_http_only_to_granted_hosts() {
        let mut policy = OutboundHttp {
            allowed: vec!["api.example.com".into()],
        };
        assert!(policy.allows(Some("api.example.com")));
        assert!(policy.allows(Some("API.Example.COM")));
        assert!(!policy.allows(Some("api.example.com.evil.test")));
        assert!(!policy.allows(Some("example.com")));
        assert!(!policy.allows(None));
        for uri in [
            "https://evil.test/steal",
            "http://127.0.0.1:8080/",
            "https://api.example.com@evil.test/",
        ] {
            match send(&mut policy, uri) {
                Poll::Ready(Err(wasmtime_wasi_http::Error::HttpRequestDenied)) => {}
                Poll::Ready(Err(e)) => panic!("{uri}: refused, but not as denied: {e}"),
                Poll::Ready(Ok(_)) | Poll::Pending => panic!("{uri}: not denied"),
            }
        }
        let mut nothing_granted = OutboundHttp { allowed: Vec::new() };
        assert!(matches!(
            send(&mut nothing_granted, "https://api.example.com/"),
            Poll::Ready(Err(wasmtime_wasi_http::Error::HttpRequestDenied))
        ));
    }
}
