//! Threads and their messages. Posting a message is one transaction that opens the
//! thread if it is new, moves its last activity forward (what the purge measures
//! idleness by) and stores the message with its moderation state and the annotations
//! extensions attach (sentiment, survey links).

use serde_json::Value;
use sqlx::any::AnyRow;

use super::codec::{get, get_json, json_text};
use super::error::{Result, StoreError};
use super::script::Turn;
use super::sql::Sql;
use super::{Backend, Store, new_id};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    pub id: String,
    pub channel_id: String,
    pub created_at: i64,
    pub last_activity_at: i64,
}

/// Who wrote a message: a customer identity or an agent user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author {
    Customer(String),
    Agent(String),
}

/// Where a message stands with a moderator (Netino holds messages as `Pending`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    None,
    Pending,
    Approved,
    Rejected,
}

impl Moderation {
    pub fn as_str(self) -> &'static str {
        match self {
            Moderation::None => "none",
            Moderation::Pending => "pending",
            Moderation::Approved => "approved",
            Moderation::Rejected => "rejected",
        }
    }

    fn parse(text: &str) -> Result<Moderation> {
        Ok(match text {
            "none" => Moderation::None,
            "pending" => Moderation::Pending,
            "approved" => Moderation::Approved,
            "rejected" => Moderation::Rejected,
            other => {
                return Err(StoreError::Corrupt {
                    what: "message moderation",
                    value: other.to_owned(),
                });
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: String,
    pub thread_id: String,
    pub channel_id: String,
    pub author: Author,
    pub body: String,
    pub created_at: i64,
    pub moderation: Moderation,
    /// An object keyed by whoever annotated, e.g. `{"sentiment": {...}}`.
    pub annotations: Value,
}

/// A message to post. Without a thread id a new thread is opened; with one, that
/// thread is opened if it does not exist yet and continued if it does.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    pub id: String,
    pub channel_id: String,
    pub thread_id: Option<String>,
    pub author: Author,
    pub body: String,
    pub created_at: i64,
    pub moderation: Moderation,
    pub annotations: Value,
}

impl Thread {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(Thread {
            id: get(row, "id")?,
            channel_id: get(row, "channel_id")?,
            created_at: get(row, "created_at")?,
            last_activity_at: get(row, "last_activity_at")?,
        })
    }
}

impl Message {
    fn from_row(row: &AnyRow) -> Result<Self> {
        let identity: Option<String> = get(row, "author_identity_id")?;
        let user: Option<String> = get(row, "author_user_id")?;
        let author = match (identity, user) {
            (Some(identity), None) => Author::Customer(identity),
            (None, Some(user)) => Author::Agent(user),
            (identity, user) => {
                return Err(StoreError::Corrupt {
                    what: "message author",
                    value: format!("identity {identity:?}, user {user:?}"),
                });
            }
        };
        Ok(Message {
            id: get(row, "id")?,
            thread_id: get(row, "thread_id")?,
            channel_id: get(row, "channel_id")?,
            author,
            body: get(row, "body")?,
            created_at: get(row, "created_at")?,
            moderation: Moderation::parse(&get::<String>(row, "moderation")?)?,
            annotations: get_json(row, "message annotations", "annotations")?,
        })
    }
}

/// What `post_message` writes besides the `NewMessage`.
struct Written<'a> {
    thread_id: &'a str,
    identity: Option<&'a str>,
    user: Option<&'a str>,
    annotations: &'a str,
}

/// The message's thread is on its channel (a script's `$1`, `$2` and `$3`).
const THREAD_ON_CHANNEL: &str = "EXISTS (SELECT 1 FROM thread WHERE tenant = $1 AND id = $2 AND channel_id = $3)";

const SELECT_MESSAGE: &str = "SELECT id, thread_id, channel_id, author_identity_id, \
     author_user_id, body, created_at, moderation, annotations FROM message WHERE tenant = $1";

impl Store {
    /// Stores the message, opening or continuing its thread, and returns it as stored.
    /// A thread id that exists on another channel is a `Conflict`.
    pub async fn post_message(&self, tenant: &str, new: &NewMessage) -> Result<Message> {
        let thread_id = new.thread_id.clone().unwrap_or_else(new_id);
        let (identity, user) = match &new.author {
            Author::Customer(id) => (Some(id.as_str()), None),
            Author::Agent(id) => (None, Some(id.as_str())),
        };
        let annotations = json_text("message annotations", &new.annotations)?;
        let written = Written {
            thread_id: &thread_id,
            identity,
            user,
            annotations: &annotations,
        };
        match self.backend {
            Backend::Sqlite => self.insert_message_script(tenant, new, &written).await?,
            Backend::Postgres => self.insert_message(tenant, new, &written).await?,
        }
        Ok(Message {
            id: new.id.clone(),
            thread_id,
            channel_id: new.channel_id.clone(),
            author: new.author.clone(),
            body: new.body.clone(),
            created_at: new.created_at,
            moderation: new.moderation,
            annotations: new.annotations.clone(),
        })
    }

    /// The message's transaction in one round trip (PostgreSQL): the function
    /// of migration 5 runs its statements, in autocommit.
    async fn insert_message(&self, tenant: &str, new: &NewMessage, w: &Written<'_>) -> Result<()> {
        let inserted: bool =
            sqlx::query_scalar("SELECT exthost_post_message($1, $2, $3, $4, $5::text, $6::text, $7, $8, $9, $10)")
                .bind(tenant)
                .bind(&new.id)
                .bind(w.thread_id)
                .bind(&new.channel_id)
                .bind(w.identity)
                .bind(w.user)
                .bind(&new.body)
                .bind(new.created_at)
                .bind(new.moderation.as_str())
                .bind(w.annotations)
                .fetch_one(&self.writer)
                .await
                .map_err(StoreError::on_insert("message"))?;
        if !inserted {
            return Err(StoreError::Conflict {
                what: "thread on another channel",
                source: None,
            });
        }
        Ok(())
    }

    /// The message's transaction as one script (SQLite, `store::script`): one
    /// round trip on the writer instead of five. The message is inserted only
    /// if its thread is on its channel, so no row means a conflict (and nothing
    /// was written).
    async fn insert_message_script(&self, tenant: &str, new: &NewMessage, w: &Written<'_>) -> Result<()> {
        let mut sql = Sql::new(tenant);
        sql.push("INSERT INTO thread (tenant, id, channel_id, created_at, last_activity_at) VALUES ($1, ")
            .text(w.thread_id)
            .push(", ")
            .text(&new.channel_id)
            .push(", ")
            .int(new.created_at)
            .push(
                ", $4) ON CONFLICT (tenant, id) DO NOTHING; \
                 UPDATE thread SET last_activity_at = \
                 CASE WHEN last_activity_at < $4 THEN $4 ELSE last_activity_at END \
                 WHERE tenant = $1 AND id = $2 AND channel_id = $3; ",
            );
        if let Some(identity) = w.identity {
            sql.push("INSERT INTO identity_thread (tenant, identity_id, thread_id) SELECT $1, ")
                .text(identity)
                .push(&format!(", $2 WHERE {THREAD_ON_CHANNEL} ON CONFLICT DO NOTHING; "));
        }
        sql.push(
            "INSERT INTO message (tenant, id, thread_id, channel_id, author_identity_id, \
             author_user_id, body, created_at, moderation, annotations, seq) SELECT $1, ",
        )
        .text(&new.id)
        .push(", $2, $3, ")
        .opt_text(w.identity)
        .push(", ")
        .opt_text(w.user)
        .push(", ")
        .text(&new.body)
        .push(", $4, ")
        .text(new.moderation.as_str())
        .push(", ")
        .text(w.annotations)
        .push(&format!(
            ", (SELECT COALESCE(MAX(seq), 0) + 1 FROM message WHERE tenant = $1 AND thread_id = $2) \
                 WHERE {THREAD_ON_CHANNEL}; SELECT changes()"
        ));
        let inserted = self.sqlite_script(sql, Turn::Foreground).await.map_err(|e| match e {
            StoreError::Database(e) => StoreError::on_insert("message")(e),
            e => e,
        })?;
        match inserted.as_deref() {
            Some([1]) => Ok(()),
            Some([0]) => Err(StoreError::Conflict {
                what: "thread on another channel",
                source: None,
            }),
            other => Err(StoreError::Script(format!(
                "one message inserted expected, got {other:?}"
            ))),
        }
    }

    pub async fn get_thread(&self, tenant: &str, id: &str) -> Result<Option<Thread>> {
        let row = sqlx::query(
            "SELECT id, channel_id, created_at, last_activity_at FROM thread \
             WHERE tenant = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Thread::from_row).transpose()
    }

    /// The channel's threads, most recently active first.
    pub async fn list_threads(&self, tenant: &str, channel_id: &str) -> Result<Vec<Thread>> {
        let rows = sqlx::query(
            "SELECT id, channel_id, created_at, last_activity_at FROM thread \
             WHERE tenant = $1 AND channel_id = $2 ORDER BY last_activity_at DESC, id",
        )
        .bind(tenant)
        .bind(channel_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Thread::from_row).collect()
    }

    pub async fn get_message(&self, tenant: &str, id: &str) -> Result<Option<Message>> {
        let sql = format!("{SELECT_MESSAGE} AND id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(Message::from_row).transpose()
    }

    /// The thread's messages, oldest first.
    pub async fn list_messages(&self, tenant: &str, thread_id: &str) -> Result<Vec<Message>> {
        let sql = format!("{SELECT_MESSAGE} AND thread_id = $2 ORDER BY created_at, seq, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .bind(thread_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Message::from_row).collect()
    }

    pub async fn set_message_moderation(&self, tenant: &str, id: &str, moderation: Moderation) -> Result<()> {
        let done = sqlx::query("UPDATE message SET moderation = $3 WHERE tenant = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .bind(moderation.as_str())
            .execute(&self.writer)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("message", id));
        }
        Ok(())
    }

    /// Replaces the message's annotations; callers read, merge their key, write back.
    pub async fn set_message_annotations(&self, tenant: &str, id: &str, annotations: &Value) -> Result<()> {
        let done = sqlx::query("UPDATE message SET annotations = $3 WHERE tenant = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .bind(json_text("message annotations", annotations)?)
            .execute(&self.writer)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("message", id));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::community::tests::{T, seed};
    use crate::store::testing::both_backends;
    use crate::store::users::tests::agent;

    fn customer_says(id: &str, thread: Option<&str>, body: &str, at: i64) -> NewMessage {
        NewMessage {
            id: id.into(),
            channel_id: "ch1".into(),
            thread_id: thread.map(Into::into),
            author: Author::Customer("i1".into()),
            body: body.into(),
            created_at: at,
            moderation: Moderation::None,
            annotations: json!({}),
        }
    }

    async fn post_opens_and_continues_a_thread(store: Store) {
        seed(&store, T).await;
        store.insert_user(T, &agent("u1")).await.unwrap();

        let first = store
            .post_message(T, &customer_says("m1", None, "Hello", 100))
            .await
            .unwrap();
        let thread = store.get_thread(T, &first.thread_id).await.unwrap().unwrap();
        assert_eq!(thread.channel_id, "ch1");
        assert_eq!((thread.created_at, thread.last_activity_at), (100, 100));

        let reply = NewMessage {
            author: Author::Agent("u1".into()),
            moderation: Moderation::Pending,
            annotations: json!({ "sentiment": { "label": "positive", "score": 0.8 } }),
            ..customer_says("m2", Some(&first.thread_id), "Hi, how can I help?", 200)
        };
        store.post_message(T, &reply).await.unwrap();
        // A late-arriving older message does not move the activity backwards.
        store
            .post_message(T, &customer_says("m0", Some(&first.thread_id), "Earlier", 50))
            .await
            .unwrap();

        let thread = store.get_thread(T, &first.thread_id).await.unwrap().unwrap();
        assert_eq!(thread.last_activity_at, 200);
        let messages = store.list_messages(T, &first.thread_id).await.unwrap();
        let ids: Vec<_> = messages.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["m0", "m1", "m2"]);
        assert_eq!(messages[1], first);
        assert_eq!(messages[2].author, Author::Agent("u1".into()));
        assert_eq!(messages[2].moderation, Moderation::Pending);
        assert_eq!(messages[2].annotations["sentiment"]["score"], 0.8);
        assert_eq!(messages[0].author, Author::Customer("i1".into()));

        // A client-chosen thread id that does not exist yet is opened.
        store
            .post_message(T, &customer_says("m3", Some("t-new"), "New topic", 300))
            .await
            .unwrap();
        let threads = store.list_threads(T, "ch1").await.unwrap();
        let ids: Vec<_> = threads.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["t-new", first.thread_id.as_str()]);
        assert!(store.list_messages("other", "t-new").await.unwrap().is_empty());
    }

    async fn moderation_and_annotations_update(store: Store) {
        seed(&store, T).await;
        let posted = store
            .post_message(
                T,
                &NewMessage {
                    moderation: Moderation::Pending,
                    ..customer_says("m1", None, "?", 1)
                },
            )
            .await
            .unwrap();
        store
            .set_message_moderation(T, "m1", Moderation::Rejected)
            .await
            .unwrap();
        let notes = json!({ "sentiment": { "label": "negative", "score": -0.5 } });
        store.set_message_annotations(T, "m1", &notes).await.unwrap();
        let stored = store.get_message(T, "m1").await.unwrap().unwrap();
        assert_eq!(stored.moderation, Moderation::Rejected);
        assert_eq!(stored.annotations, notes);
        assert_eq!(stored.thread_id, posted.thread_id);

        let err = store
            .set_message_moderation("other", "m1", Moderation::Approved)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
        let err = store.set_message_annotations(T, "nope", &notes).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    }

    async fn bad_posts_are_refused_whole(store: Store) {
        seed(&store, T).await;
        let first = store
            .post_message(T, &customer_says("m1", Some("t1"), "a", 1))
            .await
            .unwrap();
        // The thread lives on ch1; posting it on ch2 must not touch it.
        let elsewhere = NewMessage {
            channel_id: "ch2".into(),
            ..customer_says("m2", Some("t1"), "b", 5)
        };
        let err = store.post_message(T, &elsewhere).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
        // An unknown author rolls back the thread it would have opened.
        let ghost = NewMessage {
            author: Author::Customer("nobody".into()),
            ..customer_says("m3", Some("t2"), "c", 9)
        };
        assert!(store.post_message(T, &ghost).await.is_err());
        assert!(store.get_thread(T, "t2").await.unwrap().is_none());
        // A duplicate message id is a conflict and leaves the thread's activity alone.
        let dup = store
            .post_message(T, &customer_says("m1", Some("t1"), "again", 50))
            .await
            .unwrap_err();
        assert!(matches!(dup, StoreError::Conflict { what: "message", .. }), "{dup:?}");
        let thread = store.get_thread(T, "t1").await.unwrap().unwrap();
        assert_eq!(thread.last_activity_at, 1);
        assert_eq!(store.list_messages(T, "t1").await.unwrap(), [first]);
        // Another tenant's channel is not reachable.
        assert!(
            store
                .post_message("other", &customer_says("m4", None, "d", 1))
                .await
                .is_err()
        );
    }

    async fn concurrent_posts_to_one_thread(store: Store) {
        seed(&store, T).await;
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .post_message(T, &customer_says(&format!("m{i:02}"), Some("t1"), "x", i))
                        .await
                        .unwrap()
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(store.list_messages(T, "t1").await.unwrap().len(), 16);
        assert_eq!(store.get_thread(T, "t1").await.unwrap().unwrap().last_activity_at, 15);
        // Each post read the seq the one before it committed: none is repeated.
        let seqs: Vec<i64> =
            sqlx::query_scalar("SELECT seq FROM message WHERE tenant = $1 AND thread_id = 't1' ORDER BY seq")
                .bind(T)
                .fetch_all(&store.writer)
                .await
                .unwrap();
        assert_eq!(seqs, (1..=16).collect::<Vec<i64>>());
    }

    both_backends!(
        post_opens_and_continues_a_thread,
        moderation_and_annotations_update,
        bad_posts_are_refused_whole,
        concurrent_posts_to_one_thread,
    );
}
