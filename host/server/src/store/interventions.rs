//! Interventions (an agent's handling of a customer's thread, opened and closed) and the
//! agents' internal comments on them. Closing an intervention is what triggers the
//! satisfaction survey; comments are purged with their thread.

use sqlx::any::AnyRow;

use super::Store;
use super::codec::get;
use super::error::{Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intervention {
    pub id: String,
    pub thread_id: String,
    /// The agent handling it; None while it waits in a queue.
    pub user_id: Option<String>,
    /// The customer the intervention is with.
    pub identity_id: String,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterventionComment {
    pub id: String,
    pub intervention_id: String,
    pub user_id: String,
    pub body: String,
    pub created_at: i64,
}

impl Intervention {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(Intervention {
            id: get(row, "id")?,
            thread_id: get(row, "thread_id")?,
            user_id: get(row, "user_id")?,
            identity_id: get(row, "identity_id")?,
            opened_at: get(row, "opened_at")?,
            closed_at: get(row, "closed_at")?,
        })
    }
}

impl InterventionComment {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(InterventionComment {
            id: get(row, "id")?,
            intervention_id: get(row, "intervention_id")?,
            user_id: get(row, "user_id")?,
            body: get(row, "body")?,
            created_at: get(row, "created_at")?,
        })
    }
}

impl Store {
    pub async fn insert_intervention(&self, tenant: &str, it: &Intervention) -> Result<()> {
        sqlx::query(
            "INSERT INTO intervention (tenant, id, thread_id, user_id, identity_id, opened_at, \
             closed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(tenant)
        .bind(&it.id)
        .bind(&it.thread_id)
        .bind(&it.user_id)
        .bind(&it.identity_id)
        .bind(it.opened_at)
        .bind(it.closed_at)
        .execute(&self.writer)
        .await
        .map_err(StoreError::on_insert("intervention"))?;
        Ok(())
    }

    /// Closes an open intervention; false if it was already closed (so a retried close
    /// does not survey the customer twice).
    pub async fn close_intervention(&self, tenant: &str, id: &str, closed_at: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE intervention SET closed_at = $3 \
             WHERE tenant = $1 AND id = $2 AND closed_at IS NULL",
        )
        .bind(tenant)
        .bind(id)
        .bind(closed_at)
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(true);
        }
        match self.get_intervention(tenant, id).await? {
            Some(_) => Ok(false),
            None => Err(StoreError::not_found("intervention", id)),
        }
    }

    pub async fn get_intervention(&self, tenant: &str, id: &str) -> Result<Option<Intervention>> {
        let row = sqlx::query(
            "SELECT id, thread_id, user_id, identity_id, opened_at, closed_at FROM intervention \
             WHERE tenant = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Intervention::from_row).transpose()
    }

    pub async fn insert_intervention_comment(&self, tenant: &str, comment: &InterventionComment) -> Result<()> {
        sqlx::query(
            "INSERT INTO intervention_comment (tenant, id, intervention_id, user_id, body, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant)
        .bind(&comment.id)
        .bind(&comment.intervention_id)
        .bind(&comment.user_id)
        .bind(&comment.body)
        .bind(comment.created_at)
        .execute(&self.writer)
        .await
        .map_err(StoreError::on_insert("intervention comment"))?;
        Ok(())
    }

    /// The intervention's comments, oldest first.
    pub async fn list_intervention_comments(
        &self,
        tenant: &str,
        intervention_id: &str,
    ) -> Result<Vec<InterventionComment>> {
        let rows = sqlx::query(
            "SELECT id, intervention_id, user_id, body, created_at FROM intervention_comment \
             WHERE tenant = $1 AND intervention_id = $2 ORDER BY created_at, id",
        )
        .bind(tenant)
        .bind(intervention_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(InterventionComment::from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::community::tests::{T, seed};
    use crate::store::messages::{Author, Moderation, NewMessage};
    use crate::store::testing::both_backends;
    use crate::store::users::tests::agent;

    async fn open_comment_close(store: Store) {
        seed(&store, T).await;
        store.insert_user(T, &agent("u1")).await.unwrap();
        let message = NewMessage {
            id: "m1".into(),
            channel_id: "ch1".into(),
            thread_id: Some("t1".into()),
            author: Author::Customer("i1".into()),
            body: "help".into(),
            created_at: 10,
            moderation: Moderation::None,
            annotations: json!({}),
        };
        store.post_message(T, &message).await.unwrap();
        let it = Intervention {
            id: "iv1".into(),
            thread_id: "t1".into(),
            user_id: Some("u1".into()),
            identity_id: "i1".into(),
            opened_at: 11,
            closed_at: None,
        };
        store.insert_intervention(T, &it).await.unwrap();
        let comment = InterventionComment {
            id: "k1".into(),
            intervention_id: "iv1".into(),
            user_id: "u1".into(),
            body: "VIP customer".into(),
            created_at: 12,
        };
        store.insert_intervention_comment(T, &comment).await.unwrap();
        assert_eq!(store.list_intervention_comments(T, "iv1").await.unwrap(), [comment]);

        assert!(store.close_intervention(T, "iv1", 20).await.unwrap());
        assert!(!store.close_intervention(T, "iv1", 30).await.unwrap());
        let closed = store.get_intervention(T, "iv1").await.unwrap().unwrap();
        assert_eq!(
            closed,
            Intervention {
                closed_at: Some(20),
                ..it
            }
        );
        let err = store.close_intervention("other", "iv1", 30).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    }

    both_backends!(open_comment_close);
}
