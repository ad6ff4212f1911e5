//! Instances and their stores: creating one (with its limits, deadline and
//! `init`), the throwaway instances used at install and for settings checks,
//! and turning a wasm failure into a [`TrapKind`] an embedder can act on.

use crate::bindings::types::{Context, Environment};
use crate::bindings::{metadata, on_login, on_message, on_purge_tick, on_request};
use crate::component::{Indices, field_errors};
use crate::error::{CallError, HostLimitExceeded, MemoryLimitExceeded, TrapKind};
use crate::host::{CallScope, HostState};
use crate::limits::Limits;
use crate::manifest::Grants;
use crate::runtime::Shared;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::InstancePre;
use wasmtime::{Store, Trap};

/// What stopped a guest, and the message to report.
pub(crate) fn classify(e: &wasmtime::Error, state: &HostState) -> (TrapKind, String) {
    let kind = if state.limiter.hit || e.downcast_ref::<MemoryLimitExceeded>().is_some() {
        TrapKind::Memory
    } else if e.downcast_ref::<HostLimitExceeded>().is_some() {
        TrapKind::HostLimit
    } else {
        match e.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => TrapKind::Deadline,
            Some(Trap::StackOverflow) => TrapKind::StackOverflow,
            _ => TrapKind::Other,
        }
    };
    // The root cause, not the wasm backtrace wrapped around it.
    let mut message = e.root_cause().to_string();
    if kind == TrapKind::Other
        && let Some(said) = state.guest_stderr_tail()
    {
        message = format!("{message}; the guest said: {said}");
    }
    (kind, message)
}

fn new_store(shared: &Shared, state: HostState, deadline: Duration) -> Store<HostState> {
    let mut store = Store::new(&shared.engine, state);
    store.limiter(|s| &mut s.limiter);
    store.epoch_deadline_trap();
    set_deadline(&mut store, shared, deadline);
    store
}

/// Arm the deadline for the next call.
fn set_deadline(store: &mut Store<HostState>, shared: &Shared, deadline: Duration) {
    store.set_epoch_deadline(deadline_ticks(shared, deadline));
}

/// A deadline in epoch ticks (rounded up, at least one).
pub(crate) fn deadline_ticks(shared: &Shared, deadline: Duration) -> u64 {
    let tick = shared.epoch_tick.as_nanos().max(1);
    let ticks = deadline.as_nanos().div_ceil(tick).max(1);
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

fn trap(extension: &str, stage: &str, e: &wasmtime::Error, state: &HostState) -> CallError {
    let (kind, message) = classify(e, state);
    CallError::Trap {
        extension: extension.to_string(),
        stage: stage.to_string(),
        kind,
        message,
    }
}

/// A throwaway instance with default limits and no grants, for `describe` and
/// `validate-config`, which must not depend on settings or on host state.
pub(crate) struct Scratch {
    store: Store<HostState>,
    guest: metadata::Guest,
    label: String,
    stage: &'static str,
}

impl Scratch {
    pub fn new(
        shared: &Arc<Shared>,
        pre: &InstancePre<HostState>,
        indices: &metadata::GuestIndices,
        label: &str,
        stage: &'static str,
    ) -> Result<Scratch, CallError> {
        let limits = &shared.default_limits;
        let state = HostState::new(
            shared.services.clone(),
            Grants::default(),
            CallScope {
                tenant: String::new(),
                extension_id: label.to_string(),
            },
            limits.memory_bytes,
            limits.log_message_bytes,
        );
        let mut store = new_store(shared, state, limits.deadline);
        let instance = pre
            .instantiate(&mut store)
            .map_err(|e| trap(label, "instantiate", &e, store.data()))?;
        let guest = indices
            .load(&mut store, &instance)
            .map_err(|e| trap(label, stage, &e, store.data()))?;
        Ok(Scratch {
            store,
            guest,
            label: label.to_string(),
            stage,
        })
    }

    pub fn run<R>(
        &mut self,
        f: impl FnOnce(&mut Store<HostState>, &metadata::Guest) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        f(&mut self.store, &self.guest).map_err(|e| trap(&self.label, self.stage, &e, self.store.data()))
    }
}

/// The loaded exports of one instance.
pub(crate) struct Guests {
    pub on_message: Option<on_message::Guest>,
    pub on_login: Option<on_login::Guest>,
    pub on_purge_tick: Option<on_purge_tick::Guest>,
    pub on_request: Option<on_request::Guest>,
}

/// A live, initialised instance of an enabled extension.
pub(crate) struct Slot {
    pub store: Store<HostState>,
    pub guests: Guests,
    /// The settings generation `init` was called with.
    pub generation: u64,
    /// The WIT context of the call in progress, kept so that its `request-id`
    /// buffer is reused rather than allocated and freed on every call.
    pub context: Context,
}

/// Everything needed to make a fresh instance of an enabled extension.
pub(crate) struct Blueprint<'a> {
    pub shared: &'a Shared,
    pub pre: &'a InstancePre<HostState>,
    pub indices: &'a Indices,
    pub env: &'a Environment,
    pub grants: &'a Grants,
    pub limits: &'a Limits,
}

impl Blueprint<'_> {
    /// Instantiate and `init` with `settings`. `init` runs under the same deadline as a hook.
    pub fn instantiate(&self, settings: &str, generation: u64) -> Result<Slot, CallError> {
        let id = self.env.extension_id.as_str();
        let state = HostState::new(
            self.shared.services.clone(),
            self.grants.clone(),
            CallScope {
                tenant: self.env.tenant.clone(),
                extension_id: id.to_string(),
            },
            self.limits.memory_bytes,
            self.limits.log_message_bytes,
        );
        let mut store = new_store(self.shared, state, self.limits.deadline);
        let instance = self
            .pre
            .instantiate(&mut store)
            .map_err(|e| trap(id, "instantiate", &e, store.data()))?;
        let mut load = |stage: &str| {
            let store = &mut store;
            let instance = &instance;
            let i = self.indices;
            let res = (|| -> wasmtime::Result<_> {
                Ok((
                    i.metadata.load(&mut *store, instance)?,
                    Guests {
                        on_message: i
                            .on_message
                            .as_ref()
                            .map(|x| x.load(&mut *store, instance))
                            .transpose()?,
                        on_login: i.on_login.as_ref().map(|x| x.load(&mut *store, instance)).transpose()?,
                        on_purge_tick: i
                            .on_purge_tick
                            .as_ref()
                            .map(|x| x.load(&mut *store, instance))
                            .transpose()?,
                        on_request: i
                            .on_request
                            .as_ref()
                            .map(|x| x.load(&mut *store, instance))
                            .transpose()?,
                    },
                ))
            })();
            res.map_err(|e| trap(id, stage, &e, store.data()))
        };
        let (metadata, guests) = load("load")?;
        match metadata.call_init(&mut store, self.env, settings) {
            Ok(Ok(())) => Ok(Slot {
                store,
                guests,
                generation,
                context: Context {
                    now: 0,
                    request_id: String::new(),
                },
            }),
            Ok(Err(errors)) => Err(CallError::Init {
                extension: id.to_string(),
                errors: field_errors(errors),
            }),
            Err(e) => Err(trap(id, "init", &e, store.data())),
        }
    }
}
