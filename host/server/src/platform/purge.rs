//! Purge runs: the scheduler's tick and the admin's manual (or dry) run. A run
//! takes the purge lock (in process, and on PostgreSQL an advisory lock, so
//! one run at a time across every node), records itself in `purge_run`, then
//! calls the extension's on-purge-tick with one fixed `now` until a call says
//! it finished: each call does a bounded amount of work, and the counts it
//! returns are added up and saved after every call, which is the progress an
//! admin sees. A real run ends with one `expired_data_purge.deleted` audit
//! event carrying its counts, written after the run, so no run purges its own.

use crate::state::AppState;
use crate::store::{PurgeLock, PurgeRun, RunState, StartedBy, StoreError, new_id, now_ms};
use exthost_runtime::types::{PurgeCount, PurgeTick};
use exthost_runtime::{Extension, HookContext};
use serde_json::{Map, Value, json};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};
use tokio::task::JoinHandle;

/// The audit event of a real run.
pub const EVENT: &str = "expired_data_purge.deleted";

/// How long starting a run waits for the lock before answering `Busy`.
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// Links a step of the sweep at the end of a run looks through.
const SWEEP_BATCH: u32 = 1_000;

/// A run that never says it finished is stopped after this many calls.
const MAX_CALLS: i64 = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum PurgeError {
    #[error("extension `{0}` not found or not running")]
    NotFound(String),
    #[error("extension `{0}` does not purge data (it has no on-purge-tick hook)")]
    NotAPurger(String),
    #[error("a purge run is already in progress")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The in-process half of the purge lock.
#[derive(Default)]
pub struct Purger {
    running: Arc<Mutex<()>>,
}

/// Both halves of the lock, held for one run.
struct Held {
    _local: OwnedMutexGuard<()>,
    shared: PurgeLock,
}

impl Purger {
    /// Take both locks, waiting up to `LOCK_WAIT`: a run that just recorded
    /// its end is still releasing them, and is not "in progress" any more.
    async fn lock(&self, state: &AppState) -> Result<Held, PurgeError> {
        let local = tokio::time::timeout(LOCK_WAIT, self.running.clone().lock_owned())
            .await
            .map_err(|_| PurgeError::Busy)?;
        let deadline = tokio::time::Instant::now() + LOCK_WAIT;
        let shared = loop {
            if let Some(lock) = state.store.try_purge_lock(&state.config.tenant).await? {
                break lock;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(PurgeError::Busy);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        mark_interrupted(state).await?;
        Ok(Held { _local: local, shared })
    }

    /// At start, before any run: mark the runs a dead process left `running`,
    /// so an admin sees them ended without starting another run. Skipped
    /// when another node holds the lock (its run is alive); that node's next
    /// run marks them instead.
    pub async fn recover(&self, state: &AppState) -> Result<(), StoreError> {
        let _local = self.running.clone().lock_owned().await;
        if let Some(shared) = state.store.try_purge_lock(&state.config.tenant).await? {
            let marked = mark_interrupted(state).await;
            shared.release().await;
            marked?;
        }
        Ok(())
    }
}

/// Called holding the purge lock, when no run is going on anywhere: a run
/// still marked running died with its process.
async fn mark_interrupted(state: &AppState) -> Result<(), StoreError> {
    let stale = state.store.interrupt_purge_runs(&state.config.tenant).await?;
    if stale > 0 {
        tracing::warn!(runs = stale, "purge runs interrupted by a crash, marked so");
    }
    Ok(())
}

/// Start a run of extension `id`; returns its record at once and the task that
/// finishes it. `Busy` when a run is in progress here or on another node.
pub async fn start(
    state: &Arc<AppState>,
    id: &str,
    dry_run: bool,
    started_by: StartedBy,
) -> Result<(PurgeRun, JoinHandle<()>), PurgeError> {
    let ext = find(state, id)?;
    let held = state.purger.lock(state).await?;
    let tenant = &state.config.tenant;
    let clock = now_ms();
    let run = match state
        .store
        .insert_purge_run(tenant, &new_id(), id, dry_run, started_by, clock)
        .await
    {
        Ok(run) => run,
        Err(e) => {
            held.shared.release().await;
            return Err(e.into());
        }
    };
    tracing::info!(run = %run.id, extension = %id, dry_run, "purge run started");
    let task = tokio::spawn(finish(state.clone(), ext, run.clone(), held));
    Ok((run, task))
}

fn find(state: &AppState, id: &str) -> Result<Extension, PurgeError> {
    let ext = state.registry.purgers().into_iter().find(|e| e.id() == id);
    match ext {
        Some(ext) => Ok(ext),
        None if state.registry.get(id).is_ok() => Err(PurgeError::NotAPurger(id.into())),
        None => Err(PurgeError::NotFound(id.into())),
    }
}

/// Call the extension until it has finished, saving progress after each call.
async fn finish(state: Arc<AppState>, ext: Extension, run: PurgeRun, held: Held) {
    let tenant = state.config.tenant.clone();
    let tick = PurgeTick {
        now: u64::try_from(run.clock).unwrap_or(0),
        dry_run: run.dry_run,
        run_id: run.id.clone(),
    };
    let mut counts = Map::new();
    let mut calls = 0;
    let outcome = loop {
        let ctx = HookContext {
            now: tick.now,
            request_id: run.id.clone(),
        };
        let (call_ext, call_tick) = (ext.clone(), tick.clone());
        let result = tokio::task::spawn_blocking(move || call_ext.on_purge_tick(&ctx, &call_tick)).await;
        calls += 1;
        let report = match result {
            Ok(Ok(report)) => report,
            Ok(Err(e)) => break Err(e.to_string()),
            Err(e) => break Err(format!("the purge call did not finish: {e}")),
        };
        add(&mut counts, &report.counts);
        if report.finished {
            break Ok(());
        }
        if calls >= MAX_CALLS {
            break Err(format!("the run did not finish in {MAX_CALLS} calls"));
        }
        let progress = state
            .store
            .update_purge_run(
                &tenant,
                &run.id,
                RunState::Running,
                &Value::Object(counts.clone()),
                calls,
                None,
            )
            .await;
        if let Err(e) = progress {
            tracing::warn!(error = %e, run = %run.id, "could not record purge progress");
        }
    };
    // A message's author is linked to its thread, and on SQLite a thread
    // purge leaves the link behind for the identity purge to sweep in key
    // order (see `store::purge`). A run whose identity purge did not go
    // through every identity sweeps them here, so that no trace of a purged
    // thread outlives the run: one pass over the links, and nothing on
    // PostgreSQL, whose thread batches delete their links.
    if !run.dry_run {
        match state.store.sweep_dead_links(&tenant, SWEEP_BATCH).await {
            Ok(swept) => tracing::debug!(run = %run.id, swept, "dead identity-thread links swept"),
            Err(e) => tracing::warn!(error = %e, run = %run.id, "could not sweep dead identity-thread links"),
        }
    }
    let (end, error) = match &outcome {
        Ok(()) => (RunState::Finished, None),
        Err(e) => (RunState::Failed, Some(e.as_str())),
    };
    let counts = Value::Object(counts);
    // The audit event first: a run an admin sees as ended has its event.
    if !run.dry_run {
        let payload = json!({
            "run_id": run.id,
            "extension_id": run.extension_id,
            "started_by": run.started_by,
            "state": end,
            "counts": counts,
        });
        if let Err(e) = state.registry.audit(EVENT, None, payload).await {
            tracing::error!(error = %e, run = %run.id, "could not record a purge in the audit log");
        }
    }
    if let Err(e) = state
        .store
        .update_purge_run(&tenant, &run.id, end, &counts, calls, error)
        .await
    {
        tracing::error!(error = %e, run = %run.id, "could not record the end of a purge run");
    }
    match &outcome {
        Ok(()) => tracing::info!(run = %run.id, %counts, "purge run finished"),
        Err(e) => tracing::error!(run = %run.id, error = %e, %counts, "purge run failed"),
    }
    held.shared.release().await;
}

/// Add one call's counts to the run's.
fn add(total: &mut Map<String, Value>, counts: &[PurgeCount]) {
    for c in counts {
        let before = total.get(&c.kind).and_then(Value::as_u64).unwrap_or(0);
        total.insert(c.kind.clone(), Value::from(before.saturating_add(c.count)));
    }
}

/// One scheduled tick: a real run of every enabled purge extension, one after
/// the other. Skipped (not queued) while another node or an admin's run holds the lock.
pub async fn tick(state: &Arc<AppState>) {
    for ext in state.registry.purgers() {
        match start(state, ext.id(), false, StartedBy::Schedule).await {
            Ok((_, task)) => {
                let _ = task.await;
            }
            Err(PurgeError::Busy) => {
                tracing::debug!(extension = %ext.id(), "purge tick skipped: a run is in progress");
                return;
            }
            Err(e) => tracing::error!(extension = %ext.id(), error = %e, "purge tick failed to start"),
        }
    }
}

/// The scheduler: a tick every `interval` (none when zero), the first one
/// interval after start, for as long as the platform lives.
pub fn schedule(state: Weak<AppState>, interval: Duration) {
    if interval.is_zero() {
        return;
    }
    tokio::spawn(async move {
        let mut timer = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        // A tick that overran its interval is not made up for with a burst.
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            timer.tick().await;
            let Some(state) = state.upgrade() else { break };
            tick(&state).await;
        }
    });
}
