//! The beginning of the Rust SDK for exthost extensions: code every built-in
//! extension needed and had copied. It is plain Rust (no bindings), so an
//! extension's settings logic stays testable natively; the trait-and-macro
//! layer over the generated bindings is still to come.

pub mod settings;
