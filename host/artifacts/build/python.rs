//! Python examples: componentize-py, pinned, is installed by pip into a
//! virtualenv inside the target directory (nothing global, nothing checked
//! in), then each example is turned into a component. A component is rebuilt
//! only when its sources or the contract are newer than it.

use std::path::{Path, PathBuf};
use std::process::Command;

const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";

/// A Python extension: its folder, the module that defines the exports, its world.
struct Example {
    dir: &'static str,
    module: &'static str,
    world: &'static str,
    name: &'static str,
}

const EXAMPLES: &[Example] = &[Example {
    dir: "plugins/examples/python/keyword-router",
    module: "app",
    world: "message-watcher",
    name: "keyword-router",
}];

fn run(cmd: &mut Command, what: &str) {
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    assert!(status.success(), "{what} failed ({status}); see the output above");
}

/// The componentize-py executable, installed on first use.
fn componentize_py(target_dir: &Path) -> PathBuf {
    let venv = target_dir.join("python-venv");
    let exe = venv.join("bin").join("componentize-py");
    let stamp = venv.join(COMPONENTIZE_PY);
    if !stamp.exists() {
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        run(
            Command::new(python).args(["-m", "venv"]).arg(&venv),
            "creating a Python virtualenv",
        );
        let pip = venv.join("bin").join("pip");
        run(
            Command::new(pip).args(["install", "--quiet", COMPONENTIZE_PY]),
            "pip install componentize-py",
        );
        std::fs::write(&stamp, "").expect("write the install stamp");
    }
    exe
}

fn newest(path: &Path) -> std::time::SystemTime {
    let mut newest = std::time::UNIX_EPOCH;
    if let Ok(meta) = std::fs::metadata(path) {
        newest = meta.modified().unwrap_or(newest);
        if meta.is_dir() {
            for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
                newest = newest.max(self::newest(&entry.path()));
            }
        }
    }
    newest
}

/// Build every Python example; return a module naming each component.
pub fn build(root: &Path, target_dir: &Path) -> String {
    let out = target_dir.join("python-examples");
    std::fs::create_dir_all(&out).expect("create the Python examples dir");
    let mut code = String::from("pub mod python_examples {\n");
    for ex in EXAMPLES {
        let dir = root.join(ex.dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        let wasm = out.join(format!("{}.wasm", ex.name.replace('-', "_")));
        let built = std::fs::metadata(&wasm).and_then(|m| m.modified()).ok();
        let sources = newest(&dir).max(newest(&root.join("wit")));
        if built.is_none_or(|b| b < sources) {
            let exe = componentize_py(target_dir);
            run(
                Command::new(exe)
                    .arg("-d")
                    .arg(root.join("wit"))
                    .args(["-w", ex.world, "componentize", "-p"])
                    .arg(&dir)
                    .arg(ex.module)
                    .arg("-o")
                    .arg(&wasm),
                "componentize-py",
            );
        }
        let name = ex.name.to_uppercase().replace('-', "_");
        code += &format!("    pub const {name}: &str = {:?};\n", wasm.display().to_string());
    }
    code + "}\n"
}
