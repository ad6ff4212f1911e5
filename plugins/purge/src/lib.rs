//! The data purging extension: on each purge tick it deletes what the admin's
//! settings say is past retention, through the host's typed, batched `data`
//! import (never SQL). The settings are [`settings`]; one call of a run is
//! [`plan`], plain Rust tested natively; `component` is the extension as the SDK sees it.

pub mod plan;
pub mod settings;

mod component;

pub use component::Purge;
pub use plan::{Counts, Data, Deleted, Outcome, run};
pub use settings::{FieldError, Settings};
