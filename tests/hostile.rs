//! Hostile guests against the runtime's limits: an infinite loop, a memory
//! bomb, unbounded recursion, a panic and a 100 MB string passed to a host
//! import. Each is stopped within its limit, another extension keeps serving
//! meanwhile, and the next call to the same extension runs on a fresh instance.

use exthost_runtime::types::RequestDecision;
use exthost_runtime::{CallError, ConfigError, Extension, ExtensionConfig, Limits, TrapKind};
use exthost_tests::{ctx, hostile, ip_filter, request, runtime};
use std::time::{Duration, Instant};

fn enable(id: &str, limits: Limits) -> Extension {
    let config = ExtensionConfig {
        limits: Some(limits),
        ..ExtensionConfig::new(id, "{}")
    };
    runtime().enable(hostile(), config).expect("enable hostile")
}

fn limits() -> Limits {
    Limits {
        deadline: Duration::from_millis(200),
        memory_bytes: 32 << 20,
        ..Limits::default()
    }
}

/// How many calls the instance that served this one has served.
fn count(ext: &Extension) -> u64 {
    match ext
        .on_request(&ctx(), &request("/count", "192.0.2.1", &[]))
        .expect("count call")
    {
        RequestDecision::Respond(r) => String::from_utf8(r.body).unwrap().parse().unwrap(),
        other => panic!("unexpected {other:?}"),
    }
}

/// Call `path`, expect a trap of `kind`, and check the host and the extension recover.
fn assert_stopped(ext: &Extension, path: &str, kind: TrapKind) -> CallError {
    assert_eq!(count(ext), 1);
    assert_eq!(count(ext), 2, "the instance is reused between good calls");

    // Meanwhile another extension on another thread keeps serving.
    let bystander = runtime()
        .enable(ip_filter(), ExtensionConfig::new("bystander", "{}"))
        .unwrap();
    let serving = std::thread::spawn(move || {
        let mut served = 0;
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(100) {
            let d = bystander.on_request(&ctx(), &request("/", "203.0.113.1", &[])).unwrap();
            assert_eq!(d, RequestDecision::Continue);
            served += 1;
        }
        served
    });

    let err = ext
        .on_request(&ctx(), &request(path, "192.0.2.1", &[]))
        .expect_err("hostile call must fail");
    assert_eq!(err.trap_kind(), Some(kind), "{err}");
    assert!(serving.join().expect("bystander thread") > 0);

    // The trapped instance is gone: the next call runs on a fresh one.
    assert_eq!(count(ext), 1, "a fresh instance after the trap");
    err
}

#[test]
fn infinite_loop_is_interrupted_at_the_deadline() {
    let ext = enable("loop", limits());
    let start = Instant::now();
    assert_stopped(&ext, "/loop", TrapKind::Deadline);
    // Generous bound: the deadline is 200 ms; this is not a timing benchmark.
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn memory_bomb_hits_the_memory_cap() {
    let ext = enable("bomb", limits());
    let err = assert_stopped(&ext, "/bomb", TrapKind::Memory);
    assert!(err.to_string().contains("memory limit"), "{err}");
}

#[test]
fn unbounded_recursion_overflows_the_stack_safely() {
    let ext = enable("recurse", limits());
    assert_stopped(&ext, "/recurse", TrapKind::StackOverflow);
}

#[test]
fn a_panic_traps_and_reports_the_guest_message() {
    let ext = enable("trap", limits());
    let err = assert_stopped(&ext, "/trap", TrapKind::Other);
    assert!(err.to_string().contains("hostile plugin panics on purpose"), "{err}");
}

#[test]
fn a_100_mb_log_line_is_refused_by_the_host() {
    // Enough memory and time for the guest to build the string; the host import refuses it.
    let ext = enable(
        "flood",
        Limits {
            memory_bytes: 512 << 20,
            deadline: Duration::from_secs(30),
            ..limits()
        },
    );
    let err = assert_stopped(&ext, "/flood", TrapKind::HostLimit);
    assert!(err.to_string().contains("log message of 104857600 bytes"), "{err}");
}

#[test]
fn a_hook_error_is_not_a_trap_and_keeps_the_instance() {
    let ext = enable("error", limits());
    assert_eq!(count(&ext), 1);
    let err = ext
        .on_request(&ctx(), &request("/error", "192.0.2.1", &[]))
        .unwrap_err();
    assert!(
        matches!(err, CallError::Hook { ref code, .. } if code == "bad-input"),
        "{err}"
    );
    assert_eq!(count(&ext), 3, "same instance");
}

#[test]
fn on_request_fails_closed() {
    let ext = enable("closed", limits());
    let decision = ext.filter_request(&ctx(), &request("/trap", "192.0.2.1", &[]));
    assert!(matches!(decision, RequestDecision::Deny(_)), "{decision:?}");
}

#[test]
fn repeated_traps_quarantine_the_extension() {
    let ext = enable(
        "quarantine",
        Limits {
            quarantine_after: 3,
            ..limits()
        },
    );
    for _ in 0..3 {
        let err = ext.on_request(&ctx(), &request("/trap", "192.0.2.1", &[])).unwrap_err();
        assert_eq!(err.trap_kind(), Some(TrapKind::Other));
    }
    assert!(ext.is_quarantined());
    let err = ext
        .on_request(&ctx(), &request("/count", "192.0.2.1", &[]))
        .unwrap_err();
    assert!(matches!(err, CallError::Quarantined { .. }), "{err}");
    // Fail closed while quarantined.
    assert!(matches!(
        ext.filter_request(&ctx(), &request("/count", "192.0.2.1", &[])),
        RequestDecision::Deny(_)
    ));
    ext.release_quarantine();
    assert_eq!(count(&ext), 1);
}

#[test]
fn a_trap_in_init_refuses_enabling() {
    let config = ExtensionConfig {
        limits: Some(limits()),
        ..ExtensionConfig::new("init", r#"{"trap-in-init": 1}"#)
    };
    let err = runtime().enable(hostile(), config).err().expect("enable must fail");
    assert!(matches!(err, ConfigError::Failed(CallError::Trap { .. })), "{err}");
}
