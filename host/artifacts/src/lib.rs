//! The plugins' components, built from source by this crate's build script.
//! `builtin::ALL` lists the built-in extensions (package name, path to the
//! `.wasm`); with the `test-plugins` feature, `test_plugins` lists the hostile
//! guests the tests use. Paths point into the target directory: read them at
//! run time, or embed them with `include_bytes!`.

include!(concat!(env!("OUT_DIR"), "/artifacts.rs"));

/// The bytes of a built component, by package name, among the built-in extensions.
pub fn builtin_bytes(package: &str) -> Option<std::io::Result<Vec<u8>>> {
    builtin::ALL
        .iter()
        .find(|(name, _)| *name == package)
        .map(|(_, path)| std::fs::read(path))
}
