//! The WIT adapter: exports `metadata`, `on-login` and `on-request` for the
//! `sso` world. Settings and the platform's SAML URLs are fixed in `init`; the
//! hooks decide through the plain-Rust modules and reach the `kv` import only
//! for issued requests and used assertions. The SP key comes with the settings.

use crate::authn;
use crate::login::{self, Decision, Method, Store};
use crate::request::{self, Action, Request};
use crate::settings::{CONFIG_SCHEMA, FieldError, Settings, SpUrls};
use crate::spkey::SpKey;
use std::cell::RefCell;
use std::rc::Rc;

wit_bindgen::generate!({ path: "../../wit", world: "sso" });

use exports::exthost::plugin::metadata::{self, Capability, Manifest};
use exports::exthost::plugin::{on_login, on_request};
use exthost::plugin::kv;
use exthost::plugin::log::{Level, log};
use exthost::plugin::types::{
    Context, Environment, HookError, HttpRequest, HttpResponse, IdField, LoginClaim, LoginDecision, LoginMethod,
    LoginRefusal, LoginRequest, RequestDecision,
};

struct Applied {
    settings: Settings,
    urls: SpUrls,
    /// The SP key, when requests are signed.
    sp_key: Option<SpKey>,
}

thread_local! {
    static APPLIED: RefCell<Option<Rc<Applied>>> = const { RefCell::new(None) };
}

struct SamlSso;

fn to_wit(errors: Vec<FieldError>) -> Vec<metadata::FieldError> {
    errors
        .into_iter()
        .map(|e| metadata::FieldError {
            field: e.field,
            message: e.message,
        })
        .collect()
}

fn unavailable(message: String) -> HookError {
    HookError {
        code: "unavailable".into(),
        message,
    }
}

fn applied() -> Result<Rc<Applied>, HookError> {
    APPLIED.with(|a| a.borrow().clone()).ok_or_else(|| HookError {
        code: "not-initialized".into(),
        message: "init was not called".into(),
    })
}

impl metadata::Guest for SamlSso {
    fn describe() -> Manifest {
        Manifest {
            name: "saml-sso".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            title: "SAML single sign-on".into(),
            description: "Agents log in through your SAML 2.0 identity provider.".into(),
            config_schema: CONFIG_SCHEMA.into(),
            capabilities: vec![Capability::Kv],
        }
    }

    fn validate_config(config: String) -> Result<(), Vec<metadata::FieldError>> {
        Settings::from_config(&config).map(drop).map_err(to_wit)
    }

    fn init(env: Environment, config: String) -> Result<(), Vec<metadata::FieldError>> {
        let settings = Settings::from_config(&config).map_err(to_wit)?;
        let urls = SpUrls::new(&env.base_url);
        let sp_key = match (&settings.sp_private_key, settings.sign_requests) {
            (Some(pem), true) => Some(SpKey::from_pem(&pem.0).map_err(|message| {
                vec![metadata::FieldError {
                    field: "sp_private_key".into(),
                    message,
                }]
            })?),
            _ => None,
        };
        APPLIED.with(|a| *a.borrow_mut() = Some(Rc::new(Applied { settings, urls, sp_key })));
        Ok(())
    }
}

fn kv_error(e: kv::HostError) -> String {
    format!("kv: {e:?}")
}

struct KvStore;

impl Store for KvStore {
    fn take_request(&mut self, id: &str) -> Result<bool, String> {
        kv::delete(&authn::request_key(id)).map_err(kv_error)
    }

    fn claim_assertion(&mut self, key: &str, ttl_ms: u64) -> Result<bool, String> {
        kv::set_if_absent(key, b"1", Some(ttl_ms)).map_err(kv_error)
    }
}

impl on_login::Guest for SamlSso {
    fn handle(ctx: Context, req: LoginRequest) -> Result<LoginDecision, HookError> {
        let method = match req.method {
            LoginMethod::Password => Method::Password,
            LoginMethod::Saml => Method::Saml,
            LoginMethod::Jwt => Method::Other,
        };
        let applied = applied()?;
        let decision = login::decide(
            &applied.settings,
            &applied.urls,
            method,
            &req.params,
            ctx.now,
            &mut KvStore,
        )
        .map_err(unavailable)?;
        Ok(match decision {
            Decision::Pass => LoginDecision::Pass,
            Decision::Accept { external_id, return_to } => LoginDecision::Accept(LoginClaim {
                external_id,
                match_order: vec![IdField::ExternalId],
                return_to,
                show_detail: applied.settings.debug,
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
    }
}

/// The redirect to the identity provider, with a fresh request remembered in `kv`.
fn sign_in(applied: &Applied, now: u64, return_to: Option<&str>) -> Result<String, String> {
    let mut random = [0u8; 16];
    getrandom::getrandom(&mut random).map_err(|e| format!("randomness: {e}"))?;
    let id = authn::request_id(random);
    let xml = authn::request_xml(&applied.settings, &applied.urls, &id, &crate::time::format(now));
    kv::set(&authn::request_key(&id), b"1", Some(authn::REQUEST_TTL_MS)).map_err(kv_error)?;
    authn::redirect_url(&applied.settings.target_url, &xml, return_to, applied.sp_key.as_ref())
}

impl on_request::Guest for SamlSso {
    fn handle(ctx: Context, req: &HttpRequest) -> Result<RequestDecision, HookError> {
        let path = req.path();
        // Most requests are for other pages: look at nothing else for them.
        if !request::is_ours(&path) {
            return Ok(RequestDecision::Continue);
        }
        let applied = applied()?;
        let (method, query) = (req.method(), req.query());
        let view = Request {
            method: &method,
            path: &path,
            query: &query,
            signed_in: req.session_user().is_some(),
        };
        Ok(match request::route(&applied.settings, view) {
            Action::Continue => RequestDecision::Continue,
            Action::Redirect(location) => RequestDecision::Redirect(location),
            Action::SignIn { return_to } => {
                RequestDecision::Redirect(sign_in(&applied, ctx.now, return_to.as_deref()).map_err(unavailable)?)
            }
            Action::Metadata => {
                let body = crate::metadata::document(
                    &applied.settings,
                    &applied.urls,
                    applied.sp_key.as_ref().map(|k| k.cert_der.as_slice()),
                );
                RequestDecision::Respond(HttpResponse {
                    status: 200,
                    headers: vec![("content-type".into(), "application/samlmetadata+xml".into())],
                    body: body.into_bytes(),
                })
            }
        })
    }
}

export!(SamlSso);
