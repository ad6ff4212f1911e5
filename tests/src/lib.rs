//! Helpers shared by the end-to-end tests: a runtime per test binary, the real
//! components built from source, and builders for requests and contexts.

pub mod api;
pub mod browser;
pub mod logs;
pub mod process;
pub mod purge;
pub mod saml;
pub mod server;
pub mod shell;

use exthost_runtime::{HookContext, HttpRequest, InstalledComponent, Runtime, RuntimeConfig};
use std::sync::{Arc, OnceLock};

/// One runtime per test binary, with its compile cache in a temporary directory.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<(Runtime, tempfile::TempDir)> = OnceLock::new();
    &RUNTIME
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let config = RuntimeConfig {
                cache_dir: Some(dir.path().to_path_buf()),
                ..RuntimeConfig::default()
            };
            (Runtime::new(config).expect("runtime"), dir)
        })
        .0
}

/// Read a built component.
pub fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// The ip-filter component, installed once per test binary.
pub fn ip_filter() -> Arc<InstalledComponent> {
    static C: OnceLock<Arc<InstalledComponent>> = OnceLock::new();
    C.get_or_init(|| {
        runtime()
            .install(&read(exthost_artifacts::builtin::IP_FILTER))
            .expect("install ip-filter")
    })
    .clone()
}

/// The hostile test component, installed once per test binary.
pub fn hostile() -> Arc<InstalledComponent> {
    static C: OnceLock<Arc<InstalledComponent>> = OnceLock::new();
    C.get_or_init(|| {
        runtime()
            .install(&read(exthost_artifacts::test_plugins::HOSTILE))
            .expect("install hostile")
    })
    .clone()
}

/// A GET request from `peer` with these headers.
pub fn request(path: &str, peer: &str, headers: &[(&str, &str)]) -> Arc<HttpRequest> {
    Arc::new(HttpRequest {
        method: "GET".into(),
        path: path.into(),
        query: String::new(),
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        peer_addr: peer.into(),
        body: Vec::new(),
        session_user: None,
    })
}

pub fn ctx() -> HookContext {
    HookContext {
        now: 1_700_000_000_000,
        request_id: "test".into(),
    }
}
