//! The plugins' components, built from source by this crate's build script.
//! `builtin::ALL` lists the built-in extensions (package name, path to the
//! `.wasm`) and `builtin::EMBEDDED` carries their bytes, so a server binary has
//! them without the build tree; with the `test-plugins` feature,
//! `test_plugins` lists the hostile guests the tests use; with `examples`,
//! `python_examples` and `js_examples` name the components built from
//! `plugins/examples/`, and `python_toolchain` and `js_toolchain` the pinned
//! componentize-py and componentize-js they were built with.

include!(concat!(env!("OUT_DIR"), "/artifacts.rs"));
