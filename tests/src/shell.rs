//! Running what a user would type: the real `exthost` command line (built by
//! this package as `exthost-cli`, on `PATH` as `exthost`) and shell commands
//! as printed by `exthost plugin new` or written in the docs, with the guest
//! toolchains host/artifacts already installed (componentize-py in its venv,
//! componentize-js in its npm folder, the Rust build in a target dir kept
//! across runs) linked where the printed commands expect them, so a test
//! downloads nothing.

use std::path::{Path, PathBuf};
use std::process::Stdio;

/// A directory holding `exthost` (a link to the command line under test).
pub fn exthost_on_path(exe: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::os::unix::fs::symlink(exe, dir.path().join("exthost")).expect("link exthost");
    dir
}

/// `PATH` with `first` in front.
pub fn path_with(first: &Path) -> String {
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{rest}", first.display())
}

/// Link the installed toolchain of a scaffolded project where its printed
/// commands look for it: `.venv` (Python), `node_modules` (JavaScript),
/// `target` (Rust, shared by every run so dependencies build once).
pub fn link_toolchain(project: &Path, lang: &str, rust_target: &Path) {
    let (link, to) = match lang {
        "python" => (
            ".venv",
            ancestor(exthost_artifacts::python_toolchain::COMPONENTIZE_PY, 2),
        ),
        "js" => (
            "node_modules",
            ancestor(exthost_artifacts::js_toolchain::COMPONENTIZE_JS, 2),
        ),
        "rust" => {
            std::fs::create_dir_all(rust_target).expect("create the Rust target dir");
            ("target", rust_target.to_path_buf())
        }
        other => panic!("no toolchain for {other}"),
    };
    std::os::unix::fs::symlink(&to, project.join(link)).expect("link the toolchain");
}

fn ancestor(path: &str, up: usize) -> PathBuf {
    Path::new(path)
        .ancestors()
        .nth(up)
        .expect("an install dir")
        .to_path_buf()
}

/// What a command printed, and whether it succeeded.
#[derive(Debug)]
pub struct Output {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Run `command` with `sh -c` in `dir` with these extra variables; the outer
/// cargo's own settings (target dir, flags) are not passed on.
pub async fn sh(command: &str, dir: &Path, env: &[(&str, String)]) -> Output {
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c").arg(command).current_dir(dir).stdin(Stdio::null());
    for var in [
        "CARGO_TARGET_DIR",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "RUSTC_WRAPPER",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().await.unwrap_or_else(|e| panic!("run {command:?}: {e}"));
    Output {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run `command` and fail the test, with its output, if it fails.
pub async fn sh_ok(command: &str, dir: &Path, env: &[(&str, String)]) -> Output {
    let out = sh(command, dir, env).await;
    assert!(
        out.ok,
        "`{command}` failed in {}\n--- stdout\n{}\n--- stderr\n{}",
        dir.display(),
        out.stdout,
        out.stderr
    );
    out
}
