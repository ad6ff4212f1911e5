//! Per-extension key/value state behind the `kv` host import: JWT `jti` replay
//! windows, survey grace periods, moderation cursors. A key may carry an expiry; an
//! expired key reads as absent at once, before any sweep removes it. `set_if_absent`
//! is a single upsert statement, so it is atomic on both backends and exactly one of
//! several racing callers (threads, pool connections or nodes) wins a live key.

use std::time::Duration;

use super::Store;
use super::error::Result;

/// `now + ttl` in unix milliseconds, saturating rather than wrapping for huge TTLs.
fn expiry(now: i64, ttl: Option<Duration>) -> Option<i64> {
    ttl.map(|ttl| now.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX)))
}

impl Store {
    /// The value of a live key; None if the key is absent or expired at `now`.
    pub async fn kv_get(&self, tenant: &str, extension_id: &str, key: &str, now: i64) -> Result<Option<Vec<u8>>> {
        let value = sqlx::query_scalar(
            "SELECT value FROM kv WHERE tenant = $1 AND extension_id = $2 AND key = $3 \
             AND (expires_at IS NULL OR expires_at > $4)",
        )
        .bind(tenant)
        .bind(extension_id)
        .bind(key)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(value)
    }

    /// Sets the key, replacing any value; with a TTL it expires at `now + ttl`.
    pub async fn kv_set(
        &self,
        tenant: &str,
        extension_id: &str,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO kv (tenant, extension_id, key, value, expires_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (tenant, extension_id, key) DO UPDATE \
             SET value = excluded.value, expires_at = excluded.expires_at",
        )
        .bind(tenant)
        .bind(extension_id)
        .bind(key)
        .bind(value)
        .bind(expiry(now, ttl))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Sets the key only if it is absent or expired at `now`; true if this call set it.
    pub async fn kv_set_if_absent(
        &self,
        tenant: &str,
        extension_id: &str,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
        now: i64,
    ) -> Result<bool> {
        // One statement, no transaction: PostgreSQL makes a racing INSERT wait for the
        // winner's commit and then re-checks the WHERE against the winner's live row;
        // SQLite runs one writer at a time. Either way the losers update nothing.
        let done = sqlx::query(
            "INSERT INTO kv (tenant, extension_id, key, value, expires_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (tenant, extension_id, key) DO UPDATE \
             SET value = excluded.value, expires_at = excluded.expires_at \
             WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= $6",
        )
        .bind(tenant)
        .bind(extension_id)
        .bind(key)
        .bind(value)
        .bind(expiry(now, ttl))
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes the key; true if a live key was removed.
    pub async fn kv_delete(&self, tenant: &str, extension_id: &str, key: &str, now: i64) -> Result<bool> {
        // An expired row is deleted too, but reported as absent, matching `kv_get`.
        let live: Option<i64> = sqlx::query_scalar(
            "DELETE FROM kv WHERE tenant = $1 AND extension_id = $2 AND key = $3 \
             RETURNING CASE WHEN expires_at IS NULL OR expires_at > $4 THEN 1 ELSE 0 END",
        )
        .bind(tenant)
        .bind(extension_id)
        .bind(key)
        .bind(now)
        .fetch_optional(&self.writer)
        .await?;
        Ok(live == Some(1))
    }

    /// Removes the tenant's keys expired at `now`; returns how many.
    pub async fn kv_delete_expired(&self, tenant: &str, now: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM kv WHERE tenant = $1 AND expires_at IS NOT NULL AND expires_at <= $2")
            .bind(tenant)
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::extensions::tests::new_extension;
    use crate::store::testing::both_backends;

    const T: &str = "acme";
    const SECOND: Option<Duration> = Some(Duration::from_secs(1));

    async fn with_extension(store: &Store, tenant: &str, id: &str) {
        store.insert_extension(tenant, &new_extension(id, 0)).await.unwrap();
    }

    async fn get_set_delete(store: Store) {
        with_extension(&store, T, "e1").await;
        assert_eq!(store.kv_get(T, "e1", "k", 0).await.unwrap(), None);
        store.kv_set(T, "e1", "k", b"\x00v1\xff", None, 0).await.unwrap();
        assert_eq!(
            store.kv_get(T, "e1", "k", 0).await.unwrap().as_deref(),
            Some(&b"\x00v1\xff"[..])
        );
        store.kv_set(T, "e1", "k", b"v2", None, 0).await.unwrap();
        assert_eq!(
            store.kv_get(T, "e1", "k", i64::MAX).await.unwrap().as_deref(),
            Some(&b"v2"[..])
        );
        // Keys are per tenant and per extension.
        assert_eq!(store.kv_get("other", "e1", "k", 0).await.unwrap(), None);
        with_extension(&store, T, "e2").await;
        assert_eq!(store.kv_get(T, "e2", "k", 0).await.unwrap(), None);

        assert!(store.kv_delete(T, "e1", "k", 0).await.unwrap());
        assert!(!store.kv_delete(T, "e1", "k", 0).await.unwrap());
        assert_eq!(store.kv_get(T, "e1", "k", 0).await.unwrap(), None);
    }

    async fn ttl_expires(store: Store) {
        with_extension(&store, T, "e1").await;
        store.kv_set(T, "e1", "k", b"v", SECOND, 1_000).await.unwrap();
        assert!(store.kv_get(T, "e1", "k", 1_999).await.unwrap().is_some());
        assert!(store.kv_get(T, "e1", "k", 2_000).await.unwrap().is_none());
        // Setting again without a TTL makes it permanent.
        store.kv_set(T, "e1", "k", b"v", None, 1_000).await.unwrap();
        assert!(store.kv_get(T, "e1", "k", 1_000_000).await.unwrap().is_some());
        // A huge TTL saturates instead of wrapping into the past.
        store
            .kv_set(T, "e1", "big", b"v", Some(Duration::MAX), 1_000)
            .await
            .unwrap();
        assert!(store.kv_get(T, "e1", "big", i64::MAX - 1).await.unwrap().is_some());

        store.kv_set(T, "e1", "gone", b"v", SECOND, 0).await.unwrap();
        assert!(!store.kv_delete(T, "e1", "gone", 5_000).await.unwrap());
        store.kv_set(T, "e1", "a", b"v", SECOND, 0).await.unwrap();
        store.kv_set(T, "e1", "b", b"v", SECOND, 0).await.unwrap();
        assert_eq!(store.kv_delete_expired(T, 999).await.unwrap(), 0);
        assert_eq!(store.kv_delete_expired(T, 1_000).await.unwrap(), 2);
        assert!(store.kv_get(T, "e1", "k", 0).await.unwrap().is_some());
    }

    async fn set_if_absent_respects_live_keys(store: Store) {
        with_extension(&store, T, "e1").await;
        assert!(store.kv_set_if_absent(T, "e1", "jti", b"a", SECOND, 0).await.unwrap());
        assert!(!store.kv_set_if_absent(T, "e1", "jti", b"b", SECOND, 999).await.unwrap());
        assert_eq!(
            store.kv_get(T, "e1", "jti", 999).await.unwrap().as_deref(),
            Some(&b"a"[..])
        );
        // Once expired the key is free again, and takes the new TTL.
        assert!(
            store
                .kv_set_if_absent(T, "e1", "jti", b"c", SECOND, 1_000)
                .await
                .unwrap()
        );
        assert_eq!(
            store.kv_get(T, "e1", "jti", 1_999).await.unwrap().as_deref(),
            Some(&b"c"[..])
        );
        // A key without TTL never frees.
        assert!(store.kv_set_if_absent(T, "e1", "forever", b"x", None, 0).await.unwrap());
        assert!(
            !store
                .kv_set_if_absent(T, "e1", "forever", b"y", None, i64::MAX)
                .await
                .unwrap()
        );
    }

    async fn set_if_absent_race(store: Store) {
        with_extension(&store, T, "e1").await;
        // Round 1 races on a fresh key, round 2 on an expired one.
        for (round, now) in [(1u8, 0i64), (2, 10_000)] {
            let store = Arc::new(store.clone());
            let tasks: Vec<_> = (0..32u8)
                .map(|i| {
                    let store = Arc::clone(&store);
                    tokio::spawn(async move {
                        store
                            .kv_set_if_absent(T, "e1", "jti", &[round, i], SECOND, now)
                            .await
                            .unwrap()
                    })
                })
                .collect();
            let mut winners = Vec::new();
            for (i, task) in tasks.into_iter().enumerate() {
                if task.await.unwrap() {
                    winners.push(i as u8);
                }
            }
            assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
            let stored = store.kv_get(T, "e1", "jti", now).await.unwrap();
            assert_eq!(stored, Some(vec![round, winners[0]]));
        }
    }

    async fn deleting_the_extension_deletes_its_state(store: Store) {
        with_extension(&store, T, "e1").await;
        store.kv_set(T, "e1", "k", b"v", None, 0).await.unwrap();
        assert!(store.delete_extension(T, "e1").await.unwrap());
        with_extension(&store, T, "e1").await;
        assert_eq!(store.kv_get(T, "e1", "k", 0).await.unwrap(), None);
        // State for an extension that does not exist is refused.
        assert!(store.kv_set(T, "ghost", "k", b"v", None, 0).await.is_err());
    }

    both_backends!(
        get_set_delete,
        ttl_expires,
        set_if_absent_respects_live_keys,
        set_if_absent_race,
        deleting_the_extension_deletes_its_state,
    );
}
