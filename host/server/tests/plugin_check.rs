//! `exthost plugin check`, run as the real binary: a good component is
//! described (hooks, manifest, schema); a broken one is refused with the
//! reason and a non-zero exit.

use std::process::Command;

fn check(path: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_exthost"))
        .args(["plugin", "check"])
        .arg(path)
        .env("RUST_LOG", "off")
        .output()
        .expect("run exthost")
}

#[test]
fn describes_a_good_component() {
    let out = check(std::path::Path::new(exthost_artifacts::builtin::IP_FILTER));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("ok: ip-filter 0.1.0 (IP filtering)"), "{stdout}");
    assert!(stdout.contains("hooks: on-request"), "{stdout}");
    assert!(stdout.contains("\"whitelisted_ips\""), "{stdout}");
}

#[test]
fn refuses_a_broken_component_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(exthost_artifacts::builtin::IP_FILTER).unwrap();
    let truncated = dir.path().join("truncated.wasm");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let out = check(&truncated);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refused: the component is invalid"), "{stderr}");

    let text = dir.path().join("notes.wasm");
    std::fs::write(&text, "hello").unwrap();
    let out = check(&text);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a WebAssembly binary"));
}
