//! The SAML identity provider of the tests and the SAML benchmark, independent
//! of the platform's own code: `fixtures/saml/sign.py` (signxml) run by the
//! build's Python virtualenv, one process per call, JSON in and out.

use std::path::Path;
use std::process::{Command, Stdio};

/// Run `sign.py args` with `input` on its stdin: its stdout, or its stderr
/// when it fails.
pub fn try_sign_py(args: &[&str], input: &str) -> Result<String, String> {
    use std::io::Write;
    let mut child = Command::new(exthost_artifacts::python_toolchain::PYTHON)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/saml/sign.py"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the build's Python virtualenv runs the SAML identity provider");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write to python");
    let out = child.wait_with_output().expect("python output");
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).expect("UTF-8"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// `try_sign_py`, which must succeed.
pub fn sign_py(args: &[&str], input: &str) -> String {
    try_sign_py(args, input).unwrap_or_else(|stderr| panic!("sign.py {args:?} failed: {stderr}"))
}
