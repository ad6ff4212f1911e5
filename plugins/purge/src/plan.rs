//! One call of a purge run, over any [`Data`] (the host's `data` import in the
//! component, a fake in unit tests). A real run works in bounded batches,
//! threads first (so identities they orphan go in the same run), then events,
//! identities, stats and agent activities, and stops at its time budget with
//! `finished = false`; the host calls again and the run picks up where the
//! database says it is: every step only ever finds what is left, so a call
//! repeated after a crash deletes nothing twice and misses nothing. Only the
//! identity scan, which passes linked identities it leaves, is handed a
//! cursor from the call before ([`Identities`]), and is right without it. A
//! dry run asks the host for the counts in one call per kind.

use crate::settings::Settings;

/// Rows of a thread purge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deleted {
    pub threads: u64,
    pub messages: u64,
    pub interventions: u64,
    pub comments: u64,
}

/// What one orphan-identity batch removed, and the id to go on after.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Orphans {
    pub identities: u64,
    pub groups: u64,
    pub last: Option<String>,
}

/// The host's purge operations (`wit/imports.wit`, interface `data`).
pub trait Data {
    type Error;
    fn find_idle_threads(&mut self, channels: &[String], cutoff: u64, limit: u32) -> Result<Vec<String>, Self::Error>;
    fn delete_threads(&mut self, channels: &[String], cutoff: u64, ids: &[String]) -> Result<Deleted, Self::Error>;
    fn count_idle_threads(&mut self, channels: &[String], cutoff: u64) -> Result<Deleted, Self::Error>;
    fn delete_events_before(&mut self, cutoff: u64, limit: u32, dry_run: bool) -> Result<u64, Self::Error>;
    fn delete_orphan_identities(
        &mut self,
        channels: &[String],
        cutoff: u64,
        limit: u32,
        dry_run: bool,
        after: Option<&str>,
    ) -> Result<Orphans, Self::Error>;
    fn delete_stats_before(
        &mut self,
        channels: &[String],
        cutoff: u64,
        limit: u32,
        dry_run: bool,
    ) -> Result<u64, Self::Error>;
    fn delete_agent_activities_before(&mut self, cutoff: u64, limit: u32, dry_run: bool) -> Result<u64, Self::Error>;
}

/// Threads per batch: with their messages, a few hundred rows per transaction.
/// A batch holds the database's write turn, so on SQLite an ingest that
/// arrives meanwhile waits for it: 500 threads took ~80 ms a batch and put the
/// ingest p99 at 26x its value alone; 50 take ~2.8 ms (one round trip to
/// SQLite since 2026-12-02). 25 take ~1.6 ms but left the ingest's p99 where
/// it was, which follows the slowest batches, and deleted a sixth fewer rows
/// per second (BENCHMARKS.md).
pub const THREAD_BATCH: u32 = 50;
/// Thread batches found by one search. Finding runs outside the write turn
/// but still costs ~1 ms a search on SQLite during a purge, against ~5 ms a
/// batch, so one search serves several batches.
pub const FIND_BATCHES: u32 = 10;
/// Rows per batch for events, stats and activities, for the same reason.
pub const ROW_BATCH: u32 = 1_000;
/// Identities per batch: each checks its links to messages and interventions
/// again in the transaction, so a row costs more than an event's.
pub const IDENTITY_BATCH: u32 = 250;

/// The kinds counted, in report order.
pub const KINDS: [&str; 9] = [
    "threads",
    "messages",
    "interventions",
    "comments",
    "events",
    "identities",
    "identity-groups",
    "stats",
    "agent-activities",
];

/// Rows per kind for the purges the settings turn on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts(pub Vec<(&'static str, u64)>);

impl Counts {
    fn add(&mut self, kind: &'static str, n: u64) {
        match self.0.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, total)) => *total += n,
            None => self.0.push((kind, n)),
        }
    }

    fn add_threads(&mut self, d: Deleted) {
        self.add("threads", d.threads);
        self.add("messages", d.messages);
        self.add("interventions", d.interventions);
        self.add("comments", d.comments);
    }

    pub fn get(&self, kind: &str) -> u64 {
        self.0.iter().find(|(k, _)| *k == kind).map_or(0, |(_, n)| *n)
    }
}

/// What one call did and whether the run is done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub counts: Counts,
    pub finished: bool,
    /// Where the next call of the same run may take up the orphan identities.
    pub identities: Identities,
}

/// How far a run got through the orphan identities, handed from one call of
/// a run to the next so that no call looks again at what an earlier one
/// passed (on a large tenant, a rescan of every identity still linked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Identities {
    /// Not started, or to be started over.
    #[default]
    FromStart,
    /// Go on after this identity (the last batch's `last`).
    After(String),
    /// Every identity was looked at.
    Done,
}

/// Run one call: `over_budget` says when to stop and leave the rest to the
/// next call. `identities` is the run's last call's [`Outcome::identities`],
/// or `FromStart` for its first call; a call that deletes threads starts the
/// identities over, since their authors may be orphans before the cursor.
pub fn run<D: Data>(
    settings: &Settings,
    now: u64,
    dry_run: bool,
    identities: Identities,
    data: &mut D,
    mut over_budget: impl FnMut() -> bool,
) -> Result<Outcome, D::Error> {
    let cutoff = settings.cutoff(now);
    let channels = &settings.channels;
    let mut counts = Counts::default();
    if dry_run {
        if settings.threads {
            counts.add_threads(data.count_idle_threads(channels, cutoff)?);
        }
        if settings.events {
            counts.add("events", data.delete_events_before(cutoff, ROW_BATCH, true)?);
        }
        if settings.purges_identities() {
            let orphans = data.delete_orphan_identities(channels, cutoff, ROW_BATCH, true, None)?;
            counts.add("identities", orphans.identities);
            counts.add("identity-groups", orphans.groups);
        }
        if settings.stats {
            counts.add("stats", data.delete_stats_before(channels, cutoff, ROW_BATCH, true)?);
        }
        if settings.agent_activities {
            counts.add(
                "agent-activities",
                data.delete_agent_activities_before(cutoff, ROW_BATCH, true)?,
            );
        }
        return Ok(Outcome {
            counts,
            finished: true,
            identities: Identities::Done,
        });
    }

    // Every kind turned on is reported, zero included, so runs compare kind by kind.
    let unfinished = |counts: Counts, identities: Identities| {
        Ok(Outcome {
            counts,
            finished: false,
            identities,
        })
    };
    if settings.threads {
        counts.add_threads(Deleted::default());
        loop {
            if over_budget() {
                return unfinished(counts, Identities::FromStart);
            }
            let ids = data.find_idle_threads(channels, cutoff, THREAD_BATCH * FIND_BATCHES)?;
            if ids.is_empty() {
                break;
            }
            for (n, batch) in ids.chunks(THREAD_BATCH as usize).enumerate() {
                if n > 0 && over_budget() {
                    return unfinished(counts, Identities::FromStart);
                }
                // The host checks again in the batch's transaction that each is still idle.
                counts.add_threads(data.delete_threads(channels, cutoff, batch)?);
            }
        }
    }
    let mut identities = match counts.get("threads") {
        0 => identities,
        _ => Identities::FromStart,
    };
    if settings.events {
        counts.add("events", 0);
        loop {
            if over_budget() {
                return unfinished(counts, identities);
            }
            let n = data.delete_events_before(cutoff, ROW_BATCH, false)?;
            counts.add("events", n);
            if n < u64::from(ROW_BATCH) {
                break;
            }
        }
    }
    if settings.purges_identities() {
        counts.add("identities", 0);
        counts.add("identity-groups", 0);
        // Each batch goes on after the last, and a call goes on where the
        // run's last one stopped, so no identity is looked at twice in a run.
        // A batch may delete none and still say where to go on: the host
        // bounds how many identities one batch looks through.
        if identities != Identities::Done {
            let mut after = match identities {
                Identities::After(last) => Some(last),
                _ => None,
            };
            loop {
                if over_budget() {
                    return unfinished(counts, after.map_or(Identities::FromStart, Identities::After));
                }
                let orphans =
                    data.delete_orphan_identities(channels, cutoff, IDENTITY_BATCH, false, after.as_deref())?;
                counts.add("identities", orphans.identities);
                counts.add("identity-groups", orphans.groups);
                match orphans.last {
                    Some(last) => after = Some(last),
                    None => break,
                }
            }
        }
        identities = Identities::Done;
    }
    if settings.stats {
        counts.add("stats", 0);
        loop {
            if over_budget() {
                return unfinished(counts, identities.clone());
            }
            let n = data.delete_stats_before(channels, cutoff, ROW_BATCH, false)?;
            counts.add("stats", n);
            if n < u64::from(ROW_BATCH) {
                break;
            }
        }
    }
    if settings.agent_activities {
        counts.add("agent-activities", 0);
        loop {
            if over_budget() {
                return unfinished(counts, identities.clone());
            }
            let n = data.delete_agent_activities_before(cutoff, ROW_BATCH, false)?;
            counts.add("agent-activities", n);
            if n < u64::from(ROW_BATCH) {
                break;
            }
        }
    }
    Ok(Outcome {
        counts,
        finished: true,
        identities: Identities::Done,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An in-memory stand-in for the host: idle threads of 3 messages, old events.
    #[derive(Default)]
    struct Fake {
        threads: Vec<String>,
        events: u64,
        /// Orphan identities, in id order.
        orphans: Vec<String>,
        calls: Vec<String>,
    }

    impl Data for Fake {
        type Error = String;
        fn find_idle_threads(&mut self, _: &[String], _: u64, limit: u32) -> Result<Vec<String>, String> {
            self.calls.push("find".into());
            Ok(self.threads.iter().take(limit as usize).cloned().collect())
        }
        fn delete_threads(&mut self, _: &[String], _: u64, ids: &[String]) -> Result<Deleted, String> {
            self.calls.push(format!("delete {}", ids.len()));
            self.threads.retain(|t| !ids.contains(t));
            let n = ids.len() as u64;
            Ok(Deleted {
                threads: n,
                messages: 3 * n,
                interventions: 0,
                comments: 0,
            })
        }
        fn count_idle_threads(&mut self, _: &[String], _: u64) -> Result<Deleted, String> {
            let n = self.threads.len() as u64;
            Ok(Deleted {
                threads: n,
                messages: 3 * n,
                interventions: 0,
                comments: 0,
            })
        }
        fn delete_events_before(&mut self, _: u64, limit: u32, dry_run: bool) -> Result<u64, String> {
            if dry_run {
                return Ok(self.events);
            }
            let n = self.events.min(u64::from(limit));
            self.events -= n;
            Ok(n)
        }
        fn delete_orphan_identities(
            &mut self,
            _: &[String],
            _: u64,
            limit: u32,
            dry_run: bool,
            after: Option<&str>,
        ) -> Result<Orphans, String> {
            self.calls.push(format!("orphans after {after:?}"));
            if dry_run {
                return Ok(Orphans {
                    identities: self.orphans.len() as u64,
                    ..Orphans::default()
                });
            }
            let batch: Vec<String> = self
                .orphans
                .iter()
                .filter(|id| after.is_none_or(|a| id.as_str() > a))
                .take(limit as usize)
                .cloned()
                .collect();
            self.orphans.retain(|id| !batch.contains(id));
            Ok(Orphans {
                identities: batch.len() as u64,
                groups: 0,
                last: (batch.len() == limit as usize).then(|| batch.last().cloned()).flatten(),
            })
        }
        fn delete_stats_before(&mut self, _: &[String], _: u64, _: u32, _: bool) -> Result<u64, String> {
            Ok(0)
        }
        fn delete_agent_activities_before(&mut self, _: u64, _: u32, _: bool) -> Result<u64, String> {
            Ok(0)
        }
    }

    fn fake(threads: usize, events: u64) -> Fake {
        Fake {
            threads: (0..threads).map(|i| format!("t{i}")).collect(),
            events,
            orphans: vec![],
            calls: vec![],
        }
    }

    /// A budget that runs out after `checks` checks.
    fn budget(mut checks: i32) -> impl FnMut() -> bool {
        move || {
            checks -= 1;
            checks < 0
        }
    }

    fn settings() -> Settings {
        Settings::from_config(r#"{"purge_threads": true, "purge_events": true, "retention_days": 10}"#).unwrap()
    }

    #[test]
    fn a_real_run_batches_until_nothing_is_left_and_dry_equals_real() {
        let dry = run(
            &settings(),
            0,
            true,
            Identities::FromStart,
            &mut fake(1200, 12_001),
            || false,
        )
        .unwrap();
        let mut data = fake(1200, 12_001);
        let real = run(&settings(), 0, false, Identities::FromStart, &mut data, || false).unwrap();
        assert!(real.finished && dry.finished);
        assert_eq!(real.counts.get("threads"), 1200);
        assert_eq!(real.counts.get("messages"), 3600);
        assert_eq!(real.counts.get("events"), 12_001);
        assert_eq!(dry.counts, real.counts);
        assert!(data.threads.is_empty());
        let batches = 1200_usize.div_ceil(THREAD_BATCH as usize);
        assert_eq!(data.calls.iter().filter(|c| c.starts_with("delete")).count(), batches);
    }

    #[test]
    fn one_search_serves_several_batches() {
        let mut data = fake(1200, 0);
        let real = run(&settings(), 0, false, Identities::FromStart, &mut data, || false).unwrap();
        assert_eq!(real.counts.get("threads"), 1200);
        let found = (THREAD_BATCH * FIND_BATCHES) as usize;
        // Each full search, then the one that finds nothing left.
        let searches = 1200_usize.div_ceil(found) + 1;
        assert_eq!(data.calls.iter().filter(|c| *c == "find").count(), searches);
        let deletes: Vec<&String> = data.calls.iter().filter(|c| c.starts_with("delete")).collect();
        assert!(
            deletes.iter().all(|d| **d == format!("delete {THREAD_BATCH}")),
            "{deletes:?}"
        );
    }

    #[test]
    fn a_run_over_budget_stops_and_the_next_call_goes_on() {
        let mut data = fake(1200, 0);
        let first = run(&settings(), 0, false, Identities::FromStart, &mut data, budget(2)).unwrap();
        assert!(!first.finished);
        assert_eq!(first.counts.get("threads"), 2 * u64::from(THREAD_BATCH));
        let second = run(&settings(), 0, false, Identities::FromStart, &mut data, || false).unwrap();
        assert!(second.finished);
        assert_eq!(second.counts.get("threads"), 1200 - 2 * u64::from(THREAD_BATCH));
    }

    #[test]
    fn each_identity_batch_goes_on_after_the_last() {
        let settings =
            Settings::from_config(r#"{"purge_threads": true, "purge_identities": true, "retention_days": 10}"#)
                .unwrap();
        let batch = IDENTITY_BATCH as usize;
        // Two full batches and a short one.
        let total = 2 * batch + batch / 2;
        let orphans: Vec<String> = (0..total).map(|i| format!("i{i:05}")).collect();
        let mut data = Fake {
            orphans: orphans.clone(),
            ..fake(0, 0)
        };
        let dry = run(&settings, 0, true, Identities::FromStart, &mut data, || false).unwrap();
        let real = run(&settings, 0, false, Identities::FromStart, &mut data, || false).unwrap();
        assert!(real.finished);
        assert_eq!(real.counts.get("identities"), total as u64);
        assert_eq!(dry.counts.get("identities"), real.counts.get("identities"));
        assert!(data.orphans.is_empty());
        let afters: Vec<&String> = data.calls.iter().filter(|c| c.starts_with("orphans")).skip(1).collect();
        assert_eq!(
            afters,
            [
                "orphans after None".to_string(),
                format!("orphans after Some({:?})", orphans[batch - 1]),
                format!("orphans after Some({:?})", orphans[2 * batch - 1]),
            ]
            .iter()
            .collect::<Vec<_>>()
        );
    }

    fn identity_settings() -> Settings {
        Settings::from_config(
            r#"{"purge_threads": true, "purge_identities": true, "purge_stats": true, "retention_days": 10}"#,
        )
        .unwrap()
    }

    /// `n` orphans, in id order.
    fn orphans(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("i{i:05}")).collect()
    }

    /// A run's first call, whose budget runs out after `checks` checks.
    fn first_call(data: &mut Fake, checks: i32) -> Outcome {
        run(
            &identity_settings(),
            0,
            false,
            Identities::FromStart,
            data,
            budget(checks),
        )
        .unwrap()
    }

    fn orphan_calls(data: &Fake) -> Vec<&String> {
        data.calls.iter().filter(|c| c.starts_with("orphans")).collect()
    }

    #[test]
    fn the_next_call_of_a_run_takes_up_the_identities_where_the_last_stopped() {
        let batch = IDENTITY_BATCH as usize;
        // Two full batches and a short one.
        let ids = orphans(2 * batch + batch / 2);
        let mut data = Fake {
            orphans: ids.clone(),
            ..fake(0, 0)
        };
        // The thread phase's one check, then two identity batches.
        let first = first_call(&mut data, 3);
        assert!(!first.finished);
        assert_eq!(first.identities, Identities::After(ids[2 * batch - 1].clone()));
        data.calls.clear();
        let second = run(&identity_settings(), 0, false, first.identities, &mut data, || false).unwrap();
        assert!(second.finished);
        assert_eq!(
            orphan_calls(&data),
            [format!("orphans after Some({:?})", ids[2 * batch - 1])]
                .iter()
                .collect::<Vec<_>>()
        );
        assert_eq!(second.counts.get("identities"), (batch / 2) as u64);
        assert!(data.orphans.is_empty());
    }

    #[test]
    fn a_call_that_deletes_threads_starts_the_identities_over() {
        let ids = orphans(10);
        let mut data = Fake {
            orphans: ids.clone(),
            ..fake(3, 0)
        };
        let resumed = Identities::After(ids[4].clone());
        let outcome = run(&identity_settings(), 0, false, resumed, &mut data, || false).unwrap();
        assert_eq!(outcome.counts.get("threads"), 3);
        // Its threads' authors may be orphans before the cursor.
        assert_eq!(orphan_calls(&data)[0], "orphans after None");
        assert!(data.orphans.is_empty());
    }

    #[test]
    fn a_call_after_the_identities_are_done_does_not_look_again() {
        let mut data = Fake {
            orphans: orphans(10),
            ..fake(0, 0)
        };
        // Stopped in the stats phase: the identities were all looked at.
        let first = first_call(&mut data, 2);
        assert!(!first.finished);
        assert_eq!(first.identities, Identities::Done);
        data.orphans = orphans(10);
        data.calls.clear();
        let second = run(&identity_settings(), 0, false, first.identities, &mut data, || false).unwrap();
        assert!(second.finished);
        assert!(orphan_calls(&data).is_empty(), "{:?}", data.calls);
        assert_eq!(second.counts.get("identities"), 0);
    }

    #[test]
    fn nothing_turned_on_touches_nothing() {
        let off = Settings::from_config(r#"{"retention_days": 10}"#).unwrap();
        let mut data = fake(5, 5);
        let outcome = run(&off, 0, false, Identities::FromStart, &mut data, || false).unwrap();
        assert!(outcome.finished && outcome.counts.0.is_empty());
        assert!(data.calls.is_empty());
    }
}
