//! Login sessions. The cookie carries a random token; only its hash is stored, and an
//! expired session is treated as absent without waiting for a sweep.

use super::Store;
use super::codec::get;
use super::error::{Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub user_id: String,
    pub created_at: i64,
    pub expires_at: i64,
}

impl Store {
    pub async fn insert_session(&self, tenant: &str, session: &Session) -> Result<()> {
        sqlx::query(
            "INSERT INTO session (tenant, token_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant)
        .bind(&session.token_hash)
        .bind(&session.user_id)
        .bind(session.created_at)
        .bind(session.expires_at)
        .execute(&self.writer)
        .await
        .map_err(StoreError::on_insert("session"))?;
        Ok(())
    }

    /// The live session with this token hash, if any at `now`.
    pub async fn get_session(&self, tenant: &str, token_hash: &str, now: i64) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT token_hash, user_id, created_at, expires_at FROM session \
             WHERE tenant = $1 AND token_hash = $2 AND expires_at > $3",
        )
        .bind(tenant)
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Session {
                token_hash: get(&row, "token_hash")?,
                user_id: get(&row, "user_id")?,
                created_at: get(&row, "created_at")?,
                expires_at: get(&row, "expires_at")?,
            })
        })
        .transpose()
    }

    /// Logs out; true if there was such a session.
    pub async fn delete_session(&self, tenant: &str, token_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM session WHERE tenant = $1 AND token_hash = $2")
            .bind(tenant)
            .bind(token_hash)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes the tenant's sessions expired at `now`; returns how many.
    pub async fn delete_expired_sessions(&self, tenant: &str, now: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM session WHERE tenant = $1 AND expires_at <= $2")
            .bind(tenant)
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::both_backends;
    use crate::store::users::tests::agent;

    const T: &str = "acme";

    async fn live_until_expiry(store: Store) {
        store.insert_user(T, &agent("u1")).await.unwrap();
        let session = Session {
            token_hash: "h1".into(),
            user_id: "u1".into(),
            created_at: 100,
            expires_at: 200,
        };
        store.insert_session(T, &session).await.unwrap();
        assert_eq!(store.get_session(T, "h1", 199).await.unwrap(), Some(session));
        assert_eq!(store.get_session(T, "h1", 200).await.unwrap(), None);
        assert_eq!(store.get_session("other", "h1", 150).await.unwrap(), None);
        // The session's user in one read, under the same conditions.
        let user = store.get_user_by_session(T, "h1", 199).await.unwrap();
        assert_eq!(user.map(|u| u.id).as_deref(), Some("u1"));
        assert_eq!(store.get_user_by_session(T, "h1", 200).await.unwrap(), None);
        assert_eq!(store.get_user_by_session(T, "h2", 150).await.unwrap(), None);
        assert_eq!(store.get_user_by_session("other", "h1", 150).await.unwrap(), None);
        assert_eq!(store.delete_expired_sessions(T, 150).await.unwrap(), 0);
        assert_eq!(store.delete_expired_sessions(T, 250).await.unwrap(), 1);
        assert!(!store.delete_session(T, "h1").await.unwrap());
    }

    async fn logout_and_unknown_user(store: Store) {
        store.insert_user(T, &agent("u1")).await.unwrap();
        let session = Session {
            token_hash: "h1".into(),
            user_id: "u1".into(),
            created_at: 100,
            expires_at: 200,
        };
        store.insert_session(T, &session).await.unwrap();
        assert!(store.delete_session(T, "h1").await.unwrap());
        assert_eq!(store.get_session(T, "h1", 150).await.unwrap(), None);
        let ghost = Session {
            user_id: "nobody".into(),
            ..session
        };
        assert!(store.insert_session(T, &ghost).await.is_err());
    }

    both_backends!(live_until_expiry, logout_and_unknown_user);
}
