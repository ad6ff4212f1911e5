//! An enabled extension: a component with settings, limits, grants and fault
//! policies, and a small pool of initialised instances. Calls take an idle
//! instance (or make one), and give it back unless it trapped or the settings
//! changed meanwhile, so a trap never poisons the next call and a settings
//! change takes effect on the very next call.

use crate::bindings::types::{
    Context, Environment, HookError, LoginDecision, LoginRefusal, LoginRequest, MessageEvent, MessageOutcome,
    Moderation, PurgeReport, PurgeTick, RequestDecision,
};
use crate::component::InstalledComponent;
use crate::error::{CallError, ConfigError};
use crate::fault::FaultTracker;
use crate::hooks::{Hook, HookSet};
use crate::instance::{Blueprint, Slot, deadline_ticks};
use crate::limits::{FaultPolicies, FaultPolicy, Limits};
use crate::manifest::Grants;
use crate::request::{HttpRequest, RequestHandle};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Instant;

/// How an embedder enables an extension.
#[derive(Debug, Clone)]
pub struct ExtensionConfig {
    /// The id of this enabled extension (unique in the embedder).
    pub id: String,
    /// The tenant it is enabled for; host imports are scoped to it.
    pub tenant: String,
    /// The platform's public base URL, given to the extension's `init`.
    pub base_url: String,
    /// The settings, a JSON object.
    pub settings: String,
    /// Limits; `None` takes the runtime's defaults.
    pub limits: Option<Limits>,
    /// What the admin allowed, restricted to what the manifest asks for.
    pub grants: Grants,
    pub policies: FaultPolicies,
}

impl ExtensionConfig {
    /// An extension with these settings, default limits and policies, no grants.
    pub fn new(id: impl Into<String>, settings: impl Into<String>) -> ExtensionConfig {
        ExtensionConfig {
            id: id.into(),
            tenant: "default".into(),
            base_url: String::new(),
            settings: settings.into(),
            limits: None,
            grants: Grants::default(),
            policies: FaultPolicies::default(),
        }
    }
}

/// What the embedder tells every hook call.
#[derive(Debug, Clone, Default)]
pub struct HookContext {
    /// Unix milliseconds.
    pub now: u64,
    pub request_id: String,
}

/// A handle to an enabled extension. Cheap to clone; clones share instances.
#[derive(Clone)]
pub struct Extension {
    inner: Arc<Inner>,
}

struct Inner {
    id: String,
    env: Environment,
    component: Arc<InstalledComponent>,
    grants: Grants,
    limits: Limits,
    /// `limits.deadline` in epoch ticks, computed once rather than per call.
    deadline_ticks: u64,
    policies: FaultPolicies,
    settings: RwLock<Arc<str>>,
    generation: AtomicU64,
    pool: Mutex<Vec<Slot>>,
    faults: Mutex<FaultTracker>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these locks leaves plain data behind, still valid.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Extension {
    pub(crate) fn new(component: Arc<InstalledComponent>, config: ExtensionConfig, limits: Limits) -> Extension {
        let grants = config.grants.restricted_to(component.manifest());
        let deadline_ticks = deadline_ticks(&component.shared, limits.deadline);
        Extension {
            inner: Arc::new(Inner {
                env: Environment {
                    tenant: config.tenant,
                    extension_id: config.id.clone(),
                    base_url: config.base_url,
                },
                id: config.id,
                component,
                grants,
                limits,
                deadline_ticks,
                policies: config.policies,
                settings: RwLock::new(config.settings.into()),
                generation: AtomicU64::new(0),
                pool: Mutex::new(Vec::new()),
                faults: Mutex::new(FaultTracker::default()),
            }),
        }
    }

    pub fn id(&self) -> &str {
        &self.inner.id
    }

    pub fn component(&self) -> &Arc<InstalledComponent> {
        &self.inner.component
    }

    pub fn hooks(&self) -> HookSet {
        self.inner.component.hooks()
    }

    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    pub fn grants(&self) -> &Grants {
        &self.inner.grants
    }

    /// The settings in force.
    pub fn settings(&self) -> Arc<str> {
        self.inner
            .settings
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replace the settings after `validate-config` accepts them. Instances
    /// made with the old settings are discarded; the next call gets a fresh one.
    pub fn reconfigure(&self, settings: &str) -> Result<(), ConfigError> {
        self.inner.component.validate_config(settings)?;
        *self.inner.settings.write().unwrap_or_else(PoisonError::into_inner) = settings.into();
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        lock(&self.inner.pool).clear();
        Ok(())
    }

    pub fn is_quarantined(&self) -> bool {
        lock(&self.inner.faults).is_quarantined()
    }

    /// Lift a quarantine (an admin decided to try again).
    pub fn release_quarantine(&self) {
        lock(&self.inner.faults).release();
    }

    /// How many initialised instances are idle in the pool.
    pub fn idle_instances(&self) -> usize {
        lock(&self.inner.pool).len()
    }

    /// Make one instance now so `init` errors surface at enable time.
    pub(crate) fn warm_up(&self) -> Result<(), ConfigError> {
        let slot = self.instantiate().map_err(|e| match e {
            CallError::Init { errors, .. } => ConfigError::Invalid(errors),
            other => ConfigError::Failed(other),
        })?;
        self.give_back(slot);
        Ok(())
    }

    fn instantiate(&self) -> Result<Slot, CallError> {
        let inner = &self.inner;
        let generation = inner.generation.load(Ordering::SeqCst);
        let settings = self.settings();
        let component = &inner.component;
        let blueprint = Blueprint {
            shared: &component.shared,
            pre: &component.pre,
            indices: &component.indices,
            env: &inner.env,
            grants: &inner.grants,
            limits: &inner.limits,
        };
        blueprint.instantiate(&settings, generation)
    }

    fn give_back(&self, slot: Slot) {
        let inner = &self.inner;
        let mut pool = lock(&inner.pool);
        if slot.generation == inner.generation.load(Ordering::SeqCst) && pool.len() < inner.limits.idle_instances {
            pool.push(slot);
        }
    }

    fn record_fault(&self, error: &CallError) {
        if error.trap_kind().is_none() {
            return;
        }
        let inner = &self.inner;
        let limits = &inner.limits;
        let quarantined = lock(&inner.faults).record(Instant::now(), limits.quarantine_after, limits.quarantine_window);
        if quarantined {
            lock(&inner.pool).clear();
            let reason = format!(
                "{} traps within {:?}; last: {error}",
                limits.quarantine_after, limits.quarantine_window
            );
            tracing::error!(extension = %inner.id, %reason, "extension quarantined");
            inner.component.shared.services.observer.quarantined(&inner.id, &reason);
        }
    }

    /// Run one hook call on a pooled (or fresh) instance under the deadline.
    fn call<R>(
        &self,
        hook: Hook,
        ctx: &HookContext,
        f: impl FnOnce(&mut Slot, &Context) -> wasmtime::Result<Result<R, HookError>>,
    ) -> Result<R, CallError> {
        let inner = &self.inner;
        if !self.hooks().contains(hook) {
            return Err(CallError::NotExported {
                extension: inner.id.clone(),
                hook,
            });
        }
        if self.is_quarantined() {
            return Err(CallError::Quarantined {
                extension: inner.id.clone(),
            });
        }
        let pooled = lock(&inner.pool).pop();
        let mut slot = match pooled {
            Some(slot) => slot,
            None => self.instantiate().inspect_err(|e| self.record_fault(e))?,
        };
        slot.store.set_epoch_deadline(inner.deadline_ticks);
        let mut wit_ctx = std::mem::replace(
            &mut slot.context,
            Context {
                now: 0,
                request_id: String::new(),
            },
        );
        wit_ctx.now = ctx.now;
        wit_ctx.request_id.clear();
        wit_ctx.request_id.push_str(&ctx.request_id);
        let outcome = f(&mut slot, &wit_ctx);
        slot.context = wit_ctx;
        match outcome {
            Ok(result) => {
                self.give_back(slot);
                result.map_err(|e| CallError::Hook {
                    extension: inner.id.clone(),
                    hook,
                    code: e.code,
                    message: e.message,
                })
            }
            Err(e) => {
                // The instance is dropped here: its state after a trap is unknown.
                let (kind, message) = crate::instance::classify(&e, slot.store.data());
                let error = CallError::Trap {
                    extension: inner.id.clone(),
                    stage: hook.name().to_string(),
                    kind,
                    message,
                };
                tracing::warn!(extension = %inner.id, %hook, error = %error, "hook trapped");
                self.record_fault(&error);
                Err(error)
            }
        }
    }

    /// Call `on-request`. The request is lent to the guest as a resource for
    /// the duration of the call; the `Arc` lets a chain of extensions share it.
    pub fn on_request(&self, ctx: &HookContext, req: &Arc<HttpRequest>) -> Result<RequestDecision, CallError> {
        self.call(Hook::OnRequest, ctx, |slot, c| {
            let Some(g) = &slot.guests.on_request else {
                return Err(wasmtime::format_err!("on-request export not loaded"));
            };
            let handle = slot.store.data_mut().table_mut().push(RequestHandle(req.clone()))?;
            let rep = handle.rep();
            let result = g.call_handle(&mut slot.store, c, wasmtime::component::Resource::new_borrow(rep));
            slot.store.data_mut().table_mut().delete(handle)?;
            result
        })
    }

    /// Call `on-login`.
    pub fn on_login(&self, ctx: &HookContext, req: &LoginRequest) -> Result<LoginDecision, CallError> {
        self.call(Hook::OnLogin, ctx, |slot, c| match &slot.guests.on_login {
            Some(g) => g.call_handle(&mut slot.store, c, req),
            None => Err(wasmtime::format_err!("on-login export not loaded")),
        })
    }

    /// Call `on-message`.
    pub fn on_message(&self, ctx: &HookContext, event: &MessageEvent) -> Result<MessageOutcome, CallError> {
        self.call(Hook::OnMessage, ctx, |slot, c| match &slot.guests.on_message {
            Some(g) => g.call_handle(&mut slot.store, c, event),
            None => Err(wasmtime::format_err!("on-message export not loaded")),
        })
    }

    /// Call `on-purge-tick`.
    pub fn on_purge_tick(&self, ctx: &HookContext, tick: &PurgeTick) -> Result<PurgeReport, CallError> {
        self.call(Hook::OnPurgeTick, ctx, |slot, c| match &slot.guests.on_purge_tick {
            Some(g) => g.call_handle(&mut slot.store, c, tick),
            None => Err(wasmtime::format_err!("on-purge-tick export not loaded")),
        })
    }

    fn policy(&self, hook: Hook, error: &CallError) -> Option<FaultPolicy> {
        match error {
            // An extension without the hook has no say: not a fault.
            CallError::NotExported { .. } => None,
            _ => {
                tracing::warn!(extension = %self.inner.id, %hook, %error, "applying fault policy");
                Some(self.inner.policies.get(hook))
            }
        }
    }

    /// `on-request` with the fault policy applied: a failure becomes `deny`
    /// (fail closed, the default) or `continue` (fail open).
    pub fn filter_request(&self, ctx: &HookContext, req: &Arc<HttpRequest>) -> RequestDecision {
        match self.on_request(ctx, req) {
            Ok(decision) => decision,
            Err(e) => match self.policy(Hook::OnRequest, &e) {
                Some(FaultPolicy::FailClosed) => {
                    RequestDecision::Deny(format!("extension `{}` failed; refusing", self.inner.id))
                }
                _ => RequestDecision::Continue,
            },
        }
    }

    /// `on-login` with the fault policy applied: a failure refuses the login
    /// (fail closed, the default) or passes (fail open).
    pub fn check_login(&self, ctx: &HookContext, req: &LoginRequest) -> LoginDecision {
        match self.on_login(ctx, req) {
            Ok(decision) => decision,
            Err(e) => match self.policy(Hook::OnLogin, &e) {
                Some(FaultPolicy::FailClosed) => LoginDecision::Refuse(LoginRefusal {
                    code: "extension_failed".into(),
                    detail: format!("extension `{}` failed", self.inner.id),
                    redirect_to: None,
                    show_detail: false,
                }),
                _ => LoginDecision::Pass,
            },
        }
    }

    /// `on-message` with the fault policy applied: a failure adds nothing
    /// (fail open, the default) or holds the message (fail closed).
    pub fn observe_message(&self, ctx: &HookContext, event: &MessageEvent) -> MessageOutcome {
        match self.on_message(ctx, event) {
            Ok(outcome) => outcome,
            Err(e) => {
                let moderation = match self.policy(Hook::OnMessage, &e) {
                    Some(FaultPolicy::FailClosed) => Moderation::Hold(format!("extension `{}` failed", self.inner.id)),
                    _ => Moderation::None,
                };
                MessageOutcome {
                    annotations: Vec::new(),
                    moderation,
                }
            }
        }
    }
}
