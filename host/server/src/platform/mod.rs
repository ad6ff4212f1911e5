//! The platform's side of extensions: the registry that keeps the runtime's
//! installed components and enabled extensions in step with the database, and
//! the settings rules (JSON Schema, secrets) applied before anything is saved.

pub mod data;
pub mod default_auth;
pub mod generated;
pub mod ingest;
pub mod kv;
pub mod purge;
pub mod registry;
pub mod settings;

pub use registry::{EnabledView, Registry, RegistryError};
