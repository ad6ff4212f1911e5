//! The extension as the SDK sees it: the manifest, the settings and the
//! on-purge-tick hook, with [`Data`] implemented over the host's `data` import.
//! Settings are parsed once, when the instance is made; a call works for at
//! most [`CALL_BUDGET`] and leaves the rest of the run to the host's next call,
//! which takes up the identities where this one stopped if it lands on the
//! same instance (the host reuses an idle one) and starts them over if not.

use crate::plan::{self, Data, Deleted, Identities, Orphans};
use crate::settings::{CONFIG_SCHEMA, FieldError, Settings};
use exthost_sdk::data;
use exthost_sdk::types::{Context, Environment, HookError, HostError, PurgeCount, PurgeReport, PurgeTick};
use exthost_sdk::{Capability, Extension, Manifest, OnPurgeTick};
use std::cell::RefCell;
use std::time::{Duration, Instant};

/// How long one call works before it hands back to the host (well inside the
/// purge deadline; each batch is one short transaction).
const CALL_BUDGET: Duration = Duration::from_secs(2);

impl exthost_sdk::Settings for Settings {
    const SCHEMA: &'static str = CONFIG_SCHEMA;

    fn from_config(config: &str) -> Result<Settings, Vec<FieldError>> {
        Settings::from_config(config)
    }
}

/// The extension: the settings in force. No instance exists without settings
/// that passed validation, so a retention the admin never saw deletes nothing.
pub struct Purge {
    settings: Settings,
    /// The run id of this instance's last call that stopped early, and how
    /// far it got through the identities. Only the same run's next call uses
    /// it; anything else starts the identities over, which is always safe.
    progress: RefCell<Option<(String, Identities)>>,
}

/// The host's data import as the plan sees it.
struct Host;

fn deleted(d: data::Deleted) -> Deleted {
    Deleted {
        threads: d.threads,
        messages: d.messages,
        interventions: d.interventions,
        comments: d.comments,
    }
}

impl Data for Host {
    type Error = HostError;
    fn find_idle_threads(&mut self, channels: &[String], cutoff: u64, limit: u32) -> Result<Vec<String>, HostError> {
        data::find_idle_threads(channels, cutoff, limit)
    }
    fn delete_threads(&mut self, channels: &[String], cutoff: u64, ids: &[String]) -> Result<Deleted, HostError> {
        data::delete_threads(channels, cutoff, ids).map(deleted)
    }
    fn count_idle_threads(&mut self, channels: &[String], cutoff: u64) -> Result<Deleted, HostError> {
        data::count_idle_threads(channels, cutoff).map(deleted)
    }
    fn delete_events_before(&mut self, cutoff: u64, limit: u32, dry_run: bool) -> Result<u64, HostError> {
        data::delete_events_before(cutoff, limit, dry_run)
    }
    fn delete_orphan_identities(
        &mut self,
        channels: &[String],
        cutoff: u64,
        limit: u32,
        dry_run: bool,
        after: Option<&str>,
    ) -> Result<Orphans, HostError> {
        data::delete_orphan_identities(channels, cutoff, limit, dry_run, after).map(|o| Orphans {
            identities: o.identities,
            groups: o.groups,
            last: o.last,
        })
    }
    fn delete_stats_before(
        &mut self,
        channels: &[String],
        cutoff: u64,
        limit: u32,
        dry_run: bool,
    ) -> Result<u64, HostError> {
        data::delete_stats_before(channels, cutoff, limit, dry_run)
    }
    fn delete_agent_activities_before(&mut self, cutoff: u64, limit: u32, dry_run: bool) -> Result<u64, HostError> {
        data::delete_agent_activities_before(cutoff, limit, dry_run)
    }
}

fn host_error(e: HostError) -> HookError {
    let (code, message) = match e {
        HostError::Denied(m) => ("denied", m),
        HostError::Invalid(m) => ("invalid", m),
        HostError::Unavailable(m) => ("unavailable", m),
    };
    HookError::new(&format!("data-{code}"), message)
}

impl Extension for Purge {
    type Settings = Settings;

    fn manifest() -> Manifest {
        Manifest {
            name: "purge",
            version: env!("CARGO_PKG_VERSION"),
            title: "Data purging",
            description: "Permanently deletes threads idle past the retention period, old audit events, orphan \
                          identities, stats and agent activities.",
            capabilities: vec![Capability::Data],
        }
    }

    fn new(_env: Environment, settings: Settings) -> Result<Purge, Vec<FieldError>> {
        Ok(Purge {
            settings,
            progress: RefCell::new(None),
        })
    }
}

impl OnPurgeTick for Purge {
    fn on_purge_tick(&self, _ctx: Context, tick: PurgeTick) -> Result<PurgeReport, HookError> {
        let started = Instant::now();
        let identities = match self.progress.take() {
            Some((run, identities)) if run == tick.run_id => identities,
            _ => Identities::FromStart,
        };
        let outcome = plan::run(&self.settings, tick.now, tick.dry_run, identities, &mut Host, || {
            started.elapsed() > CALL_BUDGET
        })
        .map_err(host_error)?;
        if !outcome.finished {
            exthost_sdk::debug!(
                "run {}: time budget used, continuing (identities: {:?})",
                tick.run_id,
                outcome.identities
            );
            self.progress.replace(Some((tick.run_id.clone(), outcome.identities)));
        }
        Ok(PurgeReport {
            counts: outcome
                .counts
                .0
                .into_iter()
                .map(|(kind, count)| PurgeCount {
                    kind: kind.into(),
                    count,
                })
                .collect(),
            finished: outcome.finished,
        })
    }
}

exthost_sdk::export!(Purge with [on_purge_tick]);
