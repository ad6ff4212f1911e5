//! The purge lock: one purge run at a time per tenant, across every process on
//! one database. On PostgreSQL it is a session advisory lock held on one
//! connection for the run's length, so it is released the moment its process
//! dies (the connection closes); on SQLite, whose file has one platform
//! process, the registry's in-process lock is the whole of it.

use sqlx::Any;
use sqlx::pool::PoolConnection;

use super::error::Result;
use super::{Backend, Store};

/// Held while a purge runs; release it with [`PurgeLock::release`].
pub struct PurgeLock {
    conn: Option<(PoolConnection<Any>, i64)>,
}

/// A stable 64-bit key per tenant (FNV-1a), the same in every process.
fn lock_key(tenant: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in "exthost-purge:".bytes().chain(tenant.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

impl Store {
    /// Take the tenant's purge lock if no other process holds it.
    pub async fn try_purge_lock(&self, tenant: &str) -> Result<Option<PurgeLock>> {
        match self.backend {
            Backend::Sqlite => Ok(Some(PurgeLock { conn: None })),
            Backend::Postgres => {
                let key = lock_key(tenant);
                let mut conn = self.pool.acquire().await?;
                let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                    .bind(key)
                    .fetch_one(&mut *conn)
                    .await?;
                Ok(taken.then_some(PurgeLock {
                    conn: Some((conn, key)),
                }))
            }
        }
    }
}

impl PurgeLock {
    /// Give the lock back. If this fails the connection is closed instead,
    /// which releases a session lock just as well.
    pub async fn release(mut self) {
        if let Some((mut conn, key)) = self.conn.take() {
            let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(key)
                .execute(&mut *conn)
                .await;
            if unlocked.is_err() {
                let _ = conn.close().await;
            }
        }
    }
}

impl Drop for PurgeLock {
    /// A lock dropped without `release` (a panicking run) must not go back to
    /// the pool still held: its connection is detached, and so closed.
    fn drop(&mut self) {
        if let Some((conn, _)) = self.conn.take() {
            drop(conn.detach());
        }
    }
}
