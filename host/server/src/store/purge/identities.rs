//! The identity purge: identities that no message and no intervention links
//! any more, and the groups they leave empty. A message links its author
//! through an `identity_thread` row; on SQLite a thread purge leaves its links
//! behind, so that no index keyed by identity changes as threads go, and the
//! identity purge (or the sweep at the end of a run) deletes them in key order.

use sqlx::Row;

use super::LOCK_ROWS;
use crate::store::error::Result;
use crate::store::sql::{Sql, count};
use crate::store::{Backend, Store};

/// The most identities one batch deletes on PostgreSQL, whatever the caller
/// asks. There, ingest was slowed by orphan batches far more than by thread
/// batches, and the more the longer a batch ran (25-35 ms for 250), though
/// neither the cores nor the disk were busy; with 50 a batch, ingest's p99
/// during a purge came down by a fifth, for a purge about a fifth slower
/// (BENCHMARKS.md, fourteenth session). The caller goes on from `last`, as
/// after any full batch.
const POSTGRES_IDENTITY_BATCH: u32 = 50;

/// The most identities one batch looks through, orphans or not. A batch that
/// found fewer orphans than asked in them ends there and says where the next
/// goes on. Without it a batch's cost had no bound: its scan, and on SQLite its
/// sweep of dead links in one write script, covered every identity up to its
/// last orphan. The purge extension's calls each start the identities over,
/// so the first batch of a call passed again every identity an earlier call
/// had: on SQLite 175-295 ms in the bench's purge, which gave way eight times
/// and then held ingest up for 43-87 ms; on PostgreSQL 256-408 ms
/// (BENCHMARKS.md, sixteenth session). 1,000 is about 1.6 times what a batch
/// of 250 orphans passed in the bench.
const SCAN_WINDOW: u32 = 1_000;

/// What an orphan-identity batch removed, and where the next one starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrphanPurge {
    pub identities: u64,
    pub groups: u64,
    /// Where the next batch goes on when this one stopped at its limit or at
    /// the end of its window (`SCAN_WINDOW`); `None` when it went through
    /// every identity after its start.
    pub last: Option<String>,
}

/// The identities whose dead links a step sweeps (`Sql::sweep_links`): ids
/// after `after` (`None`: from the first), up to `upto` (`None`: to the last).
#[derive(Clone, Copy)]
pub(super) struct Swept<'a> {
    pub(super) after: Option<&'a str>,
    pub(super) upto: Option<&'a str>,
}

impl Store {
    /// Delete up to `limit` identities of the communities of `channels`, older
    /// than `cutoff`, with ids after `after`, that no message and no
    /// intervention links, and the groups left empty by it; on SQLite, also
    /// sweep the dead links (`identity_thread` rows whose thread is gone) of
    /// every identity the batch looked through: at most `SCAN_WINDOW`, the
    /// first after `after`. A dry run counts
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
        self.purge_orphans_in_window(tenant, channels, cutoff, limit, after, SCAN_WINDOW)
            .await
    }

    /// One real batch of `purge_orphan_identities`, looking through at most
    /// `window` identities.
    async fn purge_orphans_in_window(
        &self,
        tenant: &str,
        channels: &[String],
        cutoff: i64,
        limit: u32,
        after: Option<&str>,
        window: u32,
    ) -> Result<OrphanPurge> {
        let limit = match self.backend {
            Backend::Postgres => limit.min(POSTGRES_IDENTITY_BATCH),
            Backend::Sqlite => limit,
        };
        // The window's last identity, if there are that many after `after`.
        let mut sql = Sql::new(tenant);
        sql.identities_after(channels, cutoff, after)
            .push(" ORDER BY i.id LIMIT 1 OFFSET ")
            .int(i64::from(window.max(1)) - 1);
        let window_end: Option<String> = sql.scalar::<String>().fetch_optional(self.background_readers()).await?;
        // Candidates are found on a reader, outside the write lock: the scan
        // passes over every still-linked identity between two orphans, and on
        // SQLite it held the one writer for ~19 ms a batch while ingest waited.
        let mut sql = Sql::new(tenant);
        sql.identities_after(channels, cutoff, after);
        if let Some(end) = &window_end {
            sql.push(" AND i.id <= ").text(end);
        }
        sql.push(" AND ")
            .unlinked_identity("i.id")
            .push(" ORDER BY i.id LIMIT ")
            .int(i64::from(limit));
        let candidates = self.read_ids(sql, "id").await?;
        // The batch looked through its identities up to its last candidate
        // when it found as many as asked, else through its whole window.
        let last = if candidates.len() as u64 == u64::from(limit) {
            candidates.last().cloned()
        } else {
            window_end
        };
        let (identities, groups) = match self.backend {
            Backend::Sqlite => {
                // The batch sweeps the dead links of every identity the scan passed.
                let swept = Swept {
                    after,
                    upto: last.as_deref(),
                };
                self.delete_orphans_sqlite(tenant, &candidates, swept).await?
            }
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
    /// a run that purged threads but not identities, or not all of them, so
    /// that no trace of a purged thread stays in the links. It does nothing
    /// when `link_sweep` says every dead link has gone since the last thread
    /// batch: a run whose orphan batches went through every identity would
    /// otherwise pass every link again (~220 ms for 55,000 in the bench).
    pub async fn sweep_dead_links(&self, tenant: &str, batch: u32) -> Result<u64> {
        if self.backend == Backend::Postgres {
            // Its thread batches delete their links (`delete_idle_threads_tx`).
            return Ok(0);
        }
        let mut sql = Sql::new(tenant);
        sql.push("SELECT 1 FROM link_sweep WHERE tenant = $1 AND through IS NULL");
        if sql
            .scalar::<i64>()
            .fetch_optional(self.background_readers())
            .await?
            .is_some()
        {
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
            let range = Swept {
                after: after.as_deref(),
                upto: upto.as_deref(),
            };
            swept += self.sweep_links_sqlite(tenant, range).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::purge::tests::{five_orphans, left, old_identities};
    use crate::store::testing::both_backends;
    use crate::store::{Author, Channel, Moderation, NewMessage, new_id};

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

    /// On PostgreSQL a batch stops at `POSTGRES_IDENTITY_BATCH` and says where
    /// the next goes on; SQLite takes what the caller asked.
    async fn a_postgres_batch_is_capped(store: Store) {
        five_orphans(&store).await;
        let more = POSTGRES_IDENTITY_BATCH + 3;
        old_identities(&store, (6..=more).map(|n| format!("i{n:03}"))).await;
        let all = u64::from(more);
        let first = store
            .purge_orphan_identities("tenant", &[], 1_000, 1_000, false, None)
            .await
            .unwrap();
        match store.backend {
            Backend::Postgres => {
                assert_eq!(first.identities, u64::from(POSTGRES_IDENTITY_BATCH));
                assert!(first.last.is_some(), "{first:?}");
                let rest = store
                    .purge_orphan_identities("tenant", &[], 1_000, 1_000, false, first.last.as_deref())
                    .await
                    .unwrap();
                assert_eq!((first.identities + rest.identities, rest.last), (all, None));
            }
            Backend::Sqlite => assert_eq!((first.identities, first.last), (all, None)),
        }
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

    /// A batch looks through at most its window of identities, orphans or
    /// not, and goes no further when they held fewer orphans than asked; on
    /// SQLite it sweeps the dead links of that window only.
    async fn a_batch_looks_through_its_window_only(store: Store) {
        a_thread_purge(&store).await;
        let batch = |after: Option<&'static str>, window: u32| {
            let store = store.clone();
            async move {
                store
                    .purge_orphans_in_window("tenant", &[], 1_000, 10, after, window)
                    .await
                    .unwrap()
            }
        };
        let first = batch(None, 1).await;
        assert_eq!((first.identities, first.last.as_deref()), (1, Some("i1")));
        let dead_of_i2 = match store.backend {
            Backend::Sqlite => pairs(&[("i2", "new"), ("i2", "old2")]),
            Backend::Postgres => pairs(&[("i2", "new")]),
        };
        assert_eq!(links(&store).await, dead_of_i2, "only i1's dead link went");
        // A window of linked identities only: nothing deleted, and on from its end.
        let second = batch(Some("i1"), 1).await;
        assert_eq!((second.identities, second.last.as_deref()), (0, Some("i2")));
        assert_eq!(links(&store).await, pairs(&[("i2", "new")]));
        let third = batch(Some("i2"), 2).await;
        assert_eq!((third.identities, third.last.as_deref()), (2, Some("i4")));
        // Fewer identities than the window: the last batch.
        let fourth = batch(Some("i4"), 2).await;
        assert_eq!((fourth.identities, fourth.last), (1, None));
        assert_eq!(left(&store).await, ["i2"]);
    }

    /// How far `link_sweep` says dead links are swept: none when there is no
    /// record, `Some(None)` through the last identity.
    async fn sweep_record(store: &Store) -> Option<Option<String>> {
        sqlx::query_scalar("SELECT through FROM link_sweep WHERE tenant = 'tenant'")
            .fetch_optional(&store.pool)
            .await
            .unwrap()
    }

    /// A dead link the purge never saw: the only way to tell a sweep that
    /// was skipped from one that found nothing.
    async fn plant_dead_link(store: &Store, identity: &str, thread: &str) {
        sqlx::query("INSERT INTO identity_thread (tenant, identity_id, thread_id) VALUES ('tenant', $1, $2)")
            .bind(identity)
            .bind(thread)
            .execute(&store.writer)
            .await
            .unwrap();
    }

    async fn purge_idle_threads(store: &Store) {
        let ids = store.find_idle_threads("tenant", &[], 1_000, 10).await.unwrap();
        store
            .delete_idle_threads("tenant", &[], 1_000, &ids, false)
            .await
            .unwrap();
    }

    /// On SQLite the sweep closing a run is skipped only when orphan batches
    /// following each other from the first identity to the last swept every
    /// dead link since the last thread batch.
    #[tokio::test]
    async fn the_closing_sweep_is_skipped_only_after_a_whole_pass() {
        crate::store::testing::on_sqlite(|store| async move {
            a_thread_purge(&store).await;
            assert_eq!(sweep_record(&store).await, None);
            let mut after = None;
            loop {
                let done = store
                    .purge_orphans_in_window("tenant", &[], 1_000, 10, after.as_deref(), 1)
                    .await
                    .unwrap();
                if after.is_none() {
                    assert_eq!(sweep_record(&store).await, Some(done.last.clone()), "started");
                }
                match done.last {
                    Some(last) => after = Some(last),
                    None => break,
                }
            }
            assert_eq!(sweep_record(&store).await, Some(None), "through the last identity");
            plant_dead_link(&store, "i2", "gone").await;
            assert_eq!(store.sweep_dead_links("tenant", 1_000).await.unwrap(), 0);
            assert_eq!(links(&store).await, pairs(&[("i2", "gone"), ("i2", "new")]), "skipped");

            // A thread batch drops the record, and the closing sweep runs,
            // which makes a record of its own.
            post(&store, "old3", "i2", 100).await;
            purge_idle_threads(&store).await;
            assert_eq!(sweep_record(&store).await, None);
            assert_eq!(store.sweep_dead_links("tenant", 1).await.unwrap(), 2);
            assert_eq!(links(&store).await, pairs(&[("i2", "new")]));
            assert_eq!(sweep_record(&store).await, Some(None));

            // Batches that did not start at the first identity make no record.
            post(&store, "old4", "i2", 100).await;
            purge_idle_threads(&store).await;
            store
                .purge_orphans_in_window("tenant", &[], 1_000, 10, Some("i1"), 10)
                .await
                .unwrap();
            assert_eq!(links(&store).await, pairs(&[("i2", "new")]));
            assert_eq!(sweep_record(&store).await, None);
            plant_dead_link(&store, "i2", "gone").await;
            assert_eq!(store.sweep_dead_links("tenant", 1_000).await.unwrap(), 1);
        })
        .await;
    }

    both_backends!(
        a_batch_looks_through_its_window_only,
        orphan_batches_go_on_after_the_last,
        identities_before_the_cursor_stay,
        orphan_batches_sweep_dead_links,
        a_sweep_deletes_dead_links_only,
        a_message_holds_its_authors_link_and_identity,
        a_postgres_batch_is_capped,
    );
}
