//! The on-request decision: where this extension sends a browser. It knows two
//! of the platform's pages by their documented paths: the login page, where a
//! visitor lands when a protected page needs a session (the host adds
//! `return_to`), and the signed-out page, where the host sends a browser after
//! ending its session. Everything else passes untouched.

use crate::settings::Settings;
use exthost_sdk::url::query_param;

/// The platform's login page.
pub const LOGIN_PATH: &str = "/login";
/// Where the platform sends a browser after sign-out.
pub const SIGNED_OUT_PATH: &str = "/logout/done";

/// The error codes an SSO login can come back to the login page with.
const SSO_ERRORS: &[&str] = &[
    "token_invalid",
    "token_expired",
    "token_missing_attribute",
    "token_replay",
    "user_not_found",
];

/// What the decision looks at.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub signed_in: bool,
}

/// Where to send the browser, or None to let the request through.
pub fn redirect(settings: &Settings, req: Request<'_>) -> Option<String> {
    if req.method != "GET" {
        return None;
    }
    match req.path {
        LOGIN_PATH if !req.signed_in => {
            // An SSO refusal the host decided (user_not_found) goes back to the
            // remote login like the ones this extension decides, unless DEBUG
            // mode wants it shown here.
            if let Some(code) = query_param(req.query, "error")
                && SSO_ERRORS.contains(&code.as_str())
                && !settings.debug
            {
                return settings.remote_login_with("error", &code);
            }
            let method = query_param(req.query, "method");
            let password_form = settings.non_sso_login && method.as_deref() == Some("password");
            // The platform's "log in with single sign-on" link goes to the
            // remote login whether or not this is the default authentication.
            let sso_link = method.as_deref() == Some("sso");
            if (!settings.default_authentication && !sso_link) || password_form {
                return None;
            }
            let url = settings.remote_login_url.clone()?;
            Some(match query_param(req.query, "return_to") {
                Some(return_to) => exthost_sdk::url::with_param(&url, "return_to", &return_to),
                None => url,
            })
        }
        SIGNED_OUT_PATH => settings.remote_logout_url.clone(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(default_authentication: bool, non_sso_login: bool) -> Settings {
        Settings {
            default_authentication,
            non_sso_login,
            remote_login_url: Some("https://idp.test/login".into()),
            remote_logout_url: Some("https://idp.test/logout".into()),
            shared_secret: b"0123456789abcdef".to_vec(),
            ..Settings::default()
        }
    }

    fn get(path: &str, query: &str, signed_in: bool) -> Request<'static> {
        Request {
            method: "GET",
            path: Box::leak(path.to_string().into_boxed_str()),
            query: Box::leak(query.to_string().into_boxed_str()),
            signed_in,
        }
    }

    #[test]
    fn default_authentication_sends_visitors_to_the_remote_login() {
        let s = settings(true, true);
        assert_eq!(
            redirect(&s, get("/login", "return_to=%2Finbox", false)).as_deref(),
            Some("https://idp.test/login?return_to=%2Finbox")
        );
        assert_eq!(redirect(&s, get("/login", "", true)), None);
        assert_eq!(redirect(&s, get("/login", "method=password", false)), None);
        // With non-SSO login off, the password form is out of reach too.
        let s = settings(true, false);
        assert!(redirect(&s, get("/login", "method=password", false)).is_some());
        // Not the default: the platform's login page shows, and its single
        // sign-on link goes to the remote login.
        assert_eq!(redirect(&settings(false, true), get("/login", "", false)), None);
        assert_eq!(
            redirect(
                &settings(false, true),
                get("/login", "method=sso&return_to=%2Fx", false)
            )
            .as_deref(),
            Some("https://idp.test/login?return_to=%2Fx")
        );
        assert_eq!(redirect(&s, get("/", "", false)), None);
        let post = Request {
            method: "POST",
            ..get("/login", "", false)
        };
        assert_eq!(redirect(&s, post), None);
    }

    #[test]
    fn sso_errors_go_back_to_the_remote_login() {
        let s = settings(false, true);
        assert_eq!(
            redirect(&s, get("/login", "error=user_not_found", false)).as_deref(),
            Some("https://idp.test/login?error=user_not_found")
        );
        assert_eq!(redirect(&s, get("/login", "error=bad_password", false)), None);
    }

    #[test]
    fn sign_out_goes_to_the_remote_logout() {
        let mut s = settings(false, true);
        assert_eq!(
            redirect(&s, get("/logout/done", "", false)).as_deref(),
            Some("https://idp.test/logout")
        );
        s.remote_logout_url = None;
        assert_eq!(redirect(&s, get("/logout/done", "", false)), None);
    }
}
