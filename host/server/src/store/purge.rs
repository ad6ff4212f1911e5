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

mod sql;
mod sqlite;
use super::sql::{Sql, count};

/// Rows a thread purge removed (or would remove), per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThreadPurge {
    pub threads: u64,
    pub messages: u64,
    pub interventions: u64,
    pub comments: u64,
}

/// What an orphan-identity batch removed, and where the next one starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrphanPurge {
    pub identities: u64,
    pub groups: u64,
    /// Where the next batch goes on when this one stopped at its limit;
    /// `None` when it went through every identity after its start.
    pub last: Option<String>,
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
        let mut sql = Sql::new(tenant);
        sql.push("SELECT t.id FROM thread t WHERE ")
            .idle_thread(channels, cutoff)
            .push(" ORDER BY t.last_activity_at, t.id LIMIT ")
            .int(i64::from(limit));
        Ok(sql.scalar::<String>().fetch_all(self.background_readers()).await?)
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

    /// Delete up to `limit` identities of the communities of `channels`, older
    /// than `cutoff`, with ids after `after`, that no message and no
    /// intervention links, and the groups left empty by it; on SQLite, also
    /// sweep the dead links (`identity_thread` rows whose thread is gone) of
    /// every identity the batch looked through. A dry run counts
    /// what a whole run would delete after the thread purge of `channels` and
    /// `cutoff`. Without `after` every call would look again at each linked
    /// identity before the first orphan: a run's cost grew with the square of
    /// the identities (124 ms a batch at 60,000 on PostgreSQL).
    pub async fn purge_orphan_identities(
        &self,
        tenant: &str,
        channels: &[String],
        cutoff: i64,
        limit: u32,
        dry_run: bool,
        after: Option<&str>,
    ) -> Result<OrphanPurge> {
        if dry_run {
            let (identities, groups) = self.count_orphan_identities(tenant, channels, cutoff).await?;
            return Ok(OrphanPurge {
                identities,
                groups,
                last: None,
            });
        }
        // Candidates are found on a reader, outside the write lock: the scan
        // passes over every still-linked identity between two orphans, and on
        // SQLite it held the one writer for ~19 ms a batch while ingest waited.
        let mut sql = Sql::new(tenant);
        sql.push("SELECT i.id FROM identity i WHERE ")
            .identity_scope(channels, cutoff);
        if let Some(after) = after {
            sql.push(" AND i.id > ").text(after);
        }
        sql.push(" AND ")
            .unlinked_identity("i.id")
            .push(" ORDER BY i.id LIMIT ")
            .int(i64::from(limit));
        let candidates: Vec<String> = sql.scalar::<String>().fetch_all(self.background_readers()).await?;
        let last = (candidates.len() as u64 == u64::from(limit))
            .then(|| candidates.last().cloned())
            .flatten();
        // On SQLite the batch sweeps the dead links of every identity the scan passed.
        let swept = Swept {
            after,
            upto: last.as_deref(),
        };
        let (identities, groups) = match self.backend {
            Backend::Sqlite => self.delete_orphans_sqlite(tenant, &candidates, swept).await?,
            // PostgreSQL has no dead links to sweep: its thread batches
            // delete their links.
            Backend::Postgres => self.delete_orphans_tx(tenant, &candidates).await?,
        };
        Ok(OrphanPurge {
            identities,
            groups,
            last,
        })
    }

    /// Delete every link whose thread is gone (`identity_thread`), in key
    /// order, about `batch` at a time: on SQLite, where thread batches leave
    /// their links. Orphan batches sweep the identities they pass; this is for
    /// a run that purged threads but not identities, so that no trace of a
    /// purged thread stays in the links.
    pub async fn sweep_dead_links(&self, tenant: &str, batch: u32) -> Result<u64> {
        if self.backend == Backend::Postgres {
            // Its thread batches delete their links (`delete_idle_threads_tx`).
            return Ok(0);
        }
        let mut after: Option<String> = None;
        let mut swept = 0;
        loop {
            let mut sql = Sql::new(tenant);
            sql.push("SELECT identity_id FROM identity_thread WHERE tenant = $1");
            if let Some(after) = &after {
                sql.push(" AND identity_id > ").text(after);
            }
            sql.push(" ORDER BY identity_id LIMIT 1 OFFSET ")
                .int(i64::from(batch.max(1)) - 1);
            let upto: Option<String> = sql.scalar::<String>().fetch_optional(self.background_readers()).await?;
            let mut sql = Sql::new(tenant);
            sql.sweep_links(Swept {
                after: after.as_deref(),
                upto: upto.as_deref(),
            });
            sql.push("; SELECT changes()");
            swept += self.sqlite_write(sql, true).await?.first().copied().unwrap_or(0);
            match upto {
                Some(upto) => after = Some(upto),
                None => return Ok(swept),
            }
        }
    }

    /// The PostgreSQL orphan batch: statement by statement in a transaction
    /// that locks the candidates, so the DELETE checks their links again after
    /// the lock and an identity that got a message since the scan stays.
    async fn delete_orphans_tx(&self, tenant: &str, candidates: &[String]) -> Result<(u64, u64)> {
        if candidates.is_empty() {
            return Ok((0, 0));
        }
        let mut tx = self.writer.begin().await?;
        let mut sql = Sql::new(tenant);
        sql.push("SELECT i.group_id FROM identity i WHERE i.tenant = $1 AND i.id IN ")
            .list(candidates)
            .push(LOCK_ROWS);
        let mut groups: Vec<String> = sql
            .scalar::<Option<String>>()
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .flatten()
            .collect();
        groups.sort_unstable();
        groups.dedup();
        let mut sql = Sql::new(tenant);
        sql.push("DELETE FROM identity WHERE tenant = $1 AND id IN ")
            .list(candidates)
            .push(" AND ")
            .unlinked_identity("identity.id");
        let identities = sql.query().execute(&mut *tx).await?.rows_affected();
        let mut emptied = 0;
        if identities > 0 && !groups.is_empty() {
            let mut sql = Sql::new(tenant);
            sql.push("DELETE FROM identity_group WHERE tenant = $1 AND id IN ")
                .list(&groups)
                .push(
                    " AND NOT EXISTS (SELECT 1 FROM identity gi WHERE gi.tenant = $1 \
                     AND gi.group_id = identity_group.id)",
                );
            emptied = sql.query().execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok((identities, emptied))
    }

    async fn count_orphan_identities(&self, tenant: &str, channels: &[String], cutoff: i64) -> Result<(u64, u64)> {
        // An identity goes when every message and intervention linking it is in
        // a thread the thread purge deletes.
        let mut sql = Sql::new(tenant);
        sql.push("WITH gone AS (SELECT i.id, i.group_id FROM identity i WHERE ")
            .identity_scope(channels, cutoff)
            .push(
                " AND NOT EXISTS (SELECT 1 FROM identity_thread l JOIN thread t ON t.tenant = l.tenant \
                 AND t.id = l.thread_id WHERE l.tenant = $1 AND l.identity_id = i.id AND NOT (",
            )
            .idle_thread(channels, cutoff)
            .push(
                ")) AND NOT EXISTS (SELECT 1 FROM intervention v JOIN thread t ON t.tenant = v.tenant \
                 AND t.id = v.thread_id WHERE v.tenant = $1 AND v.identity_id = i.id AND NOT (",
            )
            .idle_thread(channels, cutoff)
            .push(
                "))) SELECT (SELECT COUNT(*) FROM gone) AS identities, \
                 (SELECT COUNT(*) FROM identity_group g WHERE g.tenant = $1 \
                 AND EXISTS (SELECT 1 FROM gone WHERE gone.group_id = g.id) \
                 AND NOT EXISTS (SELECT 1 FROM identity k WHERE k.tenant = $1 AND k.group_id = g.id \
                 AND k.id NOT IN (SELECT id FROM gone))) AS emptied_groups",
            );
        let row = sql.query().fetch_one(self.background_readers()).await?;
        Ok((count(row.try_get("identities")?), count(row.try_get("emptied_groups")?)))
    }
}

/// The identities whose dead links a step sweeps (`Sql::sweep_links`): ids
/// after `after` (`None`: from the first), up to `upto` (`None`: to the last).
#[derive(Clone, Copy)]
struct Swept<'a> {
    after: Option<&'a str>,
    upto: Option<&'a str>,
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
    use crate::store::testing::{both_backends, on_sqlite};
    use crate::store::{Author, Channel, Community, Identity, Moderation, NewMessage, new_id};

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

    /// Five orphan identities `i1`..`i5`, created long before the cutoff.
    async fn five_orphans(store: &Store) {
        let community = Community {
            id: "c".into(),
            name: "c".into(),
            created_at: 0,
        };
        store.insert_community("tenant", &community).await.unwrap();
        for n in 1..=5 {
            let identity = Identity {
                id: format!("i{n}"),
                community_id: "c".into(),
                group_id: None,
                screenname: format!("i{n}"),
                created_at: 0,
            };
            store.insert_identity("tenant", &identity).await.unwrap();
        }
    }

    async fn left(store: &Store) -> Vec<String> {
        let mut ids = Vec::new();
        for n in 1..=5 {
            let id = format!("i{n}");
            if store.get_identity("tenant", &id).await.unwrap().is_some() {
                ids.push(id);
            }
        }
        ids
    }

    /// Batches follow each other by `last`; one that ends short says so with none.
    async fn orphan_batches_go_on_after_the_last(store: Store) {
        five_orphans(&store).await;
        let batch = |after: Option<String>| {
            let store = store.clone();
            async move {
                store
                    .purge_orphan_identities("tenant", &[], 1_000, 2, false, after.as_deref())
                    .await
                    .unwrap()
            }
        };
        let first = batch(None).await;
        assert_eq!((first.identities, first.last.as_deref()), (2, Some("i2")));
        assert_eq!(left(&store).await, ["i3", "i4", "i5"]);
        let second = batch(first.last).await;
        assert_eq!((second.identities, second.last.as_deref()), (2, Some("i4")));
        let third = batch(second.last).await;
        assert_eq!((third.identities, third.last), (1, None));
        assert!(left(&store).await.is_empty());
    }

    /// An identity at or before `after` is not this batch's, orphan or not.
    async fn identities_before_the_cursor_stay(store: Store) {
        five_orphans(&store).await;
        let done = store
            .purge_orphan_identities("tenant", &[], 1_000, 10, false, Some("i3"))
            .await
            .unwrap();
        assert_eq!((done.identities, done.last), (2, None));
        assert_eq!(left(&store).await, ["i1", "i2", "i3"]);
    }

    /// `five_orphans`, and channel `ch` of their community `c`.
    async fn five_orphans_on_a_channel(store: &Store) {
        five_orphans(store).await;
        let channel = Channel {
            id: "ch".into(),
            community_id: "c".into(),
            name: "ch".into(),
            kind: "chat".into(),
            created_at: 0,
        };
        store.insert_channel("tenant", &channel).await.unwrap();
    }

    /// A message by `identity` at `at` in `thread`, on channel `ch` of community `c`.
    async fn post(store: &Store, thread: &str, identity: &str, at: i64) {
        let new = NewMessage {
            id: new_id(),
            channel_id: "ch".into(),
            thread_id: Some(thread.into()),
            author: Author::Customer(identity.into()),
            body: "hello".into(),
            created_at: at,
            moderation: Moderation::None,
            annotations: serde_json::json!({}),
        };
        store.post_message("tenant", &new).await.unwrap();
    }

    async fn links(store: &Store) -> Vec<(String, String)> {
        sqlx::query_as("SELECT identity_id, thread_id FROM identity_thread ORDER BY identity_id, thread_id")
            .fetch_all(&store.pool)
            .await
            .unwrap()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|&(a, b)| (a.into(), b.into())).collect()
    }

    /// Identities `i1`..`i5`; `i1` wrote in `old1` (twice), `i2` in `old2`
    /// and `new`; then `old1` and `old2` are purged. On SQLite the links of
    /// the purged threads stay behind.
    async fn a_thread_purge(store: &Store) {
        five_orphans_on_a_channel(store).await;
        post(store, "old1", "i1", 100).await;
        post(store, "old1", "i1", 150).await;
        post(store, "old2", "i2", 100).await;
        post(store, "new", "i2", 5_000).await;
        let all = pairs(&[("i1", "old1"), ("i2", "new"), ("i2", "old2")]);
        assert_eq!(links(store).await, all);

        let ids = store.find_idle_threads("tenant", &[], 1_000, 10).await.unwrap();
        assert_eq!(ids, ["old2", "old1"], "oldest activity first");
        let done = store
            .delete_idle_threads("tenant", &[], 1_000, &ids, false)
            .await
            .unwrap();
        assert_eq!((done.threads, done.messages), (2, 3));
        let left_behind = match store.backend {
            Backend::Sqlite => all,
            Backend::Postgres => pairs(&[("i2", "new")]),
        };
        assert_eq!(
            links(store).await,
            left_behind,
            "SQLite's thread purge leaves its links"
        );
    }

    /// Dead links link nothing, and the orphan batch that passes their
    /// identities sweeps them. An identity with a link to a thread still
    /// there stays, whatever dead links it also had.
    async fn orphan_batches_sweep_dead_links(store: Store) {
        a_thread_purge(&store).await;
        let done = store
            .purge_orphan_identities("tenant", &[], 1_000, 10, false, None)
            .await
            .unwrap();
        assert_eq!(done.identities, 4, "i1 and i3..i5; i2 still wrote in `new`");
        assert_eq!(left(&store).await, ["i2"]);
        assert_eq!(links(&store).await, pairs(&[("i2", "new")]));
    }

    /// Without an identity purge, the sweep at the end of a run deletes the
    /// dead links, and only them, in steps that follow each other.
    async fn a_sweep_deletes_dead_links_only(store: Store) {
        a_thread_purge(&store).await;
        // One link a step: (none, i1], (i1, i2], then (i2, end).
        let dead = if store.backend == Backend::Sqlite { 2 } else { 0 };
        assert_eq!(store.sweep_dead_links("tenant", 1).await.unwrap(), dead);
        assert_eq!(links(&store).await, pairs(&[("i2", "new")]));
        assert_eq!(left(&store).await, ["i1", "i2", "i3", "i4", "i5"]);
        assert_eq!(store.sweep_dead_links("tenant", 1_000).await.unwrap(), 0);
    }

    /// No identity can be deleted while a message names it, by the purge or
    /// anyone else. On SQLite the message holds its author's link and the link
    /// the identity; on PostgreSQL the message holds the identity itself
    /// (see the migrations), so there a link can go and the identity still stays.
    async fn a_message_holds_its_authors_link_and_identity(store: Store) {
        five_orphans_on_a_channel(&store).await;
        post(&store, "t", "i1", 100).await;
        let unlink = sqlx::query("DELETE FROM identity_thread WHERE tenant = 'tenant'")
            .execute(&store.writer)
            .await;
        if store.backend == Backend::Sqlite {
            assert!(unlink.is_err(), "a link a message holds was deleted: {unlink:?}");
            assert_eq!(links(&store).await, pairs(&[("i1", "t")]));
        }
        let refused = sqlx::query("DELETE FROM identity WHERE tenant = 'tenant' AND id = 'i1'")
            .execute(&store.writer)
            .await;
        assert!(refused.is_err(), "an identity a message names was deleted: {refused:?}");
        assert_eq!(left(&store).await, ["i1", "i2", "i3", "i4", "i5"]);
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

    both_backends!(
        orphan_batches_go_on_after_the_last,
        identities_before_the_cursor_stay,
        orphan_batches_sweep_dead_links,
        a_sweep_deletes_dead_links_only,
        a_message_holds_its_authors_link_and_identity,
    );
}
