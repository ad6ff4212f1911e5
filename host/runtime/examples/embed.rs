//! A host application embedding exthost-runtime: it supplies its own log
//! capability, installs the ip-filter component built from source, enables it
//! with an allow-list and asks it about two requests.
//!
//! Run: `cargo run -p exthost-runtime --example embed`

use exthost_runtime::types::RequestDecision;
use exthost_runtime::{
    CallScope, ExtensionConfig, HookContext, HostServices, HttpRequest, LogLevel, LogSink, Runtime, RuntimeConfig,
};
use std::sync::Arc;

/// The host's own logging: here, stdout with the extension's name.
struct PrintLog;

impl LogSink for PrintLog {
    fn log(&self, scope: &CallScope, level: LogLevel, message: &str) {
        println!("[{} {level:?}] {message}", scope.extension_id);
    }
}

fn main() -> anyhow::Result<()> {
    let runtime = Runtime::new(RuntimeConfig {
        cache_dir: Some(std::env::temp_dir().join("exthost-embed-example")),
        services: HostServices {
            log: Arc::new(PrintLog),
            ..HostServices::default()
        },
        ..RuntimeConfig::default()
    })?;

    let bytes = std::fs::read(exthost_artifacts::builtin::IP_FILTER)?;
    let component = runtime.install(&bytes)?;
    println!(
        "installed {} {} ({:?}), hooks: {:?}",
        component.manifest().name,
        component.manifest().version,
        component.cache_outcome(),
        component.hooks().iter().collect::<Vec<_>>()
    );

    let settings = r#"{"whitelisted_ips": "10.0.0.0/8\n2001:db8::/32"}"#;
    let config = ExtensionConfig {
        tenant: "acme".into(),
        ..ExtensionConfig::new("office-only", settings)
    };
    let filter = runtime.enable(component, config)?;

    let ctx = HookContext {
        now: 0,
        request_id: "r1".into(),
    };
    for peer in ["10.1.2.3", "203.0.113.9"] {
        let request = Arc::new(HttpRequest {
            method: "GET".into(),
            path: "/".into(),
            peer_addr: peer.into(),
            ..Default::default()
        });
        // `filter_request` applies the hook's fault policy: if the guest traps, the request is denied.
        match filter.filter_request(&ctx, &request) {
            RequestDecision::Continue => println!("{peer}: allowed"),
            RequestDecision::Deny(reason) => println!("{peer}: denied ({reason})"),
            other => println!("{peer}: {other:?}"),
        }
    }
    Ok(())
}
