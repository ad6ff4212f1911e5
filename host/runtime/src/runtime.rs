//! The runtime: one wasmtime `Engine` per process, the linker holding every host
//! import, the epoch ticker that enforces deadlines, and the compile cache.
//! `install` turns bytes into an [`InstalledComponent`]; `enable` turns a
//! component and settings into an [`Extension`].

use crate::cache::{CompileCache, content_hash};
use crate::component::{InstalledComponent, inspect};
use crate::error::{ConfigError, InstallError, RuntimeError};
use crate::extension::{Extension, ExtensionConfig};
use crate::host::{HostServices, HostState};
use crate::limits::Limits;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine};

/// How the runtime is set up. `Default` gives sane limits, no compile cache,
/// and host services that log through `tracing` and grant nothing else.
#[derive(Clone)]
pub struct RuntimeConfig {
    /// Where compiled components are cached; `None` compiles on every install.
    pub cache_dir: Option<PathBuf>,
    /// The largest component accepted at install.
    pub max_component_bytes: usize,
    /// How often the epoch advances: the granularity of deadlines.
    pub epoch_tick: Duration,
    /// Limits for extensions enabled without limits of their own, and for
    /// the instances used at install.
    pub default_limits: Limits,
    /// The embedder's implementations of the host imports.
    pub services: HostServices,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            cache_dir: None,
            max_component_bytes: 64 << 20,
            epoch_tick: Duration::from_millis(1),
            default_limits: Limits::default(),
            services: HostServices::default(),
        }
    }
}

/// What every component and extension of one runtime shares.
pub(crate) struct Shared {
    pub engine: Engine,
    pub linker: Linker<HostState>,
    pub cache: Option<CompileCache>,
    pub epoch_tick: Duration,
    pub default_limits: Limits,
    pub max_component_bytes: usize,
    pub services: Arc<HostServices>,
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}

/// The extension runtime. Cheap to clone; clones share one engine.
#[derive(Clone)]
pub struct Runtime {
    shared: Arc<Shared>,
}

impl Runtime {
    pub fn new(config: RuntimeConfig) -> Result<Runtime, RuntimeError> {
        let mut wasm = Config::new();
        wasm.wasm_component_model(true)
            .epoch_interruption(true)
            .parallel_compilation(true);
        let engine = Engine::new(&wasm).map_err(|e| RuntimeError::Engine(format!("{e:#}")))?;

        let mut linker = Linker::<HostState>::new(&engine);
        let link = |e: wasmtime::Error| RuntimeError::Link(format!("{e:#}"));
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(link)?;
        // `wasi:http` (componentize-js components import it); requests are
        // denied unless their host was granted: see `OutboundHttp`.
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker).map_err(link)?;
        crate::bindings::Full::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s).map_err(link)?;

        let cache = match &config.cache_dir {
            Some(dir) => Some(CompileCache::new(dir, &engine).map_err(|source| RuntimeError::Cache {
                path: dir.clone(),
                source,
            })?),
            None => None,
        };

        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (engine, stop, tick) = (engine.clone(), stop.clone(), config.epoch_tick);
            std::thread::Builder::new()
                .name("exthost-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(tick);
                        engine.increment_epoch();
                    }
                })
                .map_err(|e| RuntimeError::Engine(format!("cannot start the epoch ticker: {e}")))?
        };

        Ok(Runtime {
            shared: Arc::new(Shared {
                engine,
                linker,
                cache,
                epoch_tick: config.epoch_tick,
                default_limits: config.default_limits,
                max_component_bytes: config.max_component_bytes,
                services: Arc::new(config.services),
                stop,
                ticker: Some(ticker),
            }),
        })
    }

    /// Validate, compile (or load from the cache) and describe a component.
    /// Refuses anything that is not a component exporting `metadata` with a
    /// sound manifest, or that imports what the host does not provide.
    pub fn install(&self, bytes: &[u8]) -> Result<Arc<InstalledComponent>, InstallError> {
        let shared = &self.shared;
        if bytes.len() > shared.max_component_bytes {
            return Err(InstallError::TooLarge {
                size: bytes.len(),
                max: shared.max_component_bytes,
            });
        }
        if bytes.len() < 8 || &bytes[0..4] != b"\0asm" {
            return Err(InstallError::NotWasm);
        }
        // The header's layer field: 0 for a core module, 1 for a component.
        if bytes[6..8] == [0, 0] {
            return Err(InstallError::CoreModule);
        }
        let hash = content_hash(bytes);
        let compiled = match &shared.cache {
            Some(cache) => cache.load_or_compile(&shared.engine, &hash, bytes),
            None => wasmtime::component::Component::new(&shared.engine, bytes)
                .map(|c| (c, crate::cache::CacheOutcome::Compiled)),
        };
        let (component, outcome) = compiled.map_err(|e| InstallError::Invalid(format!("{e:#}")))?;
        inspect(shared, hash, component, outcome).map(Arc::new)
    }

    /// Enable an extension: check its settings with `validate-config`, then
    /// start a first instance (so `init` failures show now, not on a request).
    pub fn enable(
        &self,
        component: Arc<InstalledComponent>,
        config: ExtensionConfig,
    ) -> Result<Extension, ConfigError> {
        component.validate_config(&config.settings)?;
        let limits = config
            .limits
            .clone()
            .unwrap_or_else(|| self.shared.default_limits.clone());
        let extension = Extension::new(component, config, limits);
        extension.warm_up()?;
        Ok(extension)
    }

    /// The default limits extensions get.
    pub fn default_limits(&self) -> &Limits {
        &self.shared.default_limits
    }
}
