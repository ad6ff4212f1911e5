//! JavaScript examples: componentize-js, pinned, is installed by npm into a
//! folder inside the target directory (nothing global, nothing checked in),
//! then each example is turned into a component.

use super::examples::{Example, build_all, run};
use std::path::{Path, PathBuf};
use std::process::Command;

const COMPONENTIZE_JS: &str = "@bytecodealliance/componentize-js@0.23.0";
const HINT: &str = " (is Node.js with npm installed?)";

const EXAMPLES: &[Example] = &[Example {
    dir: "plugins/examples/js/auto-reply",
    module: "app.js",
    world: "request-filter",
    name: "auto-reply",
}];

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
            HINT,
        );
        std::fs::write(&stamp, "").expect("write the install stamp");
    }
    exe
}

/// Build every JavaScript example; return a module naming each component, and
/// one naming the tool, for the tests that build a scaffolded extension with it.
pub fn build(root: &Path, target_dir: &Path) -> String {
    let wit = root.join("wit");
    let tool = format!(
        "pub mod js_toolchain {{\n    pub const COMPONENTIZE_JS: &str = {:?};\n}}\n",
        componentize_js(target_dir).display().to_string()
    );
    tool + &build_all(
        root,
        &target_dir.join("js-examples"),
        "js_examples",
        EXAMPLES,
        |ex, dir, wasm| {
            let exe = componentize_js(target_dir);
            let mut cmd = Command::new(exe);
            cmd.arg(dir.join(ex.module))
                .arg("--wit")
                .arg(&wit)
                .args(["--world-name", ex.world, "--out"])
                .arg(wasm);
            run(&mut cmd, "componentize-js", HINT);
        },
    )
}
