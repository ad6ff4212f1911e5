//! The contract's types (`wit/types.wit`), as the hooks receive and return
//! them, with a few constructors for what extensions build most.

pub use crate::wit::exthost::plugin::types::*;

impl HookError {
    /// A hook error: `code` is a stable word (`bad-input`, `unavailable`...).
    pub fn new(code: &str, message: impl Into<String>) -> HookError {
        HookError {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl MessageOutcome {
    /// No annotations, no moderation: the answer to an event of no interest.
    pub fn none() -> MessageOutcome {
        MessageOutcome {
            annotations: Vec::new(),
            moderation: Moderation::None,
        }
    }
}

impl Annotation {
    /// An annotation `key = value`; keys are `<extension>.<name>`.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Annotation {
        Annotation {
            key: key.into(),
            value: value.into(),
        }
    }
}
