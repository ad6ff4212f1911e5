//! Install-time checks: what is not a valid exthost component is refused with
//! a clear error, and a second runtime on the same cache directory loads the
//! compiled component instead of compiling it again.

use exthost_runtime::{CacheOutcome, InstallError, Runtime, RuntimeConfig};
use exthost_tests::{read, runtime};

fn ip_filter_bytes() -> Vec<u8> {
    read(exthost_artifacts::builtin::IP_FILTER)
}

#[test]
fn refuses_what_is_not_wasm() {
    let err = runtime().install(b"#!/bin/sh\necho hello\n").unwrap_err();
    assert!(matches!(err, InstallError::NotWasm), "{err}");
    assert!(matches!(runtime().install(b"").unwrap_err(), InstallError::NotWasm));
}

#[test]
fn refuses_a_core_module_with_a_hint() {
    let module = wat::parse_str("(module (func (export \"f\")))").unwrap();
    let err = runtime().install(&module).unwrap_err();
    assert!(matches!(err, InstallError::CoreModule), "{err}");
    assert!(err.to_string().contains("wasm32-wasip2"));
}

#[test]
fn refuses_a_component_without_metadata() {
    let component = wat::parse_str("(component)").unwrap();
    let err = runtime().install(&component).unwrap_err();
    assert!(matches!(err, InstallError::MissingMetadata(_)), "{err}");
    assert!(err.to_string().contains("exthost:plugin/metadata@0.1.0"));
}

#[test]
fn refuses_a_truncated_component() {
    let bytes = ip_filter_bytes();
    let err = runtime().install(&bytes[..bytes.len() / 2]).unwrap_err();
    assert!(matches!(err, InstallError::Invalid(_)), "{err}");
}

#[test]
fn refuses_an_oversized_component() {
    let rt = Runtime::new(RuntimeConfig {
        max_component_bytes: 1024,
        ..RuntimeConfig::default()
    })
    .unwrap();
    let err = rt.install(&ip_filter_bytes()).unwrap_err();
    assert!(matches!(err, InstallError::TooLarge { max: 1024, .. }), "{err}");
}

#[test]
fn a_restart_loads_from_the_compile_cache() {
    let dir = tempfile::tempdir().unwrap();
    let config = || RuntimeConfig {
        cache_dir: Some(dir.path().to_path_buf()),
        ..RuntimeConfig::default()
    };
    let first = Runtime::new(config()).unwrap().install(&ip_filter_bytes()).unwrap();
    assert_eq!(first.cache_outcome(), CacheOutcome::Compiled);
    let second = Runtime::new(config()).unwrap().install(&ip_filter_bytes()).unwrap();
    assert_eq!(second.cache_outcome(), CacheOutcome::Hit);
    assert_eq!(first.hash(), second.hash());
}

#[test]
fn a_corrupt_cache_entry_is_recompiled() {
    let dir = tempfile::tempdir().unwrap();
    let config = || RuntimeConfig {
        cache_dir: Some(dir.path().to_path_buf()),
        ..RuntimeConfig::default()
    };
    Runtime::new(config()).unwrap().install(&ip_filter_bytes()).unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        std::fs::write(entry.unwrap().path(), b"garbage").unwrap();
    }
    let again = Runtime::new(config()).unwrap().install(&ip_filter_bytes()).unwrap();
    assert_eq!(again.cache_outcome(), CacheOutcome::Compiled);
}
