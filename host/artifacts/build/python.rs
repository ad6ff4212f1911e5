//! Python examples: componentize-py, pinned, is installed by pip into a
//! virtualenv inside the target directory (nothing global, nothing checked
//! in), then each example is turned into a component. The same virtualenv
//! holds the independent signers the SSO tests use as identity providers
//! (PyJWT, signxml), so the README's test command needs no global install.

use super::examples::{Example, build_all, run};
use std::path::{Path, PathBuf};
use std::process::Command;

const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";
/// What the tests run in the virtualenv's Python: the JWT and SAML signers.
const TEST_SIGNERS: &[&str] = &["pyjwt==2.15.1", "signxml==5.2.0"];
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
    // The stamp names every pinned package, so changing a pin reinstalls. It
    // holds the path the virtualenv was made at: its scripts' shebangs name
    // that path, so in a moved target dir componentize-py cannot start, and
    // the virtualenv is made again.
    let stamp = venv.join(format!("{COMPONENTIZE_PY}+{}", TEST_SIGNERS.join("+")));
    let made_here = std::fs::read(&stamp).is_ok_and(|at| at == venv.as_os_str().as_encoded_bytes());
    if !made_here || !exe.exists() {
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        run(
            Command::new(python).args(["-m", "venv", "--clear"]).arg(&venv),
            "creating a Python virtualenv",
            HINT,
        );
        // `python -m pip`, not the `pip` script: a script's shebang names the
        // path the virtualenv was made at, which is wrong in a copied target dir.
        run(
            Command::new(venv.join("bin").join("python"))
                .args(["-m", "pip", "install", "--quiet", COMPONENTIZE_PY])
                .args(TEST_SIGNERS),
            "pip install componentize-py pyjwt signxml",
            HINT,
        );
        std::fs::write(&stamp, venv.as_os_str().as_encoded_bytes()).expect("write the install stamp");
    }
    exe
}

/// Build every Python example; return a module naming each component, and
/// one naming the tool, for the tests that build a scaffolded extension with it.
pub fn build(root: &Path, target_dir: &Path) -> String {
    let wit = root.join("wit");
    let exe = componentize_py(target_dir);
    let python = exe.with_file_name("python");
    let tool = format!(
        "pub mod python_toolchain {{\n    pub const COMPONENTIZE_PY: &str = {:?};\n    \
         /// The virtualenv's Python, with PyJWT and signxml for the SSO tests.\n    \
         pub const PYTHON: &str = {:?};\n}}\n",
        exe.display().to_string(),
        python.display().to_string()
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
