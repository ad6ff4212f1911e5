//! The purge's typed, batched deletes. Every statement is scoped to the tenant,
//! every condition the purge extension states (idle since a cutoff, on these
//! channels, linked to nothing) is checked by the SQL that deletes, and each
//! batch is one short transaction: a thread goes with its messages,
//! interventions and comments or not at all, and a message that arrives
//! between finding a thread and deleting it keeps the thread. Dry runs count
//! with the same conditions, so their counts equal a real run's.

use sqlx::Row;

use super::error::{Result, StoreError};
use super::{Backend, Store};

mod identities;
mod sql;
mod sqlite;
use super::sql::{Sql, count};
pub use identities::OrphanPurge;

/// Rows a thread purge removed (or would remove), per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThreadPurge {
    pub threads: u64,
    pub messages: u64,
    pub interventions: u64,
    pub comments: u64,
}

/// The statement `find_idle_threads` runs on `backend`. On SQLite each
/// thread's activity is selected too, for `read_ids` to order the ids by;
/// PostgreSQL's statement stays as it was measured (BENCHMARKS.md).
fn find_idle_threads_sql(backend: Backend, tenant: &str, channels: &[String], cutoff: i64, limit: u32) -> Sql {
    let columns = match backend {
        Backend::Sqlite => "t.id, t.last_activity_at",
        Backend::Postgres => "t.id",
    };
    let mut sql = Sql::new(tenant);
    sql.push(&format!("SELECT {columns} FROM thread t WHERE "))
        .idle_thread(channels, cutoff)
        .push(" ORDER BY t.last_activity_at, t.id LIMIT ")
        .int(i64::from(limit));
    sql
}

/// PostgreSQL's batches lock the rows they chose, so ingest cannot add to
/// them before the batch commits. (SQLite's are scripts that hold its write
/// lock from their first statement, so no other write can enter:
/// `purge/sqlite.rs`.)
const LOCK_ROWS: &str = " FOR UPDATE";

impl Store {
    /// Up to `limit` idle threads on `channels` (all when empty), oldest activity first.
    pub async fn find_idle_threads(
        &self,
        tenant: &str,
        channels: &[String],
        cutoff: i64,
        limit: u32,
    ) -> Result<Vec<String>> {
        let sql = find_idle_threads_sql(self.backend, tenant, channels, cutoff, limit);
        self.read_ids(sql, "last_activity_at, id").await
    }

    /// The ids `sql` selects (its first column, `id`), read on a background
    /// reader, in `order` (columns of the `SELECT`, which orders them so too).
    /// On SQLite they come as one row. sqlx passes rows from SQLite's thread
    /// to the caller's through a channel of 50, and once it is full each row
    /// taken wakes that (lowered) thread for the next: a find of 500 threads
    /// took 5.1 ms in the server against 1.3 ms in SQLite alone, and 1.6 ms
    /// as one row (BENCHMARKS.md, twenty-first session).
    pub(super) async fn read_ids(&self, mut sql: Sql, order: &str) -> Result<Vec<String>> {
        match self.backend {
            Backend::Sqlite => {
                sql.ids_as_one_row(order);
                let json: String = sql.scalar::<String>().fetch_one(self.background_readers()).await?;
                serde_json::from_str(&json).map_err(|source| StoreError::Json { what: "ids", source })
            }
            Backend::Postgres => Ok(sql.scalar::<String>().fetch_all(self.background_readers()).await?),
        }
    }

    /// Delete those of `ids` still idle on `channels`, whole, in one transaction.
    /// `fault` aborts the batch after its deletes and before the commit, as a
    /// crash would: tests use it to show nothing half-done remains.
    pub async fn delete_idle_threads(
        &self,
        tenant: &str,
        channels: &[String],
        cutoff: i64,
        ids: &[String],
        fault: bool,
    ) -> Result<ThreadPurge> {
        if ids.is_empty() {
            return Ok(ThreadPurge::default());
        }
        match self.backend {
            Backend::Sqlite => {
                self.delete_idle_threads_sqlite(tenant, channels, cutoff, ids, fault)
                    .await
            }
            Backend::Postgres => self.delete_idle_threads_tx(tenant, channels, cutoff, ids, fault).await,
        }
    }

    /// The PostgreSQL batch: statement by statement in a transaction, the
    /// threads locked by the recheck.
    async fn delete_idle_threads_tx(
        &self,
        tenant: &str,
        channels: &[String],
        cutoff: i64,
        ids: &[String],
        fault: bool,
    ) -> Result<ThreadPurge> {
        let mut tx = self.writer.begin().await?;
        // Recheck and lock inside the transaction: a thread that
        // got a message since it was found is no longer idle and stays.
        let mut sql = Sql::new(tenant);
        sql.push("SELECT t.id FROM thread t WHERE ")
            .idle_thread_by_id(channels, cutoff)
            .push(" AND t.id IN ")
            .list(ids)
            .push(LOCK_ROWS);
        let idle: Vec<String> = sql.scalar::<String>().fetch_all(&mut *tx).await?;
        if idle.is_empty() {
            tx.rollback().await?;
            return Ok(ThreadPurge::default());
        }
        let mut done = ThreadPurge::default();
        let mut sql = Sql::new(tenant);
        sql.push(
            "DELETE FROM intervention_comment WHERE tenant = $1 AND intervention_id IN \
             (SELECT id FROM intervention WHERE tenant = $1 AND thread_id IN ",
        )
        .list(&idle)
        .push(")");
        done.comments = sql.query().execute(&mut *tx).await?.rows_affected();
        let mut sql = Sql::new(tenant);
        sql.push("DELETE FROM intervention WHERE tenant = $1 AND thread_id IN ")
            .list(&idle);
        done.interventions = sql.query().execute(&mut *tx).await?.rows_affected();
        let mut sql = Sql::new(tenant);
        sql.push("DELETE FROM message WHERE tenant = $1 AND thread_id IN ")
            .list(&idle);
        done.messages = sql.query().execute(&mut *tx).await?.rows_affected();
        // PostgreSQL deletes the links at once: a deleted row costs its
        // indexes nothing until vacuum, and then no sweep has to look at
        // every link later (SQLite leaves them: `Sql::sweep_links`).
        let mut sql = Sql::new(tenant);
        sql.push("DELETE FROM identity_thread WHERE tenant = $1 AND thread_id IN ")
            .list(&idle);
        sql.query().execute(&mut *tx).await?;
        if fault {
            // Dropping the transaction rolls it back, as a dead process's would be.
            return Err(StoreError::InjectedFault);
        }
        let mut sql = Sql::new(tenant);
        sql.push("DELETE FROM thread WHERE tenant = $1 AND id IN ").list(&idle);
        done.threads = sql.query().execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(done)
    }

    /// What deleting every idle thread on `channels` would remove; deletes nothing.
    pub async fn count_idle_threads(&self, tenant: &str, channels: &[String], cutoff: i64) -> Result<ThreadPurge> {
        let mut sql = Sql::new(tenant);
        sql.push("WITH idle AS (SELECT t.id FROM thread t WHERE ")
            .idle_thread(channels, cutoff)
            .push(
                ") SELECT (SELECT COUNT(*) FROM idle) AS threads, \
                 (SELECT COUNT(*) FROM message WHERE tenant = $1 AND thread_id IN (SELECT id FROM idle)) AS messages, \
                 (SELECT COUNT(*) FROM intervention WHERE tenant = $1 AND thread_id IN (SELECT id FROM idle)) \
                 AS interventions, \
                 (SELECT COUNT(*) FROM intervention_comment WHERE tenant = $1 AND intervention_id IN \
                 (SELECT id FROM intervention WHERE tenant = $1 AND thread_id IN (SELECT id FROM idle))) AS comments",
            );
        let row = sql.query().fetch_one(self.background_readers()).await?;
        Ok(ThreadPurge {
            threads: count(row.try_get("threads")?),
            messages: count(row.try_get("messages")?),
            interventions: count(row.try_get("interventions")?),
            comments: count(row.try_get("comments")?),
        })
    }

    /// Delete up to `limit` rows of `table` older than `cutoff` (by `column`),
    /// on `channels` when the table has a channel; or count them all in a dry run.
    async fn purge_before(
        &self,
        tenant: &str,
        table: Table,
        channels: &[String],
        cutoff: i64,
        limit: u32,
        dry_run: bool,
    ) -> Result<u64> {
        let (name, time) = table.columns();
        let mut sql = Sql::new(tenant);
        if dry_run {
            sql.push(&format!("SELECT COUNT(*) FROM {name} WHERE tenant = $1 AND {time} < "))
                .int(cutoff)
                .channels("channel_id", channels);
            return Ok(count(sql.scalar::<i64>().fetch_one(self.background_readers()).await?));
        }
        sql.push(&format!(
            "DELETE FROM {name} WHERE tenant = $1 AND id IN (SELECT id FROM {name} WHERE tenant = $1 AND {time} < "
        ))
        .int(cutoff)
        .channels("channel_id", channels)
        .push(&format!(" ORDER BY {time} LIMIT "))
        .int(i64::from(limit))
        .push(")");
        if self.backend == Backend::Sqlite {
            // A script, so that it gives way to ingest like a thread batch.
            sql.push("; SELECT changes()");
            return Ok(self.sqlite_write(sql, true).await?.first().copied().unwrap_or(0));
        }
        // One statement: atomic without a transaction around it.
        Ok(sql.query().execute(&self.writer).await?.rows_affected())
    }

    /// Delete up to `limit` admin audit events older than `cutoff` (dry run: count all).
    pub async fn purge_events_before(&self, tenant: &str, cutoff: i64, limit: u32, dry_run: bool) -> Result<u64> {
        self.purge_before(tenant, Table::Event, &[], cutoff, limit, dry_run)
            .await
    }

    /// Delete up to `limit` stats on `channels` older than `cutoff` (dry run: count all).
    pub async fn purge_stats_before(
        &self,
        tenant: &str,
        channels: &[String],
        cutoff: i64,
        limit: u32,
        dry_run: bool,
    ) -> Result<u64> {
        self.purge_before(tenant, Table::Stat, channels, cutoff, limit, dry_run)
            .await
    }

    /// Delete up to `limit` agent activities older than `cutoff` (dry run: count all).
    pub async fn purge_agent_activities_before(
        &self,
        tenant: &str,
        cutoff: i64,
        limit: u32,
        dry_run: bool,
    ) -> Result<u64> {
        self.purge_before(tenant, Table::AgentActivity, &[], cutoff, limit, dry_run)
            .await
    }
}

/// The time-series tables a purge deletes by age.
#[derive(Clone, Copy)]
enum Table {
    Event,
    Stat,
    AgentActivity,
}

impl Table {
    /// The table's name and its time column (fixed names, never user input).
    fn columns(self) -> (&'static str, &'static str) {
        match self {
            Table::Event => ("event", "created_at"),
            Table::Stat => ("stat", "at"),
            Table::AgentActivity => ("agent_activity", "at"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{on_postgres, on_sqlite};
    use crate::store::{Community, Identity};

    /// Ids read as one row on SQLite, or row by row on PostgreSQL, come back
    /// as stored and in the order asked, whatever characters they hold.
    #[tokio::test]
    async fn ids_come_back_whole_and_in_order() {
        async fn read(store: Store) {
            let ids = ["b,\"q\"]", "a\\x", "ü 🙂", "c'd", ""];
            let mut sql = Sql::new("tenant");
            sql.push("SELECT id, n FROM (");
            for (n, id) in ids.iter().enumerate() {
                if n > 0 {
                    sql.push(" UNION ALL ");
                }
                sql.push("SELECT ")
                    .text(id)
                    .push(" AS id, ")
                    .int(n as i64)
                    .push(" AS n");
            }
            sql.push(") v WHERE $1 = 'tenant' ORDER BY n DESC");
            let mut expected: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
            expected.reverse();
            assert_eq!(store.read_ids(sql.clone(), "n DESC").await.unwrap(), expected);
            sql.push(" LIMIT 0");
            assert!(store.read_ids(sql, "n DESC").await.unwrap().is_empty());
        }
        on_sqlite(read).await;
        on_postgres(read).await;
    }

    /// SQLite's plan of the in-transaction recheck of `ids`, one line per step.
    async fn recheck_plan(store: &Store, channels: &[String]) -> String {
        let ids: Vec<String> = (0..50).map(|i| format!("t{i}")).collect();
        let mut sql = Sql::new("tenant");
        sql.push("SELECT t.id FROM thread t WHERE ")
            .idle_thread_by_id(channels, 1_000)
            .push(" AND t.id IN ")
            .list(&ids);
        sql.plan(&store.pool).await.join("\n")
    }

    /// The recheck of a batch looks its threads up by key. Left to itself,
    /// SQLite walked the activity index over every idle thread instead, which
    /// made each batch cost time in proportion to all idle threads.
    #[tokio::test]
    async fn a_batch_recheck_looks_threads_up_by_id() {
        on_sqlite(|store| async move {
            for channels in [vec![], vec!["ch1".to_string(), "ch2".to_string()]] {
                let plan = recheck_plan(&store, &channels).await;
                assert!(
                    plan.contains("SEARCH t USING INDEX sqlite_autoindex_thread_1 (tenant=? AND id=?)"),
                    "channels {channels:?}:\n{plan}"
                );
            }
        })
        .await;
    }

    /// A find walks the activity index (from the oldest thread, or over the
    /// selected channels' idle ones) and looks each thread's last message up,
    /// on PostgreSQL too. With a `NOT EXISTS` for the recent
    /// message, PostgreSQL planned an anti-join that hashed every recent
    /// message first (a sequential scan of `message`, 300-600 ms a find on
    /// 1,000,000 messages), on this dataset as on the bench's.
    #[tokio::test]
    async fn a_find_walks_the_activity_index_on_postgres() {
        on_postgres(|store| async move {
            let now = 1_796_318_185_363;
            let options = crate::seed::SeedOptions {
                tenant: "tenant".into(),
                threads: 5_000,
                messages_per_thread: 10,
                idle_share: 0.5,
                seed: 1,
                now,
            };
            crate::seed::seed(&store, &options).await.unwrap();
            let cutoff = now - 30 * 86_400_000;
            for channels in [vec![], vec!["ch1".to_string(), "ch2".to_string()]] {
                let plan = find_idle_threads_sql(Backend::Postgres, "tenant", &channels, cutoff, 500)
                    .plan_postgres(&store.pool)
                    .await
                    .join("\n");
                assert!(!plan.contains("Seq Scan on message"), "channels {channels:?}:\n{plan}");
                // The activity index in order, or its entries for the channels.
                let by_activity =
                    plan.contains("Index Scan using thread_by_") || plan.contains("Index Scan on thread_by_");
                assert!(by_activity, "channels {channels:?}:\n{plan}");
                assert!(
                    plan.contains("using message_by_thread"),
                    "channels {channels:?}:\n{plan}"
                );
            }
        })
        .await;
    }

    /// Five orphan identities `i1`..`i5`, created long before the cutoff.
    pub(super) async fn five_orphans(store: &Store) {
        let community = Community {
            id: "c".into(),
            name: "c".into(),
            created_at: 0,
        };
        store.insert_community("tenant", &community).await.unwrap();
        old_identities(store, (1..=5).map(|n| format!("i{n}"))).await;
    }

    /// Identities of community `c`, created at 0, in no group, linked to nothing.
    pub(super) async fn old_identities(store: &Store, ids: impl Iterator<Item = String>) {
        for id in ids {
            let identity = Identity {
                screenname: id.clone(),
                id,
                community_id: "c".into(),
                group_id: None,
                created_at: 0,
            };
            store.insert_identity("tenant", &identity).await.unwrap();
        }
    }

    pub(super) async fn left(store: &Store) -> Vec<String> {
        let mut ids = Vec::new();
        for n in 1..=5 {
            let id = format!("i{n}");
            if store.get_identity("tenant", &id).await.unwrap().is_some() {
                ids.push(id);
            }
        }
        ids
    }

    /// A script that fails halfway is rolled back whole and leaves the writer
    /// outside any transaction: the next script's `BEGIN` would fail inside
    /// one, and readers see only what committed.
    #[tokio::test]
    async fn a_failed_script_is_rolled_back_and_the_writer_goes_on() {
        on_sqlite(|store| async move {
            five_orphans(&store).await;
            let script = |text: &str| {
                let mut sql = Sql::new("tenant");
                sql.push(text);
                sql
            };
            let failed = store
                .sqlite_write(
                    script(
                        "DELETE FROM identity WHERE tenant = $1 AND id = 'i1'; SELECT changes(); DELETE FROM nowhere",
                    ),
                    true,
                )
                .await;
            assert!(failed.is_err(), "{failed:?}");
            assert_eq!(left(&store).await, ["i1", "i2", "i3", "i4", "i5"]);
            // Without `commit` (an injected fault) nothing stays either.
            let two = "DELETE FROM identity WHERE tenant = $1 AND id = 'i2'; SELECT changes()";
            assert!(store.sqlite_write(script(two), false).await.unwrap().is_empty());
            assert_eq!(left(&store).await, ["i1", "i2", "i3", "i4", "i5"]);
            assert_eq!(store.sqlite_write(script(two), true).await.unwrap(), [1]);
            assert_eq!(left(&store).await, ["i1", "i3", "i4", "i5"]);
        })
        .await;
    }

    /// A foreground write that arrives while a long background script runs
    /// goes first: the script is rolled back, tried again once the write is
    /// done, and in the end commits once.
    #[tokio::test]
    async fn a_script_gives_way_to_a_foreground_write() {
        on_sqlite(|store| async move {
            five_orphans(&store).await;
            // A delete, then a second or so of SQLite's own work.
            let mut slow = Sql::new("tenant");
            slow.push(
                "DELETE FROM identity WHERE tenant = $1 AND id = 'i1'; SELECT changes(); \
                 WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10000000) \
                 SELECT count(*) - 10000000 FROM n",
            );
            let background = {
                let store = store.clone();
                tokio::spawn(async move { store.sqlite_write(slow, true).await })
            };
            // Let the script start, then write in the foreground.
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            assert!(!background.is_finished(), "the script should take far longer than this");
            sqlx::query("DELETE FROM identity WHERE tenant = 'tenant' AND id = 'i2'")
                .execute(&store.writer)
                .await
                .unwrap();
            assert!(
                !background.is_finished(),
                "the foreground write waited for the whole script instead of going first"
            );
            assert_eq!(
                left(&store).await,
                ["i1", "i3", "i4", "i5"],
                "the script's delete was rolled back"
            );
            assert_eq!(background.await.unwrap().unwrap(), [1, 0]);
            assert_eq!(left(&store).await, ["i3", "i4", "i5"]);
            assert_eq!(store.writer.note_gave_way(), 2, "it gave way once");
        })
        .await;
    }

    /// A request being served counts as foreground work from its start: a
    /// background script gives way to it and stands aside for it, but only
    /// so many times, so a purge under requests that never end still ends.
    #[tokio::test]
    async fn a_script_gives_way_to_a_request_being_served_and_still_ends() {
        on_sqlite(|store| async move {
            five_orphans(&store).await;
            let _request = store.serving();
            // A delete, then enough of SQLite's own work for the progress
            // handler to look at whether to give way.
            let mut script = Sql::new("tenant");
            script.push(
                "DELETE FROM identity WHERE tenant = $1 AND id = 'i1'; SELECT changes(); \
                 WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000) \
                 SELECT count(*) - 100000 FROM n",
            );
            let started = std::time::Instant::now();
            assert_eq!(store.sqlite_write(script, true).await.unwrap(), [1, 0]);
            let took = started.elapsed();
            assert_eq!(left(&store).await, ["i2", "i3", "i4", "i5"]);
            assert_eq!(
                store.writer.note_gave_way(),
                u64::from(sqlite::GIVE_WAY_TIMES) + 1,
                "it gave way as often as it may, then ran to its end"
            );
            // Each time it stood aside for the request, up to 10 ms.
            assert!(took >= std::time::Duration::from_millis(80), "{took:?}");
        })
        .await;
    }
}
