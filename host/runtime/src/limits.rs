//! Per-extension resource limits and fault policies, with the defaults an
//! embedder gets when it sets nothing. Limits bound one call (deadline) and one
//! instance (memory); the fault policy says what a failed hook means.

use crate::hooks::Hook;
use std::time::Duration;

/// What bounds one extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// How long one hook call (or `init`) may run before it is interrupted.
    pub deadline: Duration,
    /// The most linear memory one instance may hold, in bytes.
    pub memory_bytes: usize,
    /// The longest log line the `log` import accepts; longer traps the call.
    pub log_message_bytes: usize,
    /// Idle instances kept for reuse; calls beyond this run on fresh ones.
    pub idle_instances: usize,
    /// Traps within `quarantine_window` that quarantine the extension.
    pub quarantine_after: u32,
    pub quarantine_window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            deadline: Duration::from_millis(500),
            memory_bytes: 64 << 20,
            log_message_bytes: 64 << 10,
            idle_instances: 4,
            quarantine_after: 5,
            quarantine_window: Duration::from_secs(60),
        }
    }
}

/// What a failed hook call (trap, deadline, error, quarantine) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPolicy {
    /// Act as if the extension were absent: the request continues, the
    /// message is stored unannotated, the login is decided by others.
    FailOpen,
    /// Refuse: the request is denied, the login refused, the message held.
    FailClosed,
}

/// A fault policy per hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultPolicies {
    pub on_message: FaultPolicy,
    pub on_login: FaultPolicy,
    pub on_purge_tick: FaultPolicy,
    pub on_request: FaultPolicy,
}

impl FaultPolicies {
    pub fn get(&self, hook: Hook) -> FaultPolicy {
        match hook {
            Hook::OnMessage => self.on_message,
            Hook::OnLogin => self.on_login,
            Hook::OnPurgeTick => self.on_purge_tick,
            Hook::OnRequest => self.on_request,
        }
    }
}

impl Default for FaultPolicies {
    /// Guards fail closed (a broken IP filter or SSO must not open the door);
    /// observers fail open (a broken sentiment analyser must not lose messages).
    fn default() -> Self {
        FaultPolicies {
            on_message: FaultPolicy::FailOpen,
            on_login: FaultPolicy::FailClosed,
            on_purge_tick: FaultPolicy::FailClosed,
            on_request: FaultPolicy::FailClosed,
        }
    }
}
