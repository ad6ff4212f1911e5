//! The WIT adapter for the `purger` world: exports `metadata` and
//! `on-purge-tick`, and implements [`Data`] over the host's `data` import.
//! Settings are parsed once, in `init`; a call works for at most
//! [`CALL_BUDGET`] and leaves the rest of the run to the host's next call.

use crate::plan::{self, Data, Deleted};
use crate::settings::{CONFIG_SCHEMA, FieldError, Settings};
use std::cell::RefCell;
use std::time::{Duration, Instant};

wit_bindgen::generate!({ path: "../../wit", world: "purger" });

use exports::exthost::plugin::metadata::{self, Capability, Manifest};
use exports::exthost::plugin::on_purge_tick;
use exthost::plugin::data;
use exthost::plugin::log::{Level, log};
use exthost::plugin::types::{Context, Environment, HookError, HostError, PurgeCount, PurgeReport, PurgeTick};

/// How long one call works before it hands back to the host (well inside the
/// purge deadline; each batch is one short transaction).
const CALL_BUDGET: Duration = Duration::from_secs(2);

thread_local! {
    static SETTINGS: RefCell<Option<Settings>> = const { RefCell::new(None) };
}

struct Purge;

fn to_wit(errors: Vec<FieldError>) -> Vec<metadata::FieldError> {
    errors
        .into_iter()
        .map(|e| metadata::FieldError {
            field: e.field,
            message: e.message,
        })
        .collect()
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
    ) -> Result<(u64, u64), HostError> {
        data::delete_orphan_identities(channels, cutoff, limit, dry_run)
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
    HookError {
        code: format!("data-{code}"),
        message,
    }
}

impl metadata::Guest for Purge {
    fn describe() -> Manifest {
        Manifest {
            name: "purge".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            title: "Data purging".into(),
            description: "Permanently deletes threads idle past the retention period, old audit events, orphan \
                          identities, stats and agent activities."
                .into(),
            config_schema: CONFIG_SCHEMA.into(),
            capabilities: vec![Capability::Data],
        }
    }

    fn validate_config(config: String) -> Result<(), Vec<metadata::FieldError>> {
        Settings::from_config(&config).map(drop).map_err(to_wit)
    }

    fn init(_env: Environment, config: String) -> Result<(), Vec<metadata::FieldError>> {
        let settings = Settings::from_config(&config).map_err(to_wit)?;
        SETTINGS.with(|s| *s.borrow_mut() = Some(settings));
        Ok(())
    }
}

impl on_purge_tick::Guest for Purge {
    fn handle(_ctx: Context, tick: PurgeTick) -> Result<PurgeReport, HookError> {
        // No settings, no purge: a retention the admin never saw validated deletes nothing.
        let settings = SETTINGS.with(|s| s.borrow().clone()).ok_or_else(|| HookError {
            code: "not-initialized".into(),
            message: "init was not called".into(),
        })?;
        let started = Instant::now();
        let outcome = plan::run(&settings, tick.now, tick.dry_run, &mut Host, || {
            started.elapsed() > CALL_BUDGET
        })
        .map_err(host_error)?;
        if !outcome.finished {
            log(
                Level::Debug,
                &format!("run {}: time budget used, continuing", tick.run_id),
            );
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

export!(Purge);
