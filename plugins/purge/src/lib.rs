//! The data purging extension: on each purge tick it deletes what the admin's
//! settings say is past retention, through the host's typed, batched `data`
//! import (never SQL). The settings are [`settings`]; one call of a run is
//! [`plan`], plain Rust tested natively; `component` adapts it to the contract.

pub mod plan;
pub mod settings;

#[cfg(target_arch = "wasm32")]
mod component;

pub use plan::{Counts, Data, Deleted, Outcome, run};
pub use settings::{FieldError, Settings};
