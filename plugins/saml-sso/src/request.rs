//! The on-request decision: which of the extension's pages a request is for.
//! The platform's login page (a visitor, when this extension is the default
//! authentication) and the "log in with SAML" link start a login at the
//! identity provider; the metadata path serves the SP metadata; the signed-out
//! page goes on to the Logout URL. The login page's single sign-on link
//! (`/login?method=sso`) starts a login whether or not this is the default. A login page that carries an `error` is
//! shown, never bounced back to the identity provider, so a refusal cannot
//! loop. Everything else passes untouched.

use crate::settings::{METADATA_PATH, SIGN_IN_PATH, Settings};
use exthost_sdk::url::query_param;

/// The platform's login page.
pub const LOGIN_PATH: &str = "/login";
/// Where the platform sends a browser after sign-out.
pub const SIGNED_OUT_PATH: &str = "/logout/done";

/// The paths this extension looks at; others are not even read further.
pub fn is_ours(path: &str) -> bool {
    matches!(path, LOGIN_PATH | SIGNED_OUT_PATH | SIGN_IN_PATH | METADATA_PATH)
}

/// What the decision looks at.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub signed_in: bool,
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Continue,
    /// Send the browser to the identity provider with an AuthnRequest.
    SignIn {
        return_to: Option<String>,
    },
    /// Serve the SP metadata.
    Metadata,
    Redirect(String),
}

/// Decide on a request.
pub fn route(settings: &Settings, req: Request<'_>) -> Action {
    if req.method != "GET" {
        return Action::Continue;
    }
    let return_to = || query_param(req.query, "return_to");
    match req.path {
        LOGIN_PATH if !req.signed_in => {
            // The platform's "log in with single sign-on" link.
            if query_param(req.query, "method").as_deref() == Some("sso") {
                return Action::SignIn { return_to: return_to() };
            }
            let password_form =
                settings.non_sso_login && query_param(req.query, "method").as_deref() == Some("password");
            if !settings.default_authentication || password_form || query_param(req.query, "error").is_some() {
                return Action::Continue;
            }
            Action::SignIn { return_to: return_to() }
        }
        SIGN_IN_PATH => Action::SignIn { return_to: return_to() },
        METADATA_PATH => Action::Metadata,
        SIGNED_OUT_PATH => settings.logout_url.clone().map_or(Action::Continue, Action::Redirect),
        _ => Action::Continue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(default_authentication: bool, non_sso_login: bool) -> Settings {
        let mut s = Settings::from_config(
            r#"{"issuer": "i", "target_url": "https://idp.test/sso", "logout_url": "https://idp.test/out",
                "certificate_fingerprint": "0000000000000000000000000000000000000000000000000000000000000000"}"#,
        )
        .unwrap();
        s.default_authentication = default_authentication;
        s.non_sso_login = non_sso_login;
        s
    }

    fn get<'a>(path: &'a str, query: &'a str, signed_in: bool) -> Request<'a> {
        Request {
            method: "GET",
            path,
            query,
            signed_in,
        }
    }

    fn sign_in(return_to: Option<&str>) -> Action {
        Action::SignIn {
            return_to: return_to.map(str::to_string),
        }
    }

    #[test]
    fn the_default_sends_visitors_to_the_identity_provider() {
        let s = settings(true, true);
        assert_eq!(
            route(&s, get("/login", "return_to=%2Finbox", false)),
            sign_in(Some("/inbox"))
        );
        assert_eq!(route(&s, get("/login", "", true)), Action::Continue);
        assert_eq!(route(&s, get("/login", "method=password", false)), Action::Continue);
        // A refusal is shown, not sent back to the IdP (no loop).
        assert_eq!(route(&s, get("/login", "error=saml_digest", false)), Action::Continue);
        // With non-SSO login off, the password form is out of reach.
        let s = settings(true, false);
        assert_eq!(route(&s, get("/login", "method=password", false)), sign_in(None));
        // Not the default: the platform's login page shows, and the link still works.
        let s = settings(false, true);
        assert_eq!(route(&s, get("/login", "", false)), Action::Continue);
        assert_eq!(
            route(&s, get("/users/auth/saml", "return_to=%2Fx", false)),
            sign_in(Some("/x"))
        );
        // So does the platform's single sign-on link on its login page.
        assert_eq!(
            route(&s, get("/login", "method=sso&return_to=%2Fx", false)),
            sign_in(Some("/x"))
        );
        let post = Request {
            method: "POST",
            ..get("/login", "", false)
        };
        assert_eq!(route(&settings(true, true), post), Action::Continue);
    }

    #[test]
    fn metadata_and_sign_out() {
        let mut s = settings(false, true);
        assert_eq!(route(&s, get("/users/auth/saml/metadata", "", false)), Action::Metadata);
        assert_eq!(
            route(&s, get("/logout/done", "", false)),
            Action::Redirect("https://idp.test/out".into())
        );
        s.logout_url = None;
        assert_eq!(route(&s, get("/logout/done", "", false)), Action::Continue);
        assert_eq!(route(&s, get("/", "", false)), Action::Continue);
        assert!(is_ours("/users/auth/saml") && !is_ours("/users/auth/saml/callback"));
    }
}
