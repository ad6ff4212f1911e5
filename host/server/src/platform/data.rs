//! The `data` host import over the platform's database, for purge extensions
//! the admin enabled (the runtime has already checked the grant and the batch
//! size). Like `kv`, each call drives an async store query to completion from
//! the hook's blocking thread. On top of the store's own checks it refuses a
//! cutoff less than a day old: whatever a guest computes, a purge never
//! deletes what is younger than the shortest retention (one day).

use crate::store::{Store, StoreError, ThreadPurge, now_ms};
use exthost_runtime::types::{Deleted, HostError, Orphans, Timestamp};
use exthost_runtime::{CallScope, DataStore};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};
use tokio::runtime::Handle;

/// How long one data call may take: a dry run counts over every row at once.
const TIMEOUT: Duration = Duration::from_secs(300);

/// The shortest retention the host lets a purge apply.
const MIN_AGE_MS: i64 = 24 * 60 * 60 * 1000;

/// A fault to inject into thread batches, for crash-safety tests: after
/// `arm(n)`, n batches commit and the next one fails after deleting its
/// messages and before its commit, as if the process died there. Off unless armed.
#[derive(Debug)]
pub struct PurgeFaults {
    batches_left: AtomicI64,
}

impl Default for PurgeFaults {
    fn default() -> Self {
        PurgeFaults {
            batches_left: AtomicI64::new(-1),
        }
    }
}

impl PurgeFaults {
    /// Let `batches` thread batches commit, then fail the next one (once).
    pub fn arm(&self, batches: u32) {
        self.batches_left.store(i64::from(batches), Ordering::SeqCst);
    }

    /// Whether this batch is the one to fail; disarms when it is.
    fn strike(&self) -> bool {
        let left = self
            .batches_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n >= 0).then(|| n - 1));
        left == Ok(0)
    }
}

/// `DataStore` over the platform's tables.
pub struct StoreData {
    store: Store,
    handle: Handle,
    faults: Arc<PurgeFaults>,
}

impl StoreData {
    pub fn new(store: Store, handle: Handle, faults: Arc<PurgeFaults>) -> StoreData {
        StoreData { store, handle, faults }
    }

    fn run<T>(&self, what: &str, f: impl Future<Output = crate::store::Result<T>>) -> Result<T, HostError> {
        let started = Instant::now();
        let result = self.handle.block_on(async {
            // Each step of a purge waits for the requests being served.
            self.store.stand_aside().await;
            let stepped = Instant::now();
            let result = tokio::time::timeout(TIMEOUT, f).await;
            // A step that starved makes the next ones go at normal priority.
            self.store.note_background_step(stepped.elapsed());
            result
        });
        tracing::debug!(
            operation = what,
            elapsed_us = started.elapsed().as_micros(),
            "data call"
        );
        match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(StoreError::InjectedFault)) => Err(HostError::Unavailable("injected fault".into())),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, operation = what, "data call failed");
                Err(HostError::Unavailable("the store is unavailable".into()))
            }
            Err(_) => Err(HostError::Unavailable("the store did not answer in time".into())),
        }
    }
}

/// The cutoff as stored (i64 ms), refused if it would reach into the last day.
fn cutoff(value: Timestamp) -> Result<i64, HostError> {
    let cutoff = i64::try_from(value).map_err(|_| HostError::Invalid("cutoff is out of range".into()))?;
    if cutoff > now_ms() - MIN_AGE_MS {
        return Err(HostError::Invalid("cutoff must be at least one day in the past".into()));
    }
    Ok(cutoff)
}

fn deleted(p: ThreadPurge) -> Deleted {
    Deleted {
        threads: p.threads,
        messages: p.messages,
        interventions: p.interventions,
        comments: p.comments,
    }
}

impl DataStore for StoreData {
    fn find_idle_threads(
        &self,
        scope: &CallScope,
        channels: &[String],
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<String>, HostError> {
        let before = cutoff(before)?;
        self.run(
            "find_idle_threads",
            self.store.find_idle_threads(&scope.tenant, channels, before, limit),
        )
    }

    fn delete_threads(
        &self,
        scope: &CallScope,
        channels: &[String],
        before: Timestamp,
        thread_ids: &[String],
    ) -> Result<Deleted, HostError> {
        let before = cutoff(before)?;
        let fault = !thread_ids.is_empty() && self.faults.strike();
        self.run(
            "delete_threads",
            self.store
                .delete_idle_threads(&scope.tenant, channels, before, thread_ids, fault),
        )
        .map(deleted)
    }

    fn count_idle_threads(
        &self,
        scope: &CallScope,
        channels: &[String],
        before: Timestamp,
    ) -> Result<Deleted, HostError> {
        let before = cutoff(before)?;
        self.run(
            "count_idle_threads",
            self.store.count_idle_threads(&scope.tenant, channels, before),
        )
        .map(deleted)
    }

    fn delete_events_before(
        &self,
        scope: &CallScope,
        before: Timestamp,
        limit: u32,
        dry_run: bool,
    ) -> Result<u64, HostError> {
        let before = cutoff(before)?;
        self.run(
            "delete_events_before",
            self.store.purge_events_before(&scope.tenant, before, limit, dry_run),
        )
    }

    fn delete_orphan_identities(
        &self,
        scope: &CallScope,
        channels: &[String],
        before: Timestamp,
        limit: u32,
        dry_run: bool,
        after: Option<&str>,
    ) -> Result<Orphans, HostError> {
        let before = cutoff(before)?;
        self.run(
            "delete_orphan_identities",
            self.store
                .purge_orphan_identities(&scope.tenant, channels, before, limit, dry_run, after),
        )
        .map(|o| Orphans {
            identities: o.identities,
            groups: o.groups,
            last: o.last,
        })
    }

    fn delete_stats_before(
        &self,
        scope: &CallScope,
        channels: &[String],
        before: Timestamp,
        limit: u32,
        dry_run: bool,
    ) -> Result<u64, HostError> {
        let before = cutoff(before)?;
        self.run(
            "delete_stats_before",
            self.store
                .purge_stats_before(&scope.tenant, channels, before, limit, dry_run),
        )
    }

    fn delete_agent_activities_before(
        &self,
        scope: &CallScope,
        before: Timestamp,
        limit: u32,
        dry_run: bool,
    ) -> Result<u64, HostError> {
        let before = cutoff(before)?;
        self.run(
            "delete_agent_activities_before",
            self.store
                .purge_agent_activities_before(&scope.tenant, before, limit, dry_run),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cutoff_within_the_last_day_is_refused() {
        let now = now_ms();
        for refused in [now, now - MIN_AGE_MS + 60_000, now + MIN_AGE_MS] {
            let refused = u64::try_from(refused).unwrap();
            assert!(matches!(cutoff(refused), Err(HostError::Invalid(_))), "{refused}");
        }
        assert!(matches!(cutoff(u64::MAX), Err(HostError::Invalid(_))));
        let old = u64::try_from(now - 2 * MIN_AGE_MS).unwrap();
        assert_eq!(cutoff(old).unwrap(), now - 2 * MIN_AGE_MS);
    }

    #[test]
    fn an_armed_fault_strikes_once_after_its_batches() {
        let faults = PurgeFaults::default();
        assert!(!faults.strike(), "off unless armed");
        faults.arm(2);
        assert_eq!(
            [faults.strike(), faults.strike(), faults.strike(), faults.strike()],
            [false, false, true, false]
        );
    }
}
