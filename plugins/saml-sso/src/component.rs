//! The extension as the SDK sees it: the manifest, the settings and the
//! on-login and on-request hooks. Settings, the platform's SAML URLs and the SP
//! key are fixed once, in `new`; the hooks decide through the plain-Rust
//! modules and reach the `kv` import only for issued requests and used assertions.

use crate::authn;
use crate::login::{self, Decision, Method, Store};
use crate::request::{self, Action, Request};
use crate::settings::{CONFIG_SCHEMA, FieldError, Settings, SpUrls};
use crate::spkey::SpKey;
use exthost_sdk::settings::field_error;
use exthost_sdk::types::{
    Context, Environment, HookError, HostError, HttpRequest, HttpResponse, IdField, LoginClaim, LoginDecision,
    LoginMethod, LoginRefusal, LoginRequest, RequestDecision,
};
use exthost_sdk::{Capability, Extension, Manifest, OnLogin, OnRequest};

impl exthost_sdk::Settings for Settings {
    const SCHEMA: &'static str = CONFIG_SCHEMA;

    fn from_config(config: &str) -> Result<Settings, Vec<FieldError>> {
        Settings::from_config(config)
    }
}

/// The extension: the settings in force, the URLs they imply and the SP key.
pub struct SamlSso {
    settings: Settings,
    urls: SpUrls,
    /// The SP key, when requests are signed.
    sp_key: Option<SpKey>,
}

impl Extension for SamlSso {
    type Settings = Settings;

    fn manifest() -> Manifest {
        Manifest {
            name: "saml-sso",
            version: env!("CARGO_PKG_VERSION"),
            title: "SAML single sign-on",
            description: "Agents log in through your SAML 2.0 identity provider.",
            capabilities: vec![Capability::Kv],
        }
    }

    fn new(env: Environment, settings: Settings) -> Result<SamlSso, Vec<FieldError>> {
        let urls = SpUrls::new(&env.base_url);
        // The key parsed in the settings; its certificate is made here, once per instance.
        let sp_key = match (&settings.sp_private_key, settings.sign_requests) {
            (Some(pem), true) => {
                Some(SpKey::from_pem(&pem.0).map_err(|message| vec![field_error("sp_private_key", message)])?)
            }
            _ => None,
        };
        Ok(SamlSso { settings, urls, sp_key })
    }
}

fn unavailable(message: String) -> HookError {
    HookError::new("unavailable", message)
}

fn kv_error(e: HostError) -> String {
    format!("kv: {e:?}")
}

/// Issued requests and used assertions, in the `kv` namespace every node shares.
struct KvStore;

impl Store for KvStore {
    fn take_request(&mut self, id: &str) -> Result<bool, String> {
        exthost_sdk::kv::delete(&authn::request_key(id)).map_err(kv_error)
    }

    fn claim_assertion(&mut self, key: &str, ttl_ms: u64) -> Result<bool, String> {
        exthost_sdk::kv::set_if_absent(key, b"1", Some(ttl_ms)).map_err(kv_error)
    }
}

impl OnLogin for SamlSso {
    fn on_login(&self, ctx: Context, req: LoginRequest) -> Result<LoginDecision, HookError> {
        let method = match req.method {
            LoginMethod::Password => Method::Password,
            LoginMethod::Saml => Method::Saml,
            LoginMethod::Jwt => Method::Other,
        };
        let decision = login::decide(&self.settings, &self.urls, method, &req.params, ctx.now, &mut KvStore)
            .map_err(unavailable)?;
        Ok(match decision {
            Decision::Pass => LoginDecision::Pass,
            Decision::Accept { external_id, return_to } => LoginDecision::Accept(LoginClaim {
                external_id,
                match_order: vec![IdField::ExternalId],
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

impl SamlSso {
    /// The redirect to the identity provider, with a fresh request remembered in `kv`.
    fn sign_in(&self, now: u64, return_to: Option<&str>) -> Result<String, String> {
        let mut random = [0u8; 16];
        getrandom::getrandom(&mut random).map_err(|e| format!("randomness: {e}"))?;
        let id = authn::request_id(random);
        let xml = authn::request_xml(&self.settings, &self.urls, &id, &crate::time::format(now));
        exthost_sdk::kv::set(&authn::request_key(&id), b"1", Some(authn::REQUEST_TTL_MS)).map_err(kv_error)?;
        authn::redirect_url(&self.settings.target_url, &xml, return_to, self.sp_key.as_ref())
    }
}

impl OnRequest for SamlSso {
    fn on_request(&self, ctx: Context, req: &HttpRequest) -> Result<RequestDecision, HookError> {
        let path = req.path();
        // Most requests are for other pages: look at nothing else for them.
        if !request::is_ours(&path) {
            return Ok(RequestDecision::Continue);
        }
        let (method, query) = (req.method(), req.query());
        let view = Request {
            method: &method,
            path: &path,
            query: &query,
            signed_in: req.session_user().is_some(),
        };
        Ok(match request::route(&self.settings, view) {
            Action::Continue => RequestDecision::Continue,
            Action::Redirect(location) => RequestDecision::Redirect(location),
            Action::SignIn { return_to } => {
                RequestDecision::Redirect(self.sign_in(ctx.now, return_to.as_deref()).map_err(unavailable)?)
            }
            Action::Metadata => {
                let body = crate::metadata::document(
                    &self.settings,
                    &self.urls,
                    self.sp_key.as_ref().map(|k| k.cert_der.as_slice()),
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

exthost_sdk::export!(SamlSso with [on_login, on_request]);
