//! The `kv` import: a key/value namespace per extension. The runtime checks the
//! grant and the key and value sizes; the embedder stores (and makes
//! `set-if-absent` atomic across nodes).

use super::{CallScope, HostState};
use crate::bindings::exthost::plugin::kv::Host;
use crate::bindings::types::HostError;
use std::time::Duration;

const MAX_KEY: usize = 512;
const MAX_VALUE: usize = 1 << 20;

/// The embedder's key/value store. `scope` names the extension and tenant: keys
/// of different scopes never meet.
pub trait KvStore: Send + Sync {
    fn get(&self, scope: &CallScope, key: &str) -> Result<Option<Vec<u8>>, HostError>;
    fn set(&self, scope: &CallScope, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), HostError>;
    fn delete(&self, scope: &CallScope, key: &str) -> Result<bool, HostError>;
    /// Store only if absent or expired; true if stored. Must be atomic.
    fn set_if_absent(
        &self,
        scope: &CallScope,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, HostError>;
}

impl HostState {
    fn kv(&self, key: &str, value: &[u8]) -> Result<&dyn KvStore, HostError> {
        let store = match (&self.services.kv, self.grants.kv) {
            (Some(store), true) => store.as_ref(),
            _ => return Err(HostError::Denied("the kv capability is not granted".into())),
        };
        if key.is_empty() || key.len() > MAX_KEY {
            return Err(HostError::Invalid(format!("keys must be 1 to {MAX_KEY} bytes")));
        }
        if value.len() > MAX_VALUE {
            return Err(HostError::Invalid(format!("values must be at most {MAX_VALUE} bytes")));
        }
        Ok(store)
    }
}

impl Host for HostState {
    fn get(&mut self, key: String) -> Result<Option<Vec<u8>>, HostError> {
        self.kv(&key, &[])?.get(&self.scope, &key)
    }

    fn set(&mut self, key: String, value: Vec<u8>, ttl_ms: Option<u64>) -> Result<(), HostError> {
        self.kv(&key, &value)?
            .set(&self.scope, &key, &value, ttl_ms.map(Duration::from_millis))
    }

    fn delete(&mut self, key: String) -> Result<bool, HostError> {
        self.kv(&key, &[])?.delete(&self.scope, &key)
    }

    fn set_if_absent(&mut self, key: String, value: Vec<u8>, ttl_ms: Option<u64>) -> Result<bool, HostError> {
        self.kv(&key, &value)?
            .set_if_absent(&self.scope, &key, &value, ttl_ms.map(Duration::from_millis))
    }
}
