//! What an author implements: [`Extension`] once, then one trait per hook the
//! extension handles. The host calls `describe` at install, `validate-config`
//! before settings are saved and `init` once per fresh instance; the SDK turns
//! `init` into [`Extension::new`] and keeps the value for the hooks.

use crate::settings::{FieldError, Settings};
use crate::types::{
    Context, Environment, HookError, HttpRequest, LoginDecision, LoginRequest, MessageEvent, MessageOutcome,
    PurgeReport, PurgeTick, RequestDecision,
};

/// Something an extension asks the host for (`metadata.capability`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capability {
    /// The `kv` import.
    Kv,
    /// The `messages` import.
    Messages,
    /// The `data` import.
    Data,
    /// Outbound HTTP to these host names only.
    OutboundHttp(Vec<String>),
}

/// What an extension is (`metadata.manifest`); the settings schema comes from
/// [`Extension::Settings`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// A stable identifier: lower-case letters, digits and `-`.
    pub name: &'static str,
    /// The extension's own version, semver (usually `env!("CARGO_PKG_VERSION")`).
    pub version: &'static str,
    /// The name admins see.
    pub title: &'static str,
    /// One or two sentences for the admin's drop-down.
    pub description: &'static str,
    /// The capabilities the extension needs.
    pub capabilities: Vec<Capability>,
}

/// An extension: its manifest, its settings and how an instance is made.
pub trait Extension: Sized + 'static {
    /// The settings, parsed from the admin's JSON object; their schema is theirs.
    type Settings: Settings;

    /// Describe the extension; must not depend on settings.
    fn manifest() -> Manifest;

    /// Checks beyond parsing, run before settings are saved and again at `init`.
    fn validate(_settings: &Self::Settings) -> Result<(), Vec<FieldError>> {
        Ok(())
    }

    /// The instance the hooks run on, from settings that passed [`Extension::validate`].
    fn new(env: Environment, settings: Self::Settings) -> Result<Self, Vec<FieldError>>;
}

/// The `on-request` hook: every HTTP request, before routing. Keep it fast.
pub trait OnRequest: Extension {
    fn on_request(&self, ctx: Context, req: &HttpRequest) -> Result<RequestDecision, HookError>;
}

/// The `on-login` hook: every login attempt. An error refuses the login.
pub trait OnLogin: Extension {
    fn on_login(&self, ctx: Context, req: LoginRequest) -> Result<LoginDecision, HookError>;
}

/// The `on-message` hook: every message event; the message is stored whatever it answers.
pub trait OnMessage: Extension {
    fn on_message(&self, ctx: Context, event: MessageEvent) -> Result<MessageOutcome, HookError>;
}

/// The `on-purge-tick` hook: one purge run, in batches, through [`crate::data`].
pub trait OnPurgeTick: Extension {
    fn on_purge_tick(&self, ctx: Context, tick: PurgeTick) -> Result<PurgeReport, HookError>;
}
