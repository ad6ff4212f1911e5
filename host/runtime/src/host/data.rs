//! The `data` import: typed, batched purge operations, for the purge extension.
//! The runtime checks the grant and bounds batch sizes; the embedder runs each
//! batch in one transaction scoped to the tenant, and rechecks every condition
//! (idleness, channel, age) inside it, so a guest can never delete more than
//! the conditions it states allow.

use super::{CallScope, HostState};
use crate::bindings::exthost::plugin::data::{Deleted, Host, Orphans};
use crate::bindings::types::{HostError, Timestamp};

/// The largest batch one call may ask for: bounds a transaction's length, so
/// a purge never holds the database (and the platform's ingest) for long.
pub const MAX_BATCH: u32 = 10_000;

/// The embedder's purge operations (see `wit/imports.wit`, interface `data`,
/// for what each must and must not delete).
pub trait DataStore: Send + Sync {
    fn find_idle_threads(
        &self,
        scope: &CallScope,
        channels: &[String],
        cutoff: Timestamp,
        limit: u32,
    ) -> Result<Vec<String>, HostError>;
    fn delete_threads(
        &self,
        scope: &CallScope,
        channels: &[String],
        cutoff: Timestamp,
        thread_ids: &[String],
    ) -> Result<Deleted, HostError>;
    fn count_idle_threads(
        &self,
        scope: &CallScope,
        channels: &[String],
        cutoff: Timestamp,
    ) -> Result<Deleted, HostError>;
    fn delete_events_before(
        &self,
        scope: &CallScope,
        cutoff: Timestamp,
        limit: u32,
        dry_run: bool,
    ) -> Result<u64, HostError>;
    fn delete_orphan_identities(
        &self,
        scope: &CallScope,
        channels: &[String],
        cutoff: Timestamp,
        limit: u32,
        dry_run: bool,
        after: Option<&str>,
    ) -> Result<Orphans, HostError>;
    fn delete_stats_before(
        &self,
        scope: &CallScope,
        channels: &[String],
        cutoff: Timestamp,
        limit: u32,
        dry_run: bool,
    ) -> Result<u64, HostError>;
    fn delete_agent_activities_before(
        &self,
        scope: &CallScope,
        cutoff: Timestamp,
        limit: u32,
        dry_run: bool,
    ) -> Result<u64, HostError>;
}

impl HostState {
    fn data(&self, batch: usize) -> Result<&dyn DataStore, HostError> {
        let store = match (&self.services.data, self.grants.data) {
            (Some(store), true) => store.as_ref(),
            _ => return Err(HostError::Denied("the data capability is not granted".into())),
        };
        if batch > MAX_BATCH as usize {
            return Err(HostError::Invalid(format!("batches are at most {MAX_BATCH} rows")));
        }
        Ok(store)
    }
}

impl Host for HostState {
    fn find_idle_threads(
        &mut self,
        channels: Vec<String>,
        cutoff: Timestamp,
        limit: u32,
    ) -> Result<Vec<String>, HostError> {
        self.data(limit as usize)?
            .find_idle_threads(&self.scope, &channels, cutoff, limit)
    }

    fn delete_threads(
        &mut self,
        channels: Vec<String>,
        cutoff: Timestamp,
        thread_ids: Vec<String>,
    ) -> Result<Deleted, HostError> {
        self.data(thread_ids.len())?
            .delete_threads(&self.scope, &channels, cutoff, &thread_ids)
    }

    fn count_idle_threads(&mut self, channels: Vec<String>, cutoff: Timestamp) -> Result<Deleted, HostError> {
        self.data(0)?.count_idle_threads(&self.scope, &channels, cutoff)
    }

    fn delete_events_before(&mut self, cutoff: Timestamp, limit: u32, dry_run: bool) -> Result<u64, HostError> {
        self.data(limit as usize)?
            .delete_events_before(&self.scope, cutoff, limit, dry_run)
    }

    fn delete_orphan_identities(
        &mut self,
        channels: Vec<String>,
        cutoff: Timestamp,
        limit: u32,
        dry_run: bool,
        after: Option<String>,
    ) -> Result<Orphans, HostError> {
        self.data(limit as usize)?.delete_orphan_identities(
            &self.scope,
            &channels,
            cutoff,
            limit,
            dry_run,
            after.as_deref(),
        )
    }

    fn delete_stats_before(
        &mut self,
        channels: Vec<String>,
        cutoff: Timestamp,
        limit: u32,
        dry_run: bool,
    ) -> Result<u64, HostError> {
        self.data(limit as usize)?
            .delete_stats_before(&self.scope, &channels, cutoff, limit, dry_run)
    }

    fn delete_agent_activities_before(
        &mut self,
        cutoff: Timestamp,
        limit: u32,
        dry_run: bool,
    ) -> Result<u64, HostError> {
        self.data(limit as usize)?
            .delete_agent_activities_before(&self.scope, cutoff, limit, dry_run)
    }
}
