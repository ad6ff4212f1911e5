//! The HTTP request handed to on-request hooks. The guest reads it through the
//! `http-request` resource's methods, so a call copies into the sandbox only
//! the fields the extension looks at (an IP filter reads the peer address and,
//! behind a proxy, one header) instead of every header of every request.

use crate::bindings::types::HostHttpRequest;
use crate::host::HostState;
use std::sync::Arc;
use wasmtime::component::Resource;

/// An HTTP request, as the embedder received it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpRequest {
    /// Upper-case, e.g. `GET`.
    pub method: String,
    pub path: String,
    /// Without `?`; empty if none.
    pub query: String,
    /// Lower-case names; repeated headers repeated, in order.
    pub headers: Vec<(String, String)>,
    /// The socket peer's IP address, without port.
    pub peer_addr: String,
    pub body: Vec<u8>,
    pub session_user: Option<String>,
}

/// What the resource table holds for the duration of one call.
pub struct RequestHandle(pub(crate) Arc<HttpRequest>);

impl HostState {
    fn request(&self, handle: &Resource<RequestHandle>) -> wasmtime::Result<&HttpRequest> {
        Ok(&self.table().get(handle)?.0)
    }
}

impl HostHttpRequest for HostState {
    fn method(&mut self, req: Resource<RequestHandle>) -> wasmtime::Result<String> {
        Ok(self.request(&req)?.method.clone())
    }

    fn path(&mut self, req: Resource<RequestHandle>) -> wasmtime::Result<String> {
        Ok(self.request(&req)?.path.clone())
    }

    fn query(&mut self, req: Resource<RequestHandle>) -> wasmtime::Result<String> {
        Ok(self.request(&req)?.query.clone())
    }

    fn header(&mut self, req: Resource<RequestHandle>, name: String) -> wasmtime::Result<Vec<String>> {
        let headers = &self.request(&req)?.headers;
        Ok(headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(&name))
            .map(|(_, v)| v.clone())
            .collect())
    }

    fn headers(&mut self, req: Resource<RequestHandle>) -> wasmtime::Result<Vec<(String, String)>> {
        Ok(self.request(&req)?.headers.clone())
    }

    fn peer_addr(&mut self, req: Resource<RequestHandle>) -> wasmtime::Result<String> {
        Ok(self.request(&req)?.peer_addr.clone())
    }

    fn body(&mut self, req: Resource<RequestHandle>) -> wasmtime::Result<Vec<u8>> {
        Ok(self.request(&req)?.body.clone())
    }

    fn session_user(&mut self, req: Resource<RequestHandle>) -> wasmtime::Result<Option<String>> {
        Ok(self.request(&req)?.session_user.clone())
    }

    fn drop(&mut self, req: Resource<RequestHandle>) -> wasmtime::Result<()> {
        self.table_mut().delete(req)?;
        Ok(())
    }
}
