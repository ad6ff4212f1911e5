//! The on-request hook of the real ip-filter component with a 100-entry
//! allow-list, against the same rules compiled natively, in one run so the
//! ratio holds on a noisy machine.
//!
//! Run: `cargo bench -p exthost-runtime --bench on_request`

use criterion::{Criterion, criterion_group, criterion_main};
use exthost_runtime::types::RequestDecision;
use exthost_runtime::{ExtensionConfig, HookContext, HttpRequest, Runtime, RuntimeConfig};
use std::hint::black_box;
use std::sync::Arc;

/// 100 entries: 50 IPv4 /24s and 50 IPv6 /48s; the probe matches the last IPv4 one.
fn allow_list() -> String {
    let v4 = (0..50).map(|i| format!("10.{i}.0.0/24"));
    let v6 = (0..50).map(|i| format!("2001:db8:{i:x}::/48"));
    v4.chain(v6).collect::<Vec<_>>().join("\n")
}

fn bench(c: &mut Criterion) {
    let settings = serde_json::json!({ "whitelisted_ips": allow_list() }).to_string();
    let request = Arc::new(HttpRequest {
        method: "GET".into(),
        path: "/api/v1/threads".into(),
        query: "page=2".into(),
        headers: vec![
            ("host".into(), "acme.example".into()),
            ("user-agent".into(), "Mozilla/5.0 (X11; Linux x86_64)".into()),
            ("accept".into(), "application/json".into()),
        ],
        peer_addr: "10.49.0.77".into(),
        body: vec![],
        session_user: None,
    });

    let runtime = Runtime::new(RuntimeConfig::default()).expect("runtime");
    let bytes = std::fs::read(exthost_artifacts::builtin::IP_FILTER).expect("ip-filter built");
    let component = runtime.install(&bytes).expect("install");
    let ext = runtime
        .enable(component.clone(), ExtensionConfig::new("bench", settings.clone()))
        .expect("enable");
    // An empty list returns before reading anything: the cost of the call itself.
    let floor = runtime
        .enable(component, ExtensionConfig::new("floor", "{}"))
        .expect("enable");
    let ctx = HookContext {
        now: 0,
        request_id: "bench".into(),
    };
    assert_eq!(ext.on_request(&ctx, &request).unwrap(), RequestDecision::Continue);

    let native = ip_filter::Filter::from_config(&settings).expect("native filter");
    // The same lazy header access the component gets through the resource.
    let forwarded_for = || {
        let h = request
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("x-forwarded-for"));
        h.map(|(_, v)| v.clone()).collect::<Vec<_>>()
    };
    assert!(native.check(&request.peer_addr, forwarded_for).is_ok());

    let mut group = c.benchmark_group("ip-filter on-request, 100 entries");
    group.bench_function("wasm component", |b| {
        b.iter(|| black_box(ext.on_request(black_box(&ctx), black_box(&request)).unwrap()))
    });
    group.bench_function("wasm component, empty list (call floor)", |b| {
        b.iter(|| black_box(floor.on_request(black_box(&ctx), black_box(&request)).unwrap()))
    });
    // The engine's own floor: a component export taking and returning nothing,
    // called through wasmtime's typed API on the same engine settings. No
    // extension can be called for less than this.
    let (mut store, empty) = empty_export();
    group.bench_function("wasmtime floor: empty component export", |b| {
        b.iter(|| empty.call(&mut store, ()).unwrap())
    });
    group.bench_function("native", |b| {
        b.iter(|| black_box(native.check(black_box(&request.peer_addr), forwarded_for).is_ok()))
    });
    group.finish();
}

/// A component whose one export does nothing, on an engine configured as
/// `Runtime::new` configures its own (component model, epoch interruption).
fn empty_export() -> (wasmtime::Store<()>, wasmtime::component::TypedFunc<(), ()>) {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true).epoch_interruption(true);
    let engine = wasmtime::Engine::new(&config).expect("engine");
    let component = wasmtime::component::Component::new(
        &engine,
        r#"(component
            (core module $m (func (export "f")))
            (core instance $i (instantiate $m))
            (func (export "f") (canon lift (core func $i "f"))))"#,
    )
    .expect("empty component");
    let mut store = wasmtime::Store::new(&engine, ());
    store.set_epoch_deadline(u64::MAX / 2);
    let instance = wasmtime::component::Linker::new(&engine)
        .instantiate(&mut store, &component)
        .expect("instantiate");
    let f = instance.get_typed_func::<(), ()>(&mut store, "f").expect("export f");
    (store, f)
}

criterion_group!(benches, bench);
criterion_main!(benches);
