//! The `kv` host import over the platform's database. The runtime's capability
//! traits are synchronous (a hook call is synchronous wasm), the store is async
//! sqlx: each call is driven to completion on the server's tokio runtime with
//! `Handle::block_on`. That is only legal off the async worker threads, so every
//! hook call that may reach `kv` runs inside `tokio::task::spawn_blocking` (see
//! `pipeline` and `web::login`). A call that takes longer than its timeout fails
//! with `unavailable` rather than holding the hook (and its instance) forever.

use crate::store::{Store, now_ms};
use exthost_runtime::types::HostError;
use exthost_runtime::{CallScope, KvStore};
use std::future::Future;
use std::time::Duration;
use tokio::runtime::Handle;

/// How long one kv call may wait for the database.
const TIMEOUT: Duration = Duration::from_secs(5);

/// `KvStore` backed by the `kv` table, shared by every node on one database.
pub struct StoreKv {
    store: Store,
    handle: Handle,
}

impl StoreKv {
    /// `handle` is the runtime whose threads drive the queries.
    pub fn new(store: Store, handle: Handle) -> StoreKv {
        StoreKv { store, handle }
    }

    fn run<T>(&self, what: &str, f: impl Future<Output = crate::store::Result<T>>) -> Result<T, HostError> {
        match self.handle.block_on(tokio::time::timeout(TIMEOUT, f)) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                // The extension gets a plain word; the cause goes to the log.
                tracing::warn!(error = %e, operation = what, "kv call failed");
                Err(HostError::Unavailable("the store is unavailable".into()))
            }
            Err(_) => Err(HostError::Unavailable("the store did not answer in time".into())),
        }
    }
}

impl KvStore for StoreKv {
    fn get(&self, scope: &CallScope, key: &str) -> Result<Option<Vec<u8>>, HostError> {
        self.run(
            "get",
            self.store.kv_get(&scope.tenant, &scope.extension_id, key, now_ms()),
        )
    }

    fn set(&self, scope: &CallScope, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), HostError> {
        self.run(
            "set",
            self.store
                .kv_set(&scope.tenant, &scope.extension_id, key, value, ttl, now_ms()),
        )
    }

    fn delete(&self, scope: &CallScope, key: &str) -> Result<bool, HostError> {
        self.run(
            "delete",
            self.store.kv_delete(&scope.tenant, &scope.extension_id, key, now_ms()),
        )
    }

    fn set_if_absent(
        &self,
        scope: &CallScope,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, HostError> {
        self.run(
            "set_if_absent",
            self.store
                .kv_set_if_absent(&scope.tenant, &scope.extension_id, key, value, ttl, now_ms()),
        )
    }
}
