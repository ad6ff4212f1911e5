//! Sentiment over time, per channel: how many messages the sentiment extension
//! labelled positive, neutral and negative in a window. Annotations are JSON
//! text in the message row, and JSON operators differ between SQLite and
//! PostgreSQL, so the query narrows the rows portably (the channel's threads
//! active since the window began, their messages in the window, a LIKE on the
//! stored text) and the labels are counted here as the rows stream in, so a
//! long window never loads every row at once. No index is keyed by channel and
//! time: keeping one cost every message written and purged (migration 4).

use serde_json::Value;

use super::Store;
use super::codec::{get, json_value};
use super::error::Result;

/// Messages per sentiment label; messages without a label are not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SentimentCounts {
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
}

impl SentimentCounts {
    fn add(&mut self, annotations: &Value) {
        match annotations.pointer("/sentiment/label").and_then(Value::as_str) {
            Some("positive") => self.positive += 1,
            Some("neutral") => self.neutral += 1,
            Some("negative") => self.negative += 1,
            _ => {}
        }
    }

    pub fn total(&self) -> u64 {
        self.positive + self.neutral + self.negative
    }
}

/// The annotations of the channel's messages in `[$3, $4)` that may hold a
/// label. Annotations are written by serde_json, so the key appears exactly so.
const COUNTED_ROWS: &str = "SELECT m.annotations FROM thread t \
     JOIN message m ON m.tenant = t.tenant AND m.thread_id = t.id \
     WHERE t.tenant = $1 AND t.channel_id = $2 AND t.last_activity_at >= $3 \
     AND m.channel_id = $2 AND m.created_at >= $3 AND m.created_at < $4 \
     AND m.annotations LIKE '%\"sentiment\":%'";

impl Store {
    /// Counts per label of the channel's messages created in `[from, to)` (unix ms).
    pub async fn sentiment_counts(
        &self,
        tenant: &str,
        channel_id: &str,
        from: i64,
        to: i64,
    ) -> Result<SentimentCounts> {
        let mut counts = SentimentCounts::default();
        // A thread's last activity is never before any of its messages, so the
        // channel's threads active since `from` hold every message of the
        // window. One statement reads one snapshot, so messages arriving
        // meanwhile neither count twice nor move a thread out of reach.
        let query = sqlx::query(COUNTED_ROWS)
            .bind(tenant)
            .bind(channel_id)
            .bind(from)
            .bind(to);
        let mut rows = query.fetch(&self.pool);
        while let Some(row) = std::future::poll_fn(|cx| rows.as_mut().poll_next(cx)).await {
            counts.add(&json_value(
                "message annotations",
                &get::<String>(&row?, "annotations")?,
            )?);
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::community::tests::{T, seed};
    use crate::store::testing::both_backends;
    use crate::store::{Author, Moderation, NewMessage};

    async fn say(store: &Store, id: &str, channel: &str, at: i64, annotations: Value) {
        let message = NewMessage {
            id: id.into(),
            channel_id: channel.into(),
            thread_id: Some(format!("t-{channel}")),
            author: Author::Customer("i1".into()),
            body: "…".into(),
            created_at: at,
            moderation: Moderation::None,
            annotations,
        };
        store.post_message(T, &message).await.unwrap();
    }

    fn labelled(label: &str) -> Value {
        json!({ "sentiment": { "label": label, "score": "0.5000" } })
    }

    async fn counts_labels_in_the_window(store: Store) {
        seed(&store, T).await;
        say(&store, "m1", "ch1", 100, labelled("positive")).await;
        say(&store, "m2", "ch1", 150, labelled("positive")).await;
        say(&store, "m3", "ch1", 150, labelled("negative")).await;
        say(&store, "m4", "ch1", 199, labelled("neutral")).await;
        say(&store, "m5", "ch1", 200, labelled("negative")).await; // `to` is excluded
        say(&store, "m6", "ch1", 99, labelled("negative")).await; // before `from`
        say(&store, "m7", "ch1", 120, json!({})).await; // not analysed
        say(&store, "m8", "ch1", 130, json!({ "echo": { "sentiment": "x" } })).await;
        say(&store, "m9", "ch2", 150, labelled("negative")).await; // another channel

        let counts = store.sentiment_counts(T, "ch1", 100, 200).await.unwrap();
        assert_eq!(
            counts,
            SentimentCounts {
                positive: 2,
                neutral: 1,
                negative: 1
            }
        );
        assert_eq!(counts.total(), 4);
        assert_eq!(store.sentiment_counts(T, "ch2", 0, 1000).await.unwrap().negative, 1);
        assert_eq!(
            store.sentiment_counts("other", "ch1", 0, 1000).await.unwrap().total(),
            0
        );
        assert_eq!(store.sentiment_counts(T, "ch1", 500, 600).await.unwrap().total(), 0);
    }

    async fn counts_across_pages(store: Store) {
        seed(&store, T).await;
        let n: usize = 1_007;
        for i in 0..n {
            // Many messages of one millisecond: each counts once.
            let label = if i % 2 == 0 { "positive" } else { "negative" };
            say(
                &store,
                &format!("m{i:05}"),
                "ch1",
                10 + (i as i64 / 300),
                labelled(label),
            )
            .await;
        }
        let counts = store.sentiment_counts(T, "ch1", 0, 1_000).await.unwrap();
        assert_eq!(counts.total(), n as u64);
        assert_eq!(counts.positive, n.div_ceil(2) as u64);
    }

    both_backends!(counts_labels_in_the_window, counts_across_pages);

    /// The count walks the channel's threads by activity and each thread's
    /// messages by time, with no index keyed by channel and time.
    #[tokio::test]
    async fn a_count_walks_recent_threads_then_their_messages() {
        crate::store::testing::on_sqlite(|store| async move {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {COUNTED_ROWS}")))
                .bind(T)
                .bind("ch1")
                .bind(0_i64)
                .bind(1_i64)
                .fetch_all(&store.pool)
                .await
                .unwrap();
            let plan: Vec<String> = rows.iter().map(|r| get::<String>(r, "detail").unwrap()).collect();
            let plan = plan.join("\n");
            assert!(plan.contains("SEARCH t USING INDEX thread_by_activity"), "{plan}");
            assert!(plan.contains("SEARCH m USING INDEX message_by_thread"), "{plan}");
        })
        .await;
    }
}
