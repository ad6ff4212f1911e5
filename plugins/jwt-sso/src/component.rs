//! The extension as the SDK sees it: the manifest, the settings and the
//! on-login and on-request hooks; `jti`s are claimed through the `kv` import.
//! Settings are parsed once, at `init`; the hooks only decide.

use crate::login::{self, Decision, Method};
use crate::request::{self, Request};
use crate::settings::{CONFIG_SCHEMA, FieldError, Settings, endpoint_url};
use exthost_sdk::types::{
    Context, Environment, HookError, HttpRequest, IdField, LoginClaim, LoginDecision, LoginMethod, LoginRefusal,
    LoginRequest, RequestDecision,
};
use exthost_sdk::{Capability, Extension, Manifest, OnLogin, OnRequest};

impl exthost_sdk::Settings for Settings {
    const SCHEMA: &'static str = CONFIG_SCHEMA;

    fn from_config(config: &str) -> Result<Settings, Vec<FieldError>> {
        Settings::from_config(config)
    }
}

/// The extension: the settings in force.
pub struct JwtSso {
    settings: Settings,
}

impl Extension for JwtSso {
    type Settings = Settings;

    fn manifest() -> Manifest {
        Manifest {
            name: "jwt-sso",
            version: env!("CARGO_PKG_VERSION"),
            title: "JWT single sign-on",
            description: "Agents log in with a token signed by your own system (HS256, HS384 or HS512).",
            capabilities: vec![Capability::Kv],
        }
    }

    fn new(env: Environment, settings: Settings) -> Result<JwtSso, Vec<FieldError>> {
        exthost_sdk::info!("endpoint URL: {}<token>", endpoint_url(&env.base_url));
        Ok(JwtSso { settings })
    }
}

fn claim_jti(key: &str, ttl_ms: u64) -> Result<bool, String> {
    exthost_sdk::kv::set_if_absent(key, b"1", Some(ttl_ms)).map_err(|e| format!("kv: {e:?}"))
}

impl OnLogin for JwtSso {
    fn on_login(&self, ctx: Context, req: LoginRequest) -> Result<LoginDecision, HookError> {
        let method = match req.method {
            LoginMethod::Password => Method::Password,
            LoginMethod::Jwt => Method::Jwt,
            LoginMethod::Saml => Method::Other,
        };
        let decision = login::decide(&self.settings, method, &req.params, ctx.now, claim_jti)
            .map_err(|message| HookError::new("unavailable", message))?;
        Ok(match decision {
            Decision::Pass => LoginDecision::Pass,
            Decision::Accept { external_id, return_to } => LoginDecision::Accept(LoginClaim {
                external_id,
                match_order: vec![IdField::JwtExternalId, IdField::ExternalId],
                return_to,
                show_detail: self.settings.debug,
            }),
            Decision::Refuse(r) => {
                exthost_sdk::info!("login refused: {}: {}", r.code, r.detail);
                LoginDecision::Refuse(LoginRefusal {
                    code: r.code,
                    detail: r.detail,
                    redirect_to: r.redirect_to,
                    show_detail: r.show_detail,
                })
            }
        })
    }
}

impl OnRequest for JwtSso {
    fn on_request(&self, _ctx: Context, req: &HttpRequest) -> Result<RequestDecision, HookError> {
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
        Ok(match request::redirect(&self.settings, view) {
            Some(location) => RequestDecision::Redirect(location),
            None => RequestDecision::Continue,
        })
    }
}

exthost_sdk::export!(JwtSso with [on_login, on_request]);
