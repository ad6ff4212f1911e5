//! Cold compile, cached load and per-call cost of an extension in each guest
//! language, measured side by side in one run: Rust (ip-filter, on-request),
//! JavaScript (auto-reply via componentize-js, on-request), Python
//! (keyword-router via componentize-py, on-message) and Rust again on
//! on-message (sentiment) as the Python example's reference. Each component is
//! the real one built from source by host/artifacts.
//!
//! `cargo run --release -p exthost-tests --example guest_languages -- [calls]`

use exthost_runtime::types::{Author, Identity, Message, MessageEvent};
use exthost_runtime::{CacheOutcome, Extension, ExtensionConfig, HookContext, HttpRequest, Runtime, RuntimeConfig};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

enum Call {
    Request(Arc<HttpRequest>),
    Message(MessageEvent),
}

struct Guest {
    language: &'static str,
    path: &'static str,
    settings: &'static str,
    call: Call,
}

fn request(path: &str, peer: &str) -> Call {
    Call::Request(Arc::new(HttpRequest {
        method: "GET".into(),
        path: path.into(),
        peer_addr: peer.into(),
        ..Default::default()
    }))
}

fn message(body: &str) -> Call {
    let customer = Identity {
        id: "i1".into(),
        group_id: None,
        community_id: "c1".into(),
        screenname: "Ann".into(),
    };
    Call::Message(MessageEvent::Received(Message {
        id: "m1".into(),
        thread_id: "t1".into(),
        channel_id: "ch1".into(),
        author: Author::Customer(customer),
        body: body.into(),
        created_at: 0,
    }))
}

fn runtime(cache: &Path) -> Runtime {
    Runtime::new(RuntimeConfig {
        cache_dir: Some(cache.into()),
        ..RuntimeConfig::default()
    })
    .expect("runtime")
}

fn call(ext: &Extension, ctx: &HookContext, call: &Call) {
    match call {
        Call::Request(r) => drop(ext.on_request(ctx, r).expect("on-request")),
        Call::Message(m) => drop(ext.on_message(ctx, m).expect("on-message")),
    }
}

fn main() {
    let calls: u32 = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let guests = [
        Guest {
            language: "Rust (ip-filter, on-request)",
            path: exthost_artifacts::builtin::IP_FILTER,
            settings: r#"{"whitelisted_ips": "10.0.0.0/8"}"#,
            call: request("/", "10.1.2.3"),
        },
        Guest {
            language: "JavaScript (auto-reply, on-request)",
            path: exthost_artifacts::js_examples::AUTO_REPLY,
            settings: r#"{"message": "We are closed", "path": "/auto-reply"}"#,
            call: request("/inbox", "10.1.2.3"),
        },
        Guest {
            language: "Rust (sentiment, on-message)",
            path: exthost_artifacts::builtin::SENTIMENT,
            settings: r#"{"channels": ""}"#,
            call: message("I want a refund, the phone is broken"),
        },
        Guest {
            language: "Python (keyword-router, on-message)",
            path: exthost_artifacts::python_examples::KEYWORD_ROUTER,
            settings: r#"{"rules": "refund => billing\nbroken => support"}"#,
            call: message("I want a refund, the phone is broken"),
        },
    ];
    let ctx = HookContext {
        now: 0,
        request_id: "bench".into(),
    };
    println!("| guest | size | cold compile | cached load | per call ({calls} calls) |");
    println!("|---|---|---|---|---|");
    for g in &guests {
        let bytes = std::fs::read(g.path).expect("component built");
        let cache = tempfile::tempdir().expect("temp dir");
        let start = Instant::now();
        let cold = runtime(cache.path()).install(&bytes).expect("install");
        let cold_time = start.elapsed();
        assert_eq!(cold.cache_outcome(), CacheOutcome::Compiled);
        // Cached load, as after a restart: a new runtime on the same cache; best of 5.
        let cached_time = (0..5)
            .map(|_| {
                let rt = runtime(cache.path());
                let start = Instant::now();
                let c = rt.install(&bytes).expect("install");
                assert_eq!(c.cache_outcome(), CacheOutcome::Hit);
                start.elapsed()
            })
            .min()
            .unwrap_or(Duration::ZERO);
        let rt = runtime(cache.path());
        let ext = rt
            .enable(
                rt.install(&bytes).expect("install"),
                ExtensionConfig::new("bench", g.settings),
            )
            .expect("enable");
        for _ in 0..100 {
            call(&ext, &ctx, &g.call);
        }
        let start = Instant::now();
        for _ in 0..calls {
            call(&ext, &ctx, &g.call);
        }
        let per_call = start.elapsed() / calls;
        println!(
            "| {} | {:.1} MB | {:.2} s | {:.1} ms | {:.2} µs |",
            g.language,
            bytes.len() as f64 / 1e6,
            cold_time.as_secs_f64(),
            cached_time.as_secs_f64() * 1e3,
            per_call.as_secs_f64() * 1e6
        );
    }
}
