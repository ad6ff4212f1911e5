//! Interventions: an agent opens one on a customer's thread and closes it when
//! done. Opening runs no hook; closing runs the on-message hooks with
//! `intervention-closed` (the survey trigger) exactly once, however often or
//! concurrently the close is repeated.

use super::{Result, Verdict, event, not_found, run_hooks};
use crate::state::AppState;
use crate::store::{Intervention, new_id, now_ms};
use serde::Deserialize;

/// An intervention to open: `agent_id` handles `identity_id`'s thread.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenIntervention {
    pub thread_id: String,
    pub agent_id: String,
    pub identity_id: String,
}

/// The result of a close: the intervention and, if this call closed it, what the hooks said.
#[derive(Debug, Clone)]
pub struct Closed {
    pub intervention: Intervention,
    /// None when the intervention was already closed, so no hook ran.
    pub outcome: Option<Verdict>,
}

/// Open an intervention on a thread; no hook runs on opening.
pub async fn open_intervention(state: &AppState, open: OpenIntervention) -> Result<Intervention> {
    let tenant = state.registry.tenant();
    let store = &state.store;
    store
        .get_thread(tenant, &open.thread_id)
        .await?
        .ok_or_else(|| not_found("thread", &open.thread_id))?;
    store
        .get_identity(tenant, &open.identity_id)
        .await?
        .ok_or_else(|| not_found("identity", &open.identity_id))?;
    store
        .get_user(tenant, &open.agent_id)
        .await?
        .ok_or_else(|| not_found("agent", &open.agent_id))?;
    let intervention = Intervention {
        id: new_id(),
        thread_id: open.thread_id,
        user_id: Some(open.agent_id),
        identity_id: open.identity_id,
        opened_at: now_ms(),
        closed_at: None,
    };
    store.insert_intervention(tenant, &intervention).await?;
    Ok(intervention)
}

/// Close an intervention and, if this call closed it, run the hooks with `intervention-closed`.
pub async fn close_intervention(state: &AppState, id: &str) -> Result<Closed> {
    let tenant = state.registry.tenant();
    let store = &state.store;
    // The store closes at most once, atomically, so concurrent closes run the hooks once.
    let closed_now = store.close_intervention(tenant, id, now_ms()).await?;
    let intervention = store
        .get_intervention(tenant, id)
        .await?
        .ok_or_else(|| not_found("intervention", id))?;
    if !closed_now {
        return Ok(Closed {
            intervention,
            outcome: None,
        });
    }
    let thread = store
        .get_thread(tenant, &intervention.thread_id)
        .await?
        .ok_or_else(|| not_found("thread", &intervention.thread_id))?;
    let customer = store
        .get_identity(tenant, &intervention.identity_id)
        .await?
        .ok_or_else(|| not_found("identity", &intervention.identity_id))?;
    let event = event::intervention_closed(&intervention, &thread.channel_id, &customer);
    let outcome = Some(run_hooks(state, event).await);
    Ok(Closed { intervention, outcome })
}
