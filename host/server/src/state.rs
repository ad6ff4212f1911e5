//! What every request handler shares: the configuration, the store and the
//! extension registry (which holds the runtime).

use crate::config::Config;
use crate::platform::Registry;
use crate::platform::data::PurgeFaults;
use crate::platform::purge::Purger;
use crate::store::Store;
use std::sync::Arc;

pub struct AppState {
    pub config: Config,
    pub store: Store,
    pub registry: Registry,
    /// One purge run at a time (see `platform::purge`).
    pub purger: Purger,
    /// Faults crash-safety tests inject into purge batches; off unless armed.
    pub purge_faults: Arc<PurgeFaults>,
}
