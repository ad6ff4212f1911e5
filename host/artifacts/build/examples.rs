//! What the Python and JavaScript example builds share: the list entry of an
//! example, running a tool with a clear failure, and building each example
//! into `<target>/<out>/<name>.wasm` only when its sources or the contract are
//! newer than the component, then naming the components in a generated module.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// An example extension: its folder, the module that defines the exports, its world.
pub struct Example {
    pub dir: &'static str,
    pub module: &'static str,
    pub world: &'static str,
    pub name: &'static str,
}

pub fn run(cmd: &mut Command, what: &str, hint: &str) {
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}{hint}"));
    assert!(status.success(), "{what} failed ({status}); see the output above");
}

fn newest(path: &Path) -> SystemTime {
    let mut newest = UNIX_EPOCH;
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

/// Build each example with `componentize(example, its folder, output path)`
/// when stale; return `pub mod <module>` naming every component.
pub fn build_all(
    root: &Path,
    out: &Path,
    module: &str,
    examples: &[Example],
    mut componentize: impl FnMut(&Example, &Path, &Path),
) -> String {
    std::fs::create_dir_all(out).expect("create the examples output dir");
    let mut code = format!("pub mod {module} {{\n");
    for ex in examples {
        let dir = root.join(ex.dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        let wasm: PathBuf = out.join(format!("{}.wasm", ex.name.replace('-', "_")));
        let built = std::fs::metadata(&wasm).and_then(|m| m.modified()).ok();
        let sources = newest(&dir).max(newest(&root.join("wit")));
        if built.is_none_or(|b| b < sources) {
            componentize(ex, &dir, &wasm);
        }
        let name = ex.name.to_uppercase().replace('-', "_");
        code += &format!("    pub const {name}: &str = {:?};\n", wasm.display().to_string());
    }
    code + "}\n"
}
