//! SQLite's side of the purge: each batch is one script, run in one round
//! trip on the writer connection as a background write that gives way to
//! foreground ones (`store::give_way`), with the ids it works on in the
//! writer's batch table. (PostgreSQL's batches, in `purge.rs`, are statements
//! in a transaction that locks its rows.)

use sqlx::{Any, Row};

use super::ThreadPurge;
use super::sql::{Sql, count};
use crate::store::Store;
use crate::store::error::{Result, StoreError};
use crate::store::give_way::gave_way;
use crate::store::sqlite::BATCH_TABLE;

/// How many times one SQLite batch gives way to foreground writes before it
/// runs without giving way, so that a purge under constant load still ends.
const GIVE_WAY_TIMES: u32 = 8;

/// Roll back whatever a failed script left open; a connection that cannot is
/// closed, never handed to the next writer in a transaction.
async fn end_transaction(conn: &mut sqlx::pool::PoolConnection<Any>) {
    use sqlx::Executor;
    if let Err(e) = conn.execute("ROLLBACK").await {
        // SQLite rolls back itself when a write is interrupted (the script gave
        // way) and after some errors; then nothing is open.
        let message = e.as_database_error().map(|e| e.message().to_owned());
        if !message.is_some_and(|m| m.contains("no transaction is active")) {
            tracing::warn!(error = %e, "rollback after a failed batch failed; closing the connection");
            conn.close_on_drop();
        }
    }
}

impl Store {
    /// SQLite's batch: one script, one round trip (see `sqlite_write`). The
    /// recheck puts the ids still idle into the writer's batch table, and every
    /// delete takes its threads from there.
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
        sql.push(&format!(
            "DELETE FROM {BATCH_TABLE}; INSERT INTO {BATCH_TABLE} SELECT t.id FROM thread t WHERE "
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
            _ => Err(StoreError::Batch(format!("four counts expected, got {counts:?}"))),
        }
    }

    /// Run `script` as one write transaction in a single round trip to SQLite's
    /// connection thread, and return the value of each `SELECT changes()` in it.
    /// Every round trip of a transaction holds the one writer connection while
    /// the caller's thread and SQLite's trade wake-ups, and an ingest that
    /// arrives meanwhile waits for all of them: one script keeps the writer
    /// busy only for SQLite's own work. Without `commit` the transaction is
    /// rolled back instead (a fault injected before the commit).
    ///
    /// The script gives way to a foreground write that arrives while it runs
    /// (see `give_way`): it is rolled back, and run again once that write is
    /// done, up to `GIVE_WAY_TIMES` times.
    pub(super) async fn sqlite_write(&self, mut script: Sql, commit: bool) -> Result<Vec<u64>> {
        script.text.insert_str(0, "BEGIN IMMEDIATE; ");
        let mut gave_way = 0;
        loop {
            let give_way = gave_way < GIVE_WAY_TIMES;
            if let Some(counts) = self.sqlite_script(script.clone(), commit, give_way).await? {
                return Ok(counts);
            }
            gave_way += 1;
            let in_all = self.writer.note_gave_way();
            tracing::debug!(gave_way, in_all, "a purge script gave way to a foreground write");
        }
    }

    /// One try of `sqlite_write`: `None` when the script gave way.
    async fn sqlite_script(&self, script: Sql, commit: bool, give_way: bool) -> Result<Option<Vec<u64>>> {
        use sqlx::Executor;
        let writer = self.writer.clone();
        // A task of its own, so the transaction always ends: a caller that stops
        // waiting would otherwise drop the statements halfway and leave the
        // writer connection inside an open transaction.
        let task = tokio::spawn(async move {
            let (mut conn, background) = writer.background(give_way).await?;
            let rows = script.query().fetch_all(&mut *conn).await;
            // The commit (or rollback) never gives way, so it is a statement of
            // its own: SQLite looks at the progress handler once more as a
            // statement ends, and would report a COMMIT that went through as
            // interrupted.
            drop(background);
            let rows = match rows {
                Ok(rows) if commit => match conn.execute("COMMIT").await {
                    Ok(_) => rows,
                    Err(e) => {
                        end_transaction(&mut conn).await;
                        return Err(StoreError::from(e));
                    }
                },
                Ok(_) => {
                    end_transaction(&mut conn).await;
                    return Ok(Some(Vec::new()));
                }
                Err(e) => {
                    end_transaction(&mut conn).await;
                    return if give_way && gave_way(&e) {
                        Ok(None)
                    } else {
                        Err(StoreError::from(e))
                    };
                }
            };
            rows.iter()
                .map(|row| Ok(count(row.try_get::<i64, _>(0)?)))
                .collect::<Result<Vec<u64>>>()
                .map(Some)
        });
        task.await.map_err(|e| StoreError::Batch(e.to_string()))?
    }

    /// SQLite's orphan batch: one script, which gives way to ingest like a
    /// thread batch. The candidates' groups go into the batch table before
    /// the identities go (`INSERT OR IGNORE`: the table's key dedups them),
    /// so the groups left empty can be found after.
    pub(super) async fn delete_orphans_sqlite(&self, tenant: &str, candidates: &[String]) -> Result<(u64, u64)> {
        let mut sql = Sql::new(tenant);
        sql.push(&format!(
            "DELETE FROM {BATCH_TABLE}; INSERT OR IGNORE INTO {BATCH_TABLE} "
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
            ref counts => Err(StoreError::Batch(format!("two counts expected, got {counts:?}"))),
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
