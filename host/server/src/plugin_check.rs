//! `exthost plugin check FILE.wasm`: what the contract sees in a component
//! (its manifest, the hooks it exports, its settings schema and the
//! capabilities it asks for) or exactly why the host refuses it. It runs the
//! same install the server runs, so a component that passes here installs.

use exthost_runtime::{InstallError, Runtime, RuntimeConfig, RuntimeError};
use std::fmt::Write;

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("cannot start the runtime: {0}")]
    Runtime(#[from] RuntimeError),
    #[error("refused: {0}")]
    Refused(#[from] InstallError),
}

/// The report for a component's bytes.
pub fn check(bytes: &[u8]) -> Result<String, CheckError> {
    let runtime = Runtime::new(RuntimeConfig::default())?;
    let component = runtime.install(bytes)?;
    let m = component.manifest();
    let mut out = String::new();
    let _ = writeln!(out, "ok: {} {} ({})", m.name, m.version, m.title);
    let _ = writeln!(out, "description: {}", m.description);
    let _ = writeln!(out, "sha256: {}", component.hash());
    let hooks: Vec<&str> = component.hooks().iter().map(|h| h.name()).collect();
    let _ = writeln!(
        out,
        "hooks: {}",
        if hooks.is_empty() {
            "none".into()
        } else {
            hooks.join(", ")
        }
    );
    let caps = serde_json::to_string(&m.capabilities).unwrap_or_default();
    let _ = writeln!(out, "capabilities: {caps}");
    let secrets = m.secret_fields();
    let _ = writeln!(
        out,
        "secret settings: {}",
        if secrets.is_empty() {
            "none".into()
        } else {
            secrets.join(", ")
        }
    );
    let schema = serde_json::to_string_pretty(&m.config_schema).unwrap_or_default();
    let _ = writeln!(out, "settings schema:\n{schema}");
    Ok(out)
}
