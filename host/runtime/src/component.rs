//! An installed component: compiled (or loaded from the cache), checked against
//! the contract, pre-instantiated against the host's imports, and described by
//! its own `describe()`. Installing is where a broken plugin is refused, so an
//! enabled extension never fails for reasons visible at install.

use crate::bindings::{metadata, on_login, on_message, on_purge_tick, on_request};
use crate::cache::CacheOutcome;
use crate::error::{ConfigError, FieldError, InstallError};
use crate::hooks::{Hook, HookSet, METADATA_EXPORT};
use crate::host::HostState;
use crate::instance::Scratch;
use crate::manifest::Manifest;
use crate::runtime::Shared;
use std::sync::Arc;
use wasmtime::component::{Component, InstancePre, types::ComponentItem};

/// Where each hook's functions live in the component, resolved once at install.
pub(crate) struct Indices {
    pub metadata: metadata::GuestIndices,
    pub on_message: Option<on_message::GuestIndices>,
    pub on_login: Option<on_login::GuestIndices>,
    pub on_purge_tick: Option<on_purge_tick::GuestIndices>,
    pub on_request: Option<on_request::GuestIndices>,
}

/// A component the runtime has accepted. Cheap to share (`Arc`) between the
/// extensions enabled from it.
pub struct InstalledComponent {
    pub(crate) hash: String,
    pub(crate) manifest: Manifest,
    pub(crate) hooks: HookSet,
    pub(crate) pre: InstancePre<HostState>,
    pub(crate) indices: Indices,
    pub(crate) cache: CacheOutcome,
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for InstalledComponent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstalledComponent")
            .field("hash", &self.hash)
            .field("name", &self.manifest.name)
            .field("hooks", &self.hooks)
            .finish()
    }
}

impl InstalledComponent {
    /// The SHA-256 of the component's bytes, hex.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The hooks the component exports, read from the component itself.
    pub fn hooks(&self) -> HookSet {
        self.hooks
    }

    /// Whether this install compiled the component or loaded it from the cache.
    pub fn cache_outcome(&self) -> CacheOutcome {
        self.cache
    }

    /// Run the component's `validate-config` on `settings` in a throwaway
    /// instance; nothing is enabled or changed.
    pub fn validate_config(&self, settings: &str) -> Result<(), ConfigError> {
        let mut scratch = Scratch::new(
            &self.shared,
            &self.pre,
            &self.indices.metadata,
            &self.manifest.name,
            "validate-config",
        )?;
        let result = scratch.run(|store, guest| guest.call_validate_config(store, settings))?;
        result.map_err(|errors| ConfigError::Invalid(field_errors(errors)))
    }
}

pub(crate) fn field_errors(errors: Vec<metadata::FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| FieldError {
            field: e.field,
            message: e.message,
        })
        .collect()
}

/// Check the contract and describe the component (the part of install after compiling).
pub(crate) fn inspect(
    shared: &Arc<Shared>,
    hash: String,
    component: Component,
    cache: CacheOutcome,
) -> Result<InstalledComponent, InstallError> {
    let ty = component.component_type();
    let exports: Vec<String> = ty.exports(&shared.engine).map(|(name, _)| name.to_string()).collect();
    let exported = |name: &str| {
        ty.get_export(&shared.engine, name)
            .is_some_and(|e| matches!(e.ty, ComponentItem::ComponentInstance(_)))
    };
    if !exported(METADATA_EXPORT) {
        tracing::debug!(?exports, "component without metadata");
        return Err(InstallError::MissingMetadata(METADATA_EXPORT));
    }
    let mut hooks = HookSet::default();
    for hook in Hook::ALL {
        if exported(hook.export_name()) {
            hooks.insert(hook);
        }
    }
    let pre = shared
        .linker
        .instantiate_pre(&component)
        .map_err(|e| InstallError::UnsatisfiedImport(format!("{e:#}")))?;
    let bad = |interface: &'static str| {
        move |e: wasmtime::Error| InstallError::BadExport {
            interface,
            reason: format!("{e:#}"),
        }
    };
    let optional = |hook: Hook| hooks.contains(hook);
    let indices = Indices {
        metadata: metadata::GuestIndices::new(&pre).map_err(bad(METADATA_EXPORT))?,
        on_message: optional(Hook::OnMessage)
            .then(|| on_message::GuestIndices::new(&pre))
            .transpose()
            .map_err(bad(Hook::OnMessage.export_name()))?,
        on_login: optional(Hook::OnLogin)
            .then(|| on_login::GuestIndices::new(&pre))
            .transpose()
            .map_err(bad(Hook::OnLogin.export_name()))?,
        on_purge_tick: optional(Hook::OnPurgeTick)
            .then(|| on_purge_tick::GuestIndices::new(&pre))
            .transpose()
            .map_err(bad(Hook::OnPurgeTick.export_name()))?,
        on_request: optional(Hook::OnRequest)
            .then(|| on_request::GuestIndices::new(&pre))
            .transpose()
            .map_err(bad(Hook::OnRequest.export_name()))?,
    };
    let wit_manifest = Scratch::new(shared, &pre, &indices.metadata, &hash, "describe")
        .and_then(|mut scratch| scratch.run(|store, guest| guest.call_describe(store)))
        .map_err(|e| InstallError::Describe(e.to_string()))?;
    Ok(InstalledComponent {
        manifest: Manifest::from_wit(wit_manifest)?,
        hash,
        hooks,
        pre,
        indices,
        cache,
        shared: shared.clone(),
    })
}
