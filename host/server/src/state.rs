//! What every request handler shares: the configuration, the store and the
//! extension registry (which holds the runtime).

use crate::config::Config;
use crate::platform::Registry;
use crate::store::Store;

pub struct AppState {
    pub config: Config,
    pub store: Store,
    pub registry: Registry,
}
