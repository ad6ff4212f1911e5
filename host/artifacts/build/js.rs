//! JavaScript examples: componentize-js, pinned, is installed by npm into a
//! folder inside the target directory (nothing global, nothing checked in),
//! then each example is turned into a component. A component is rebuilt only
//! when its sources or the contract are newer than it.

use std::path::{Path, PathBuf};
use std::process::Command;

const COMPONENTIZE_JS: &str = "@bytecodealliance/componentize-js@0.23.0";

/// A JavaScript extension: its folder, the module that defines the exports, its world.
struct Example {
    dir: &'static str,
    module: &'static str,
    world: &'static str,
    name: &'static str,
}

const EXAMPLES: &[Example] = &[Example {
    dir: "plugins/examples/js/auto-reply",
    module: "app.js",
    world: "request-filter",
    name: "auto-reply",
}];

fn run(cmd: &mut Command, what: &str) {
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e} (is Node.js with npm installed?)"));
    assert!(status.success(), "{what} failed ({status}); see the output above");
}

/// The componentize-js command line, installed on first use.
fn componentize_js(target_dir: &Path) -> PathBuf {
    let prefix = target_dir.join("js-toolchain");
    let exe = prefix.join("node_modules").join(".bin").join("componentize-js");
    let stamp = prefix.join(COMPONENTIZE_JS.replace('/', "+"));
    if !stamp.exists() || !exe.exists() {
        std::fs::create_dir_all(&prefix).expect("create the JS toolchain dir");
        let npm = std::env::var("NPM").unwrap_or_else(|_| "npm".into());
        run(
            Command::new(npm)
                .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
                .arg(&prefix)
                .arg(COMPONENTIZE_JS),
            "npm install componentize-js",
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

/// Build every JavaScript example; return a module naming each component.
pub fn build(root: &Path, target_dir: &Path) -> String {
    let out = target_dir.join("js-examples");
    std::fs::create_dir_all(&out).expect("create the JS examples dir");
    let mut code = String::from("pub mod js_examples {\n");
    for ex in EXAMPLES {
        let dir = root.join(ex.dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        let wasm = out.join(format!("{}.wasm", ex.name.replace('-', "_")));
        let built = std::fs::metadata(&wasm).and_then(|m| m.modified()).ok();
        let sources = newest(&dir).max(newest(&root.join("wit")));
        if built.is_none_or(|b| b < sources) {
            let exe = componentize_js(target_dir);
            run(
                Command::new(exe)
                    .arg(dir.join(ex.module))
                    .arg("--wit")
                    .arg(root.join("wit"))
                    .args(["--world-name", ex.world, "--out"])
                    .arg(&wasm),
                "componentize-js",
            );
        }
        let name = ex.name.to_uppercase().replace('-', "_");
        code += &format!("    pub const {name}: &str = {:?};\n", wasm.display().to_string());
    }
    code + "}\n"
}
