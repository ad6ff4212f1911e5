//! Message ingest: customer messages and agent replies posted into threads, and
//! interventions opened and closed. Each message is stored first, so it is
//! never lost whatever the extensions do; then the on-message hooks of every
//! enabled extension run in the admin's order (each extension picks its own
//! channels from the event), and their annotations and moderation verdict are
//! written onto the stored message. Closing an intervention runs the same hooks
//! with `intervention-closed`, once: a repeated close runs nothing.

mod event;
mod interventions;
mod messages;
mod verdict;

pub use interventions::{Closed, OpenIntervention, close_intervention, open_intervention};
pub use messages::{NewAuthor, NewCustomer, PostMessage, post_message};
pub use verdict::Verdict;

use crate::state::AppState;
use crate::store::{self, StoreError, new_id, now_ms};
use exthost_runtime::HookContext;
use exthost_runtime::types::MessageEvent;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{what} `{id}` not found")]
    NotFound { what: &'static str, id: String },
    /// The request contradicts stored data (a thread of another channel, an
    /// identity of another community, a duplicate id).
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for IngestError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { what, id } => IngestError::NotFound { what, id },
            StoreError::Conflict { what, .. } => IngestError::Refused(format!("{what} conflicts with existing data")),
            other => IngestError::Store(other),
        }
    }
}

type Result<T> = std::result::Result<T, IngestError>;

fn not_found(what: &'static str, id: &str) -> IngestError {
    IngestError::NotFound { what, id: id.into() }
}

/// The per-call context; the tenant and base URL reach extensions once, at `init`.
fn hook_context() -> HookContext {
    HookContext {
        now: u64::try_from(now_ms()).unwrap_or(0),
        request_id: new_id(),
    }
}

/// Run the on-message chain. Never fails: the runtime's fault policy already
/// turns a failing extension into an empty outcome, and a failure of the
/// blocking task itself is logged and treated as no opinion.
async fn run_hooks(state: &AppState, event: MessageEvent) -> Verdict {
    let chain = state.registry.message_chain();
    if chain.is_empty() {
        return Verdict::default();
    }
    let ctx = hook_context();
    // Hooks are synchronous wasm calls bounded by their deadline: keep them off the async workers.
    let outcomes = tokio::task::spawn_blocking(move || {
        chain
            .iter()
            .map(|ext| (ext.id().to_string(), ext.observe_message(&ctx, &event)))
            .collect::<Vec<_>>()
    })
    .await;
    match outcomes {
        Ok(outcomes) => verdict::fold(outcomes),
        Err(e) => {
            tracing::error!(error = %e, "the on-message chain did not finish");
            Verdict::default()
        }
    }
}

/// Write the verdict onto the stored message. The message is already safe, so a
/// failure here is logged and the message returned as stored: failing the
/// request would make the client post it again.
async fn apply(state: &AppState, message: &mut store::Message, verdict: Verdict) {
    let tenant = state.registry.tenant();
    if !verdict.annotations.is_empty() {
        let annotations = Value::Object(verdict.annotations);
        match state
            .store
            .set_message_annotations(tenant, &message.id, &annotations)
            .await
        {
            Ok(()) => message.annotations = annotations,
            Err(e) => tracing::error!(message = %message.id, error = %e, "could not store annotations"),
        }
    }
    if verdict.moderation != store::Moderation::None {
        match state
            .store
            .set_message_moderation(tenant, &message.id, verdict.moderation)
            .await
        {
            Ok(()) => message.moderation = verdict.moderation,
            Err(e) => tracing::error!(message = %message.id, error = %e, "could not store moderation"),
        }
    }
}
