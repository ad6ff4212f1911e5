//! The glue between the generated `Guest` traits and [`Extension`]: the
//! [`export!`](crate::export!) macro expands, in the extension's crate, the
//! bindings of the world exporting exactly the named hooks, and implements
//! their traits by calling the generic functions here. The instance `init`
//! makes is kept in a thread-local (a component instance is single-threaded
//! and never re-entered).

use crate::extension::{Extension, OnLogin, OnMessage, OnPurgeTick, OnRequest};
use crate::settings::{FieldError, Settings};
use crate::types::{
    Context, Environment, HookError, HttpRequest, LoginDecision, LoginRequest, MessageEvent, MessageOutcome,
    PurgeReport, PurgeTick, RequestDecision,
};
use std::any::Any;
use std::cell::RefCell;

pub use crate::extension::{Capability, Manifest};

/// The WIT form of a settings problem.
pub type WitFieldError = crate::types::FieldError;

thread_local! {
    static INSTANCE: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
}

fn to_wit(errors: Vec<FieldError>) -> Vec<WitFieldError> {
    errors
        .into_iter()
        .map(|e| WitFieldError {
            field: e.field,
            message: e.message,
        })
        .collect()
}

/// `metadata.describe`: the manifest and the settings' schema.
pub fn describe<T: Extension>() -> (Manifest, &'static str) {
    (T::manifest(), <T::Settings as Settings>::SCHEMA)
}

fn parse<T: Extension>(config: &str) -> Result<T::Settings, Vec<FieldError>> {
    let settings = <T::Settings as Settings>::from_config(config)?;
    T::validate(&settings)?;
    Ok(settings)
}

/// `metadata.validate-config`.
pub fn validate_config<T: Extension>(config: String) -> Result<(), Vec<WitFieldError>> {
    parse::<T>(&config).map(drop).map_err(to_wit)
}

/// `metadata.init`: parse, validate, make the instance and keep it.
pub fn init<T: Extension>(env: Environment, config: String) -> Result<(), Vec<WitFieldError>> {
    let settings = parse::<T>(&config).map_err(to_wit)?;
    let instance = T::new(env, settings).map_err(to_wit)?;
    INSTANCE.with(|i| *i.borrow_mut() = Some(Box::new(instance)));
    Ok(())
}

/// Run `f` on the instance `init` made, or fail the hook if there is none.
fn with_instance<T: Extension, R>(f: impl FnOnce(&T) -> Result<R, HookError>) -> Result<R, HookError> {
    INSTANCE.with(|i| match i.borrow().as_ref().and_then(|b| b.downcast_ref::<T>()) {
        Some(instance) => f(instance),
        None => Err(HookError::new("not-initialized", "init was not called")),
    })
}

/// `on-request.handle`.
pub fn on_request<T: OnRequest>(ctx: Context, req: &HttpRequest) -> Result<RequestDecision, HookError> {
    with_instance(|t: &T| t.on_request(ctx, req))
}

/// `on-login.handle`.
pub fn on_login<T: OnLogin>(ctx: Context, req: LoginRequest) -> Result<LoginDecision, HookError> {
    with_instance(|t: &T| t.on_login(ctx, req))
}

/// `on-message.handle`.
pub fn on_message<T: OnMessage>(ctx: Context, event: MessageEvent) -> Result<MessageOutcome, HookError> {
    with_instance(|t: &T| t.on_message(ctx, event))
}

/// `on-purge-tick.handle`.
pub fn on_purge_tick<T: OnPurgeTick>(ctx: Context, tick: PurgeTick) -> Result<PurgeReport, HookError> {
    with_instance(|t: &T| t.on_purge_tick(ctx, tick))
}

/// Makes `$ty` (an [`Extension`] implementing the named hook traits) the
/// component's export: `exthost_sdk::export!(MyExt with [on_request]);`.
/// Hooks are `on_message`, `on_login`, `on_purge_tick` and `on_request`, in
/// any order; the component exports `metadata` and exactly those. Invoke it
/// once, in the module that defines or imports `$ty`. It expands to nothing
/// outside wasm, so the crate's logic still builds and tests natively. The
/// bindings it generates name the SDK by its crate name: keep the dependency
/// named `exthost-sdk` (no `package = ...` renaming).
#[macro_export]
macro_rules! export {
    ($ty:ident with [$($hook:ident),+ $(,)?]) => {
        $crate::__exthost_world!($ty; $($hook),+);
    };
}

/// The expansion of [`export!`] for one world.
#[doc(hidden)]
#[macro_export]
macro_rules! __exthost_export {
    ($ty:ident; $world:tt; $($hook:ident),+) => {
        #[cfg(target_arch = "wasm32")]
        #[doc(hidden)]
        mod __exthost_export {
            #[allow(unused_imports)]
            use super::$ty;

            $crate::__exthost_wit!($world);

            struct Export;

            impl exports::exthost::plugin::metadata::Guest for Export {
                fn describe() -> exports::exthost::plugin::metadata::Manifest {
                    use exports::exthost::plugin::metadata::{Capability, Manifest};
                    let (m, schema) = $crate::__private::describe::<$ty>();
                    Manifest {
                        name: m.name.into(),
                        version: m.version.into(),
                        title: m.title.into(),
                        description: m.description.into(),
                        config_schema: schema.into(),
                        capabilities: m
                            .capabilities
                            .into_iter()
                            .map(|c| match c {
                                $crate::Capability::Kv => Capability::Kv,
                                $crate::Capability::Messages => Capability::Messages,
                                $crate::Capability::Data => Capability::Data,
                                $crate::Capability::OutboundHttp(hosts) => Capability::OutboundHttp(hosts),
                            })
                            .collect(),
                    }
                }

                fn validate_config(config: String) -> Result<(), Vec<$crate::__private::WitFieldError>> {
                    $crate::__private::validate_config::<$ty>(config)
                }

                fn init(
                    env: $crate::types::Environment,
                    config: String,
                ) -> Result<(), Vec<$crate::__private::WitFieldError>> {
                    $crate::__private::init::<$ty>(env, config)
                }
            }

            $( $crate::__exthost_hook!($hook, $ty); )+

            export!(Export with_types_in self);
        }
    };
}

/// One hook's `Guest` implementation, in the `export!` expansion.
#[doc(hidden)]
#[macro_export]
macro_rules! __exthost_hook {
    (on_request, $ty:ident) => {
        impl exports::exthost::plugin::on_request::Guest for Export {
            fn handle(
                ctx: $crate::types::Context,
                req: &$crate::types::HttpRequest,
            ) -> Result<$crate::types::RequestDecision, $crate::types::HookError> {
                $crate::__private::on_request::<$ty>(ctx, req)
            }
        }
    };
    (on_login, $ty:ident) => {
        impl exports::exthost::plugin::on_login::Guest for Export {
            fn handle(
                ctx: $crate::types::Context,
                req: $crate::types::LoginRequest,
            ) -> Result<$crate::types::LoginDecision, $crate::types::HookError> {
                $crate::__private::on_login::<$ty>(ctx, req)
            }
        }
    };
    (on_message, $ty:ident) => {
        impl exports::exthost::plugin::on_message::Guest for Export {
            fn handle(
                ctx: $crate::types::Context,
                event: $crate::types::MessageEvent,
            ) -> Result<$crate::types::MessageOutcome, $crate::types::HookError> {
                $crate::__private::on_message::<$ty>(ctx, event)
            }
        }
    };
    (on_purge_tick, $ty:ident) => {
        impl exports::exthost::plugin::on_purge_tick::Guest for Export {
            fn handle(
                ctx: $crate::types::Context,
                tick: $crate::types::PurgeTick,
            ) -> Result<$crate::types::PurgeReport, $crate::types::HookError> {
                $crate::__private::on_purge_tick::<$ty>(ctx, tick)
            }
        }
    };
}
