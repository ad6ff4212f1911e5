//! The login surface's pages: small, dependency-free HTML with every value
//! escaped. Error codes are shown as stable words with a sentence for people.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Escape text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body><h1>{}</h1>{body}</body></html>",
        escape(title),
        escape(title)
    );
    (status, [("cache-control", "no-store")], Html(html)).into_response()
}

/// A sentence for an error code the login surface knows.
fn explain(code: &str) -> &'static str {
    match code {
        "token_invalid" => "The sign-on token is not valid.",
        "token_expired" => "The sign-on token has expired.",
        "token_missing_attribute" => "The sign-on token lacks a required attribute.",
        "token_replay" => "The sign-on token was already used.",
        "user_not_found" => "No agent matches this sign-on.",
        "bad_credentials" => "Wrong email or password.",
        "non_sso_login_disabled" => "Password login is switched off; use single sign-on.",
        "sso_not_enabled" => "Single sign-on is not enabled on this platform.",
        c if c.starts_with("saml_") => "The identity provider's sign-on response was refused.",
        _ => "The login was refused.",
    }
}

/// The password form, with an error (by code) if the last attempt failed, and,
/// when an SSO extension is enabled, a link that starts single sign-on: the
/// login page with `method=sso`, which the SSO extension's on-request turns
/// into a redirect to its identity provider (docs/writing-an-extension.md).
pub fn login(status: StatusCode, error: Option<&str>, return_to: &str, sso_link: bool) -> Response {
    let error = error
        .map(|code| {
            format!(
                "<p class=\"error\" data-code=\"{}\">{}</p>",
                escape(code),
                explain(code)
            )
        })
        .unwrap_or_default();
    let sso = if sso_link {
        format!(
            "<p><a class=\"sso\" href=\"/login?method=sso&amp;return_to={}\">Log in with single sign-on</a></p>",
            escape(&crate::web::return_to::encode(return_to))
        )
    } else {
        String::new()
    };
    let body = format!(
        "{error}{sso}<form method=\"post\" action=\"/login\">\
         <input type=\"hidden\" name=\"return_to\" value=\"{}\">\
         <label>Email <input name=\"email\" type=\"email\" autocomplete=\"username\"></label>\
         <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\"></label>\
         <button>Log in</button></form>",
        escape(return_to)
    );
    page(status, "Log in", &body)
}

/// A refused SSO login in the extension's DEBUG mode: what exactly was wrong.
pub fn debug_refusal(code: &str, detail: &str) -> Response {
    let body = format!(
        "<p class=\"error\" data-code=\"{}\">{} ({})</p><pre>{}</pre><p><a href=\"/login\">Log in</a></p>",
        escape(code),
        explain(code),
        escape(code),
        escape(detail)
    );
    page(StatusCode::UNAUTHORIZED, "Login refused", &body)
}

/// The signed-in home page.
pub fn home(name: &str, email: &str) -> Response {
    let body = format!(
        "<p>Signed in as {} &lt;{}&gt;.</p><form method=\"post\" action=\"/logout\"><button>Sign out</button></form>",
        escape(name),
        escape(email)
    );
    page(StatusCode::OK, "Home", &body)
}

/// After sign-out, when no SSO extension sends the browser elsewhere.
pub fn signed_out() -> Response {
    page(
        StatusCode::OK,
        "Signed out",
        "<p>You are signed out.</p><p><a href=\"/login\">Log in again</a></p>",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
