//! The conditions every purge statement shares (an idle thread, an identity
//! in scope, an identity nothing links), as steps of the store's `Sql` builder.

use super::identities::Swept;
use crate::store::sql::Sql;

impl Sql {
    /// `AND <column> IN (...)` when channels are selected; nothing for "all channels".
    pub(super) fn channels(&mut self, column: &str, channels: &[String]) -> &mut Sql {
        if !channels.is_empty() {
            self.push(&format!(" AND {column} IN "));
            self.list(channels);
        }
        self
    }

    /// The thread `t` is on `channels` and had no message at or after `cutoff`.
    /// `last_activity_at` is what ingest moves forward; the message check makes
    /// the condition hold even for a thread whose activity column lags.
    ///
    /// The check asks for the thread's last message (`MAX`, one step down
    /// `message_by_thread`) rather than whether a recent one exists: PostgreSQL
    /// turns `NOT EXISTS` into an anti-join, and, since it cannot know that a
    /// thread idle by its activity column has no recent message, it expected
    /// one idle thread and chose to hash every recent message (a sequential
    /// scan of `message`, 300-600 ms a find) over walking the activity index
    /// for the first 500 (5 ms). A scalar subquery is never made a join. A
    /// thread without messages has no `MAX` and counts as idle, as before.
    pub(super) fn idle_thread(&mut self, channels: &[String], cutoff: i64) -> &mut Sql {
        self.idle_thread_as(channels, cutoff, ["t.last_activity_at", "t.channel_id"])
    }

    /// `idle_thread` for a statement that names its threads by id. A column
    /// wrapped in an expression (`+n`, `s || ''`, portable and value-preserving)
    /// keeps its index out of the plan, so SQLite looks the ids up by key
    /// instead of walking the activity index over every idle thread (35 ms
    /// against 0.1 ms for 50 ids among 50,000 idle threads).
    pub(super) fn idle_thread_by_id(&mut self, channels: &[String], cutoff: i64) -> &mut Sql {
        self.idle_thread_as(channels, cutoff, ["+t.last_activity_at", "(t.channel_id || '')"])
    }

    pub(super) fn idle_thread_as(
        &mut self,
        channels: &[String],
        cutoff: i64,
        [activity, channel]: [&str; 2],
    ) -> &mut Sql {
        self.push(&format!("t.tenant = $1 AND {activity} < ")).int(cutoff);
        self.channels(channel, channels);
        self.push(
            " AND COALESCE((SELECT MAX(lm.created_at) FROM message lm WHERE lm.tenant = t.tenant \
             AND lm.thread_id = t.id), ",
        )
        .int(cutoff.saturating_sub(1))
        .push(") < ")
        .int(cutoff)
    }

    /// The identity `i` is in a community of `channels` and older than `cutoff`.
    pub(super) fn identity_scope(&mut self, channels: &[String], cutoff: i64) -> &mut Sql {
        self.push("i.tenant = $1 AND i.created_at < ").int(cutoff);
        if !channels.is_empty() {
            self.push(" AND i.community_id IN (SELECT c.community_id FROM channel c WHERE c.tenant = $1 AND c.id IN ")
                .list(channels)
                .push(")");
        }
        self
    }

    /// `SELECT` the ids of identities `i` in `identity_scope`, after `after`
    /// when given: what an orphan batch looks through, and its window counts.
    pub(super) fn identities_after(&mut self, channels: &[String], cutoff: i64, after: Option<&str>) -> &mut Sql {
        self.push("SELECT i.id FROM identity i WHERE ")
            .identity_scope(channels, cutoff);
        if let Some(after) = after {
            self.push(" AND i.id > ").text(after);
        }
        self
    }

    /// `SELECT` the groups of the identities `ids`, looked up by key: the
    /// `+` keeps `identity_by_group` out of the plan (see `purge::sqlite`).
    pub(super) fn groups_of(&mut self, ids: &[String]) -> &mut Sql {
        self.push("SELECT i.group_id FROM identity i WHERE i.tenant = $1 AND +i.group_id IS NOT NULL AND i.id IN ")
            .list(ids)
    }

    /// No message and no intervention links the identity `id` names. A message
    /// links its author through an `identity_thread` row, which counts only
    /// while its thread exists: on SQLite a thread purge leaves its links
    /// behind (`sweep_links` removes them), so that no index keyed by identity
    /// changes as threads go. PostgreSQL's deletes them with the thread.
    pub(super) fn unlinked_identity(&mut self, id: &str) -> &mut Sql {
        self.push(&format!(
            "NOT EXISTS (SELECT 1 FROM identity_thread l JOIN thread lt ON lt.tenant = l.tenant \
             AND lt.id = l.thread_id WHERE l.tenant = $1 AND l.identity_id = {id}) \
             AND NOT EXISTS (SELECT 1 FROM intervention v WHERE v.tenant = $1 AND v.identity_id = {id})"
        ))
    }

    /// `DELETE` the links whose thread is gone, of the identities in `range`,
    /// after recording the sweep (`record_sweep`) in the same script, so that
    /// no sweep goes unrecorded. Such a link links nothing, and the range is
    /// one an orphan batch or a sweep step looked through, so the rows go in
    /// key order, a few pages at a time. The `DELETE` comes last, for a
    /// `SELECT changes()` after it.
    pub(super) fn sweep_links(&mut self, range: Swept<'_>) -> &mut Sql {
        self.record_sweep(range)
            .push("; DELETE FROM identity_thread WHERE tenant = $1");
        if let Some(after) = range.after {
            self.push(" AND identity_id > ").text(after);
        }
        if let Some(upto) = range.upto {
            self.push(" AND identity_id <= ").text(upto);
        }
        self.push(
            " AND NOT EXISTS (SELECT 1 FROM thread st WHERE st.tenant = $1 \
             AND st.id = identity_thread.thread_id)",
        )
    }

    /// Record in `link_sweep` that `range` was swept, in the sweep's own
    /// transaction: a sweep from the first identity starts the record, and one
    /// that goes on from where the record reaches extends it (`max` of a NULL,
    /// the last identity, is NULL). A thread batch deletes the record.
    fn record_sweep(&mut self, range: Swept<'_>) -> &mut Sql {
        match range.after {
            None => self
                .push("INSERT INTO link_sweep (tenant, through) VALUES ($1, ")
                .opt_text(range.upto)
                .push(") ON CONFLICT (tenant) DO UPDATE SET through = max(link_sweep.through, excluded.through)"),
            Some(after) => self
                .push("UPDATE link_sweep SET through = max(through, ")
                .opt_text(range.upto)
                .push(") WHERE tenant = $1 AND through >= ")
                .text(after),
        }
    }
}
