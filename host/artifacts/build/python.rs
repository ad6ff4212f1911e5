//! Python examples: componentize-py, pinned, is installed by pip into a
//! virtualenv inside the target directory (nothing global, nothing checked
//! in), then each example is turned into a component.

use super::examples::{Example, build_all, run};
use std::path::{Path, PathBuf};
use std::process::Command;

const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";
const HINT: &str = " (is python3 with venv installed?)";

const EXAMPLES: &[Example] = &[Example {
    dir: "plugins/examples/python/keyword-router",
    module: "app",
    world: "message-watcher",
    name: "keyword-router",
}];

/// The componentize-py executable, installed on first use.
fn componentize_py(target_dir: &Path) -> PathBuf {
    let venv = target_dir.join("python-venv");
    let exe = venv.join("bin").join("componentize-py");
    let stamp = venv.join(COMPONENTIZE_PY);
    if !stamp.exists() || !exe.exists() {
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        run(
            Command::new(python).args(["-m", "venv"]).arg(&venv),
            "creating a Python virtualenv",
            HINT,
        );
        let pip = venv.join("bin").join("pip");
        run(
            Command::new(pip).args(["install", "--quiet", COMPONENTIZE_PY]),
            "pip install componentize-py",
            HINT,
        );
        std::fs::write(&stamp, "").expect("write the install stamp");
    }
    exe
}

/// Build every Python example; return a module naming each component, and
/// one naming the tool, for the tests that build a scaffolded extension with it.
pub fn build(root: &Path, target_dir: &Path) -> String {
    let wit = root.join("wit");
    let tool = format!(
        "pub mod python_toolchain {{\n    pub const COMPONENTIZE_PY: &str = {:?};\n}}\n",
        componentize_py(target_dir).display().to_string()
    );
    tool + &build_all(
        root,
        &target_dir.join("python-examples"),
        "python_examples",
        EXAMPLES,
        |ex, dir, wasm| {
            let exe = componentize_py(target_dir);
            let mut cmd = Command::new(exe);
            cmd.arg("-d")
                .arg(&wit)
                .args(["-w", ex.world, "componentize", "-p"])
                .arg(dir)
                .arg(ex.module)
                .arg("-o")
                .arg(wasm);
            run(&mut cmd, "componentize-py", HINT);
        },
    )
}
