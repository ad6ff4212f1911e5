//! SQLite's side of the purge: each batch is one script, run in one round
//! trip on the background writer connection as a write that gives way to
//! foreground ones (`store::give_way`), with the ids it works on in that
//! connection's batch table. (PostgreSQL's batches, in `purge.rs`, are
//! statements in a transaction that locks its rows.)

use super::ThreadPurge;
use super::identities::Swept;
use crate::store::Store;
use crate::store::error::{Result, StoreError};
use crate::store::script::Turn;
use crate::store::sql::Sql;
use crate::store::sqlite::BATCH_TABLE;

/// How many times one SQLite batch gives way to foreground work before it
/// runs without giving way, so that a purge under constant load still ends.
pub(super) const GIVE_WAY_TIMES: u32 = 8;

impl Store {
    /// SQLite's batch: one script, one round trip (see `sqlite_write`). The
    /// recheck puts the ids still idle into the background writer's batch
    /// table, and every delete takes its threads from there.
    pub(super) async fn delete_idle_threads_sqlite(
        &self,
        tenant: &str,
        channels: &[String],
        cutoff: i64,
        ids: &[String],
        fault: bool,
    ) -> Result<ThreadPurge> {
        let batch = format!("(SELECT id FROM {BATCH_TABLE})");
        let mut sql = Sql::new(tenant);
        // The batch leaves its threads' links for the identity purge to sweep
        // (`purge::identities`), so the record of how far they are swept goes.
        sql.push(&format!(
            "DELETE FROM link_sweep WHERE tenant = $1; DELETE FROM {BATCH_TABLE}; \
             INSERT INTO {BATCH_TABLE} SELECT t.id FROM thread t WHERE "
        ))
        .idle_thread_by_id(channels, cutoff)
        .push(" AND t.id IN ")
        .list(ids)
        .push(&format!(
            "; DELETE FROM intervention_comment WHERE tenant = $1 AND intervention_id IN \
                 (SELECT id FROM intervention WHERE tenant = $1 AND thread_id IN {batch}); SELECT changes(); \
                 DELETE FROM intervention WHERE tenant = $1 AND thread_id IN {batch}; SELECT changes(); \
                 DELETE FROM message WHERE tenant = $1 AND thread_id IN {batch}; SELECT changes(); \
                 DELETE FROM thread WHERE tenant = $1 AND id IN {batch}; SELECT changes()"
        ));
        let counts = self.sqlite_write(sql, !fault).await?;
        if fault {
            return Err(StoreError::InjectedFault);
        }
        match counts[..] {
            [comments, interventions, messages, threads] => Ok(ThreadPurge {
                threads,
                messages,
                interventions,
                comments,
            }),
            _ => Err(StoreError::Script(format!("four counts expected, got {counts:?}"))),
        }
    }

    /// Run `script` as a background script (`store::script`) that gives way to
    /// foreground work: rolled back, and run again once that work is done (or
    /// has gone on for a while: `stand_aside`), up to `GIVE_WAY_TIMES` times.
    /// Without `commit` the transaction is rolled back instead (a fault
    /// injected before the commit).
    pub(super) async fn sqlite_write(&self, script: Sql, commit: bool) -> Result<Vec<u64>> {
        let mut gave_way = 0;
        loop {
            let give_way = gave_way < GIVE_WAY_TIMES;
            let turn = Turn::Background { give_way, commit };
            if let Some(counts) = self.sqlite_script(script.clone(), turn).await? {
                return Ok(counts);
            }
            gave_way += 1;
            let in_all = self.writer.note_gave_way();
            tracing::debug!(gave_way, in_all, "a purge script gave way to a foreground write");
            // Tried again at once, it would give way again to a request still
            // being served, until it could no longer.
            self.writer.stand_aside().await;
        }
    }

    /// SQLite's sweep step: one script deleting the dead links of `range`
    /// (and recording it: `Sql::sweep_links`), which gives way to ingest like
    /// a thread batch; returns how many went.
    pub(super) async fn sweep_links_sqlite(&self, tenant: &str, range: Swept<'_>) -> Result<u64> {
        let mut sql = Sql::new(tenant);
        sql.sweep_links(range).push("; SELECT changes()");
        Ok(self.sqlite_write(sql, true).await?.first().copied().unwrap_or(0))
    }

    /// SQLite's orphan batch: one script, which gives way to ingest like a
    /// thread batch. It first sweeps the dead links of the identities its
    /// scan passed (`Swept`): a candidate's dead links would otherwise hold
    /// it through their foreign key. The candidates' groups go into the
    /// batch table before
    /// the identities go (`INSERT OR IGNORE`: the table's key dedups them),
    /// so the groups left empty can be found after.
    pub(super) async fn delete_orphans_sqlite(
        &self,
        tenant: &str,
        candidates: &[String],
        swept: Swept<'_>,
    ) -> Result<(u64, u64)> {
        if candidates.is_empty() {
            self.sweep_links_sqlite(tenant, swept).await?;
            return Ok((0, 0));
        }
        let mut sql = Sql::new(tenant);
        sql.sweep_links(swept)
            .push(&format!(
                "; DELETE FROM {BATCH_TABLE}; INSERT OR IGNORE INTO {BATCH_TABLE} "
            ))
        .groups_of(candidates)
        // The DELETE checks the links again: an identity that got a message
        // since the scan stays.
        .push("; DELETE FROM identity WHERE tenant = $1 AND id IN ")
        .list(candidates)
        .push(" AND ")
        .unlinked_identity("identity.id")
        .push(&format!(
            "; SELECT changes(); DELETE FROM identity_group WHERE tenant = $1 AND id IN (SELECT id FROM {BATCH_TABLE}) \
             AND NOT EXISTS (SELECT 1 FROM identity gi WHERE gi.tenant = $1 AND gi.group_id = identity_group.id); \
             SELECT changes()"
        ));
        match self.sqlite_write(sql, true).await?[..] {
            [identities, groups] => Ok((identities, groups)),
            ref counts => Err(StoreError::Script(format!("two counts expected, got {counts:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::on_sqlite;

    /// The orphan batch reads its candidates' groups by key. Left to itself
    /// (with `DISTINCT`, or a bare `group_id IS NOT NULL`), SQLite walked
    /// `identity_by_group` over every grouped identity: 9 ms against 0.7 ms
    /// for 250 of 60,000, long enough for each batch to give way eight times
    /// and then hold ingest up for its whole length (BENCHMARKS.md).
    #[tokio::test]
    async fn an_orphan_batch_reads_its_groups_by_key() {
        on_sqlite(|store| async move {
            let ids: Vec<String> = (0..250).map(|i| format!("i{i}")).collect();
            let mut sql = Sql::new("tenant");
            sql.groups_of(&ids);
            let plan = sql.plan(&store.pool).await;
            assert_eq!(
                plan,
                ["SEARCH i USING INDEX sqlite_autoindex_identity_1 (tenant=? AND id=?)"],
                "{plan:?}"
            );
        })
        .await;
    }
}
