//! The WIT adapter: exports `metadata`, `on-login` and `on-request` for the
//! `sso` world and claims `jti`s through the `kv` import. Settings are parsed
//! once in `init`; the hooks only decide.

use crate::login::{self, Decision, Method};
use crate::request::{self, Request};
use crate::settings::{CONFIG_SCHEMA, FieldError, Settings, endpoint_url};
use std::cell::RefCell;

wit_bindgen::generate!({ path: "../../wit", world: "sso" });

use exports::exthost::plugin::metadata::{self, Capability, Manifest};
use exports::exthost::plugin::{on_login, on_request};
use exthost::plugin::kv;
use exthost::plugin::log::{Level, log};
use exthost::plugin::types::{
    Context, Environment, HookError, HttpRequest, IdField, LoginClaim, LoginDecision, LoginMethod, LoginRefusal,
    LoginRequest, RequestDecision,
};

thread_local! {
    static SETTINGS: RefCell<Option<Settings>> = const { RefCell::new(None) };
}

struct JwtSso;

fn to_wit(errors: Vec<FieldError>) -> Vec<metadata::FieldError> {
    errors
        .into_iter()
        .map(|e| metadata::FieldError {
            field: e.field,
            message: e.message,
        })
        .collect()
}

fn with_settings<T>(f: impl FnOnce(&Settings) -> Result<T, HookError>) -> Result<T, HookError> {
    SETTINGS.with(|s| match s.borrow().as_ref() {
        Some(settings) => f(settings),
        None => Err(HookError {
            code: "not-initialized".into(),
            message: "init was not called".into(),
        }),
    })
}

impl metadata::Guest for JwtSso {
    fn describe() -> Manifest {
        Manifest {
            name: "jwt-sso".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            title: "JWT single sign-on".into(),
            description: "Agents log in with a token signed by your own system (HS256, HS384 or HS512).".into(),
            config_schema: CONFIG_SCHEMA.into(),
            capabilities: vec![Capability::Kv],
        }
    }

    fn validate_config(config: String) -> Result<(), Vec<metadata::FieldError>> {
        Settings::from_config(&config).map(drop).map_err(to_wit)
    }

    fn init(env: Environment, config: String) -> Result<(), Vec<metadata::FieldError>> {
        let settings = Settings::from_config(&config).map_err(to_wit)?;
        log(
            Level::Info,
            &format!("endpoint URL: {}<token>", endpoint_url(&env.base_url)),
        );
        SETTINGS.with(|s| *s.borrow_mut() = Some(settings));
        Ok(())
    }
}

fn claim_jti(key: &str, ttl_ms: u64) -> Result<bool, String> {
    kv::set_if_absent(key, b"1", Some(ttl_ms)).map_err(|e| format!("kv: {e:?}"))
}

impl on_login::Guest for JwtSso {
    fn handle(ctx: Context, req: LoginRequest) -> Result<LoginDecision, HookError> {
        let method = match req.method {
            LoginMethod::Password => Method::Password,
            LoginMethod::Jwt => Method::Jwt,
            LoginMethod::Saml => Method::Other,
        };
        with_settings(|settings| {
            let decision =
                login::decide(settings, method, &req.params, ctx.now, claim_jti).map_err(|message| HookError {
                    code: "unavailable".into(),
                    message,
                })?;
            Ok(match decision {
                Decision::Pass => LoginDecision::Pass,
                Decision::Accept { external_id, return_to } => LoginDecision::Accept(LoginClaim {
                    external_id,
                    match_order: vec![IdField::JwtExternalId, IdField::ExternalId],
                    return_to,
                    show_detail: settings.debug,
                }),
                Decision::Refuse(r) => {
                    log(Level::Info, &format!("login refused: {}: {}", r.code, r.detail));
                    LoginDecision::Refuse(LoginRefusal {
                        code: r.code,
                        detail: r.detail,
                        redirect_to: r.redirect_to,
                        show_detail: r.show_detail,
                    })
                }
            })
        })
    }
}

impl on_request::Guest for JwtSso {
    fn handle(_ctx: Context, req: &HttpRequest) -> Result<RequestDecision, HookError> {
        with_settings(|settings| {
            let path = req.path();
            // Most requests are for other pages: look at nothing else for them.
            if path != request::LOGIN_PATH && path != request::SIGNED_OUT_PATH {
                return Ok(RequestDecision::Continue);
            }
            let (method, query) = (req.method(), req.query());
            let view = Request {
                method: &method,
                path: &path,
                query: &query,
                signed_in: req.session_user().is_some(),
            };
            Ok(match request::redirect(settings, view) {
                Some(location) => RequestDecision::Redirect(location),
                None => RequestDecision::Continue,
            })
        })
    }
}

export!(JwtSso);
