//! The registry keeps three things in step: the database (what the admin
//! saved), the runtime (installed components, enabled extensions) and the hook
//! chains the request pipeline and message ingest read on every call. A change
//! is checked by the runtime first, then written to the database, then made
//! live, so a refused change leaves all three as they were. Admin writes are
//! serialised; readers take an `Arc` snapshot of a chain and never wait.

use super::default_auth;
use super::generated;
use super::settings::{self, Split};
use crate::secrets::{SecretBox, SecretError};
use crate::store::{self, SHARED_TENANT, Store, StoreError, new_id, now_ms};
use exthost_runtime::{
    ConfigError, Extension, ExtensionConfig, FieldError, Grants, Hook, HookSet, InstallError, InstalledComponent,
    Limits, Runtime,
};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{what} `{id}` not found")]
    NotFound { what: &'static str, id: String },
    #[error("settings refused")]
    Invalid(Vec<FieldError>),
    #[error("component refused: {0}")]
    Install(#[from] InstallError),
    #[error("the extension failed to start: {0}")]
    Failed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("internal task failed: {0}")]
    Join(String),
}

type Result<T> = std::result::Result<T, RegistryError>;

/// An enabled extension as the admin API shows it: secrets only as "set".
#[derive(Debug, Clone, serde::Serialize)]
pub struct EnabledView {
    pub id: String,
    pub component_id: String,
    pub name: String,
    pub title: String,
    pub enabled: bool,
    pub position: i64,
    pub settings: Value,
    /// For each secret field: whether a value is stored.
    pub secrets: Value,
    /// Values the platform computes for the admin (read-only settings).
    pub computed: Value,
    pub hooks: Vec<Hook>,
    pub quarantined: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One enabled extension: its saved row and, when on, its live handle.
#[derive(Clone)]
struct Live {
    row: store::Extension,
    component: Arc<InstalledComponent>,
    secrets: Map<String, Value>,
    ext: Option<Extension>,
}

#[derive(Default)]
struct Chains {
    all: Vec<Live>,
    on_request: Arc<Vec<Extension>>,
    on_message: Arc<Vec<Extension>>,
    on_login: Arc<Vec<Extension>>,
}

/// Where the registry's extensions run: the tenant, the public URL given to
/// `init`, and their limits.
pub struct Place {
    pub tenant: String,
    pub base_url: String,
    pub limits: Limits,
    /// The deadline of an extension whose only hook is on-purge-tick.
    pub purge_deadline: std::time::Duration,
}

pub struct Registry {
    runtime: Runtime,
    store: Store,
    secrets: SecretBox,
    tenant: String,
    base_url: String,
    limits: Limits,
    purge_deadline: std::time::Duration,
    components: RwLock<HashMap<String, Arc<InstalledComponent>>>,
    chains: RwLock<Chains>,
    writes: tokio::sync::Mutex<()>,
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| RegistryError::Join(e.to_string()))
}

/// Fill the secrets the extension's schema asks the platform to generate (off the async workers).
async fn generate_secrets(component: &InstalledComponent, values: Map<String, Value>) -> Result<Map<String, Value>> {
    let fields = generated::fields(component.manifest());
    if fields.is_empty() {
        return Ok(values);
    }
    blocking(move || {
        let mut values = values;
        generated::fill(&fields, &mut values).map(|()| values)
    })
    .await?
    .map_err(|e| RegistryError::Failed(e.to_string()))
}

fn config_error(e: ConfigError) -> RegistryError {
    match e {
        ConfigError::Invalid(errors) => RegistryError::Invalid(errors),
        ConfigError::Failed(e) => RegistryError::Failed(e.to_string()),
    }
}

impl Registry {
    /// Install the built-in components, then bring back every saved extension.
    pub async fn open(runtime: Runtime, store: Store, secrets: SecretBox, place: Place) -> Result<Registry> {
        let registry = Registry {
            runtime,
            store,
            secrets,
            tenant: place.tenant,
            base_url: place.base_url,
            limits: place.limits,
            purge_deadline: place.purge_deadline,
            components: RwLock::new(HashMap::new()),
            chains: RwLock::new(Chains::default()),
            writes: tokio::sync::Mutex::new(()),
        };
        for (package, bytes) in exthost_artifacts::builtin::EMBEDDED {
            let component = registry.install_bytes(bytes.to_vec()).await?;
            registry
                .store
                .upsert_component(SHARED_TENANT, &record(&component, bytes.to_vec(), true))
                .await?;
            tracing::info!(extension = %package, hash = %component.hash(), "built-in extension available");
        }
        registry.reload().await?;
        Ok(registry)
    }

    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    async fn install_bytes(&self, bytes: Vec<u8>) -> Result<Arc<InstalledComponent>> {
        let runtime = self.runtime.clone();
        let component = blocking(move || runtime.install(&bytes)).await??;
        self.components
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(component.hash().into(), component.clone());
        Ok(component)
    }

    /// The installed component with this id (hash) or manifest name, loading it from the database if needed.
    async fn component(&self, id_or_name: &str) -> Result<Arc<InstalledComponent>> {
        let metas = self.store.list_components(&self.tenant).await?;
        let meta = metas
            .iter()
            .find(|m| m.id == id_or_name)
            .or_else(|| metas.iter().find(|m| m.name == id_or_name))
            .ok_or_else(|| RegistryError::NotFound {
                what: "extension",
                id: id_or_name.into(),
            })?;
        if let Some(c) = self.components.read().unwrap_or_else(|p| p.into_inner()).get(&meta.id) {
            return Ok(c.clone());
        }
        let stored =
            self.store
                .get_component(&self.tenant, &meta.id)
                .await?
                .ok_or_else(|| RegistryError::NotFound {
                    what: "component",
                    id: meta.id.clone(),
                })?;
        self.install_bytes(stored.bytes).await
    }

    /// Rebuild the live state from the database (at start, and after another node's change).
    pub async fn reload(&self) -> Result<()> {
        let mut all = Vec::new();
        for row in self.store.list_extensions(&self.tenant).await? {
            let component = match self.component(&row.component_id).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(extension = %row.id, error = %e, "saved extension's component is unavailable");
                    continue;
                }
            };
            let secrets = self.open_secrets(&row)?;
            let ext = if row.enabled {
                match self.start(&component, &row.id, &row.settings, &secrets).await {
                    Ok(ext) => Some(ext),
                    Err(e) => {
                        tracing::error!(extension = %row.id, error = %e, "saved extension failed to start");
                        None
                    }
                }
            } else {
                None
            };
            all.push(Live {
                row,
                component,
                secrets,
                ext,
            });
        }
        self.publish(all);
        Ok(())
    }

    fn open_secrets(&self, row: &store::Extension) -> Result<Map<String, Value>> {
        let Some(sealed) = &row.secrets else {
            return Ok(Map::new());
        };
        let plain = self.secrets.open(sealed, &self.aad(&row.id))?;
        Ok(serde_json::from_slice(&plain).unwrap_or_default())
    }

    fn aad(&self, id: &str) -> String {
        format!("{}/{id}", self.tenant)
    }

    /// Enable in the runtime with public settings and secrets merged.
    async fn start(
        &self,
        component: &Arc<InstalledComponent>,
        id: &str,
        public: &Value,
        secrets: &Map<String, Value>,
    ) -> Result<Extension> {
        let config = ExtensionConfig {
            tenant: self.tenant.clone(),
            base_url: self.base_url.clone(),
            limits: Some(self.limits_for(component)),
            grants: Grants::all_requested(component.manifest()),
            ..ExtensionConfig::new(id, full_settings(public, secrets).to_string())
        };
        let (runtime, component) = (self.runtime.clone(), component.clone());
        blocking(move || runtime.enable(component, config))
            .await?
            .map_err(config_error)
    }

    /// A purge-only extension gets the purge deadline (its calls count and
    /// delete over the whole database); any other keeps the request-path one.
    fn limits_for(&self, component: &InstalledComponent) -> Limits {
        let mut limits = self.limits.clone();
        let hooks = component.hooks();
        if hooks.contains(Hook::OnPurgeTick) && hooks.iter().count() == 1 {
            limits.deadline = limits.deadline.max(self.purge_deadline);
        }
        limits
    }

    /// The enabled, running extensions that export on-purge-tick.
    pub fn purgers(&self) -> Vec<Extension> {
        self.snapshot()
            .into_iter()
            .filter_map(|l| l.ext)
            .filter(|e| e.hooks().contains(Hook::OnPurgeTick))
            .collect()
    }

    fn publish(&self, all: Vec<Live>) {
        let chain = |hook: Hook| {
            Arc::new(
                all.iter()
                    .filter_map(|l| l.ext.clone())
                    .filter(|e| e.hooks().contains(hook))
                    .collect::<Vec<_>>(),
            )
        };
        let chains = Chains {
            on_request: chain(Hook::OnRequest),
            on_message: chain(Hook::OnMessage),
            on_login: chain(Hook::OnLogin),
            all,
        };
        *self.chains.write().unwrap_or_else(|p| p.into_inner()) = chains;
    }

    fn snapshot(&self) -> Vec<Live> {
        self.chains.read().unwrap_or_else(|p| p.into_inner()).all.clone()
    }

    /// The enabled extensions exporting on-request, in the admin's order.
    pub fn request_chain(&self) -> Arc<Vec<Extension>> {
        self.chains.read().unwrap_or_else(|p| p.into_inner()).on_request.clone()
    }

    /// The enabled extensions exporting on-message, in the admin's order.
    pub fn message_chain(&self) -> Arc<Vec<Extension>> {
        self.chains.read().unwrap_or_else(|p| p.into_inner()).on_message.clone()
    }

    /// The enabled extensions exporting on-login, in the admin's order.
    pub fn login_chain(&self) -> Arc<Vec<Extension>> {
        self.chains.read().unwrap_or_else(|p| p.into_inner()).on_login.clone()
    }

    /// Refuse `id` becoming the default authentication while another enabled extension is.
    fn check_default_auth(&self, all: &[Live], id: &str, hooks: HookSet, public: &Value, enabled: bool) -> Result<()> {
        if !enabled || !default_auth::claims(hooks, public) {
            return Ok(());
        }
        let holders = all.iter().filter(|l| l.row.enabled).map(|l| default_auth::Holder {
            id: &l.row.id,
            name: &l.component.manifest().name,
            claims: default_auth::claims(l.component.hooks(), &l.row.settings),
        });
        default_auth::check(id, holders).map_err(|e| RegistryError::Invalid(vec![e]))
    }

    /// Check settings with the schema and the extension's `validate-config`.
    async fn validate(&self, component: &Arc<InstalledComponent>, full: &Value) -> Result<()> {
        if !full.is_object() {
            return Err(RegistryError::Invalid(vec![FieldError {
                field: String::new(),
                message: "settings must be a JSON object".into(),
            }]));
        }
        settings::check_schema(component.manifest(), full).map_err(RegistryError::Invalid)?;
        let (component, text) = (component.clone(), full.to_string());
        blocking(move || component.validate_config(&text))
            .await?
            .map_err(config_error)
    }

    fn view(&self, live: &Live) -> EnabledView {
        let manifest = live.component.manifest();
        EnabledView {
            id: live.row.id.clone(),
            component_id: live.row.component_id.clone(),
            name: manifest.name.clone(),
            title: manifest.title.clone(),
            enabled: live.row.enabled,
            position: live.row.position,
            settings: live.row.settings.clone(),
            secrets: Value::Object(settings::secrets_set(manifest, &live.secrets)),
            computed: Value::Object(settings::computed(manifest, &self.base_url)),
            hooks: live.component.hooks().iter().collect(),
            quarantined: live.ext.as_ref().is_some_and(|e| e.is_quarantined()),
            created_at: live.row.created_at,
            updated_at: live.row.updated_at,
        }
    }

    pub fn list(&self) -> Vec<EnabledView> {
        self.snapshot().iter().map(|l| self.view(l)).collect()
    }

    pub fn get(&self, id: &str) -> Result<EnabledView> {
        self.snapshot()
            .iter()
            .find(|l| l.row.id == id)
            .map(|l| self.view(l))
            .ok_or_else(|| RegistryError::NotFound {
                what: "extension",
                id: id.into(),
            })
    }

    /// The admin's "Add": enable `component` (id or name) with `settings`.
    pub async fn add(
        &self,
        component: &str,
        settings: Value,
        enabled: bool,
        actor: Option<&str>,
    ) -> Result<EnabledView> {
        let _write = self.writes.lock().await;
        let component = self.component(component).await?;
        let settings = match settings {
            Value::Object(values) => Value::Object(generate_secrets(&component, values).await?),
            other => other,
        };
        self.validate(&component, &settings).await?;
        let Split { public, secrets } = settings::split(component.manifest(), into_map(settings));
        let id = new_id();
        let public_value = Value::Object(public.clone());
        self.check_default_auth(&self.snapshot(), &id, component.hooks(), &public_value, enabled)?;
        let ext = if enabled {
            Some(
                self.start(&component, &id, &Value::Object(public.clone()), &secrets)
                    .await?,
            )
        } else {
            None
        };
        let sealed = self.seal(&id, &secrets)?;
        let row = self
            .store
            .insert_extension(
                &self.tenant,
                &store::NewExtension {
                    id: id.clone(),
                    component_id: component.hash().into(),
                    settings: Value::Object(public),
                    secrets: sealed,
                    enabled,
                    default_auth: enabled && default_auth::claims(component.hooks(), &public_value),
                    now: now_ms(),
                },
            )
            .await
            .map_err(default_auth_conflict)?;
        self.audit(
            "extension.created",
            actor,
            json!({"id": id, "extension": component.manifest().name}),
        )
        .await?;
        let mut all = self.snapshot();
        all.push(Live {
            row,
            component,
            secrets,
            ext,
        });
        let view = self.view(all.last().expect("just pushed"));
        self.publish(all);
        Ok(view)
    }

    /// The admin's "Save" after the pencil: new settings (secrets omitted are
    /// kept) and, optionally, on or off.
    pub async fn update(
        &self,
        id: &str,
        settings: Value,
        enabled: Option<bool>,
        actor: Option<&str>,
    ) -> Result<EnabledView> {
        let _write = self.writes.lock().await;
        let mut all = self.snapshot();
        let idx = all
            .iter()
            .position(|l| l.row.id == id)
            .ok_or_else(|| RegistryError::NotFound {
                what: "extension",
                id: id.into(),
            })?;
        let live = all[idx].clone();
        let manifest = live.component.manifest();
        let Split {
            public,
            secrets: edited,
        } = settings::split(manifest, into_map(settings));
        let secrets = settings::merge_secrets(live.secrets.clone(), edited);
        let secrets = generate_secrets(&live.component, secrets).await?;
        let full = full_settings(&Value::Object(public.clone()), &secrets);
        self.validate(&live.component, &full).await?;
        let enabled = enabled.unwrap_or(live.row.enabled);
        let public_value = Value::Object(public.clone());
        self.check_default_auth(&all, id, live.component.hooks(), &public_value, enabled)?;
        // Saved before the live extension changes: the database has the last
        // word on the one default authentication (another node may hold it).
        let row = store::Extension {
            settings: public_value.clone(),
            secrets: self.seal(id, &secrets)?,
            enabled,
            default_auth: enabled && default_auth::claims(live.component.hooks(), &public_value),
            updated_at: now_ms(),
            ..live.row.clone()
        };
        self.store
            .update_extension(&self.tenant, &row)
            .await
            .map_err(default_auth_conflict)?;
        let started = match (&live.ext, enabled) {
            (Some(ext), true) => {
                let (ext, text) = (ext.clone(), full.to_string());
                blocking(move || ext.reconfigure(&text))
                    .await
                    .and_then(|r| r.map_err(config_error))
                    .map(|_| live.ext.clone())
            }
            (None, true) => self.start(&live.component, id, &public_value, &secrets).await.map(Some),
            (_, false) => Ok(None),
        };
        let ext = match started {
            Ok(ext) => ext,
            Err(e) => {
                // The settings validated but the extension would not start with
                // them: put the saved row back so the database matches what runs.
                if let Err(restore) = self.store.update_extension(&self.tenant, &live.row).await {
                    tracing::error!(extension = %id, error = %restore, "could not restore the settings");
                }
                return Err(e);
            }
        };
        self.audit(
            "extension.updated",
            actor,
            json!({"id": id, "extension": manifest.name, "enabled": enabled}),
        )
        .await?;
        all[idx] = Live {
            row,
            component: live.component.clone(),
            secrets,
            ext,
        };
        let view = self.view(&all[idx]);
        self.publish(all);
        Ok(view)
    }

    /// The admin's "Delete".
    pub async fn delete(&self, id: &str, actor: Option<&str>) -> Result<()> {
        let _write = self.writes.lock().await;
        let mut all = self.snapshot();
        let idx = all
            .iter()
            .position(|l| l.row.id == id)
            .ok_or_else(|| RegistryError::NotFound {
                what: "extension",
                id: id.into(),
            })?;
        self.store.delete_extension(&self.tenant, id).await?;
        let removed = all.remove(idx);
        self.audit(
            "extension.destroyed",
            actor,
            json!({"id": id, "extension": removed.component.manifest().name}),
        )
        .await?;
        self.publish(all);
        Ok(())
    }

    /// An admin's upload: install (refusing anything broken) and keep it for this tenant.
    pub async fn upload(&self, bytes: Vec<u8>, actor: Option<&str>) -> Result<store::ComponentMeta> {
        let component = self.install_bytes(bytes.clone()).await?;
        let record = record(&component, bytes, false);
        self.store.upsert_component(&self.tenant, &record).await?;
        self.audit(
            "component.installed",
            actor,
            json!({"component": component.hash(), "extension": component.manifest().name}),
        )
        .await?;
        Ok(record.meta)
    }

    pub async fn components(&self) -> Result<Vec<store::ComponentMeta>> {
        Ok(self.store.list_components(&self.tenant).await?)
    }

    fn seal(&self, id: &str, secrets: &Map<String, Value>) -> Result<Option<Vec<u8>>> {
        if secrets.is_empty() {
            return Ok(None);
        }
        let plain = serde_json::to_vec(secrets).unwrap_or_default();
        Ok(Some(self.secrets.seal(&plain, &self.aad(id))?))
    }

    pub async fn audit(&self, name: &str, actor: Option<&str>, payload: Value) -> Result<()> {
        let event = store::Event {
            id: new_id(),
            name: name.into(),
            actor: actor.map(Into::into),
            payload,
            created_at: now_ms(),
        };
        Ok(self.store.insert_event(&self.tenant, &event).await?)
    }
}

fn into_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn full_settings(public: &Value, secrets: &Map<String, Value>) -> Value {
    let mut full = public.as_object().cloned().unwrap_or_default();
    full.extend(secrets.clone());
    Value::Object(full)
}

fn record(component: &InstalledComponent, bytes: Vec<u8>, builtin: bool) -> store::Component {
    let m = component.manifest();
    store::Component {
        meta: store::ComponentMeta {
            id: component.hash().into(),
            tenant: if builtin { SHARED_TENANT.into() } else { String::new() },
            name: m.name.clone(),
            version: m.version.clone(),
            title: m.title.clone(),
            manifest: serde_json::to_value(m).unwrap_or(Value::Null),
            builtin,
            installed_at: now_ms(),
        },
        bytes,
    }
}

/// A database refusal of a second default authentication (saved on another
/// node meanwhile) is a settings refusal on the rule's field.
fn default_auth_conflict(e: StoreError) -> RegistryError {
    match e {
        StoreError::Conflict { .. } => RegistryError::Invalid(vec![FieldError {
            field: default_auth::FIELD.into(),
            message: "another extension is already the default authentication; only one SSO extension can be".into(),
        }]),
        other => RegistryError::Store(other),
    }
}
