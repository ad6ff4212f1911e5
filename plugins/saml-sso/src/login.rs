//! The on-login decision. A SAML post is size-capped and decoded, then every
//! pure check of [`crate::response`] runs; only then does the shared store
//! see it: the assertion ID is claimed until the assertion expires, so a
//! replay on any node is refused, and the request it answers is taken (each
//! request can be answered once; an unsolicited response needs IdP-initiated
//! login switched on). A password attempt is refused when non-SSO login is off. A
//! refusal goes to the login page with `error=<code>`, or, in DEBUG mode, to a
//! page that says which check failed.

use crate::failure::{self, Failed, fail};
use crate::response::{self, Expected};
use crate::settings::{Settings, SpUrls};
use base64::Engine;

/// How the attempt arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Password,
    Saml,
    /// Another SSO's (e.g. JWT): not ours to judge.
    Other,
}

pub use exthost_sdk::sso::{Decision, Refusal};

/// The shared store, as the decision needs it. Errors (the store is down) fail the hook.
pub trait Store {
    /// Remove the issued request `id`; true if it was there (and not expired).
    fn take_request(&mut self, id: &str) -> Result<bool, String>;
    /// Remember the assertion `id` for `ttl_ms` unless already remembered; true if it was new.
    fn claim_assertion(&mut self, id: &str, ttl_ms: u64) -> Result<bool, String>;
}

/// The `kv` key remembering a used assertion.
pub fn assertion_key(id: &str) -> String {
    format!("assertion:{id}")
}

/// The largest SAMLResponse parameter looked at: base64 of the XML cap, with room for line breaks.
const MAX_PARAM_BYTES: usize = response::MAX_XML_BYTES / 3 * 4 + 8192;

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A refusal as the settings want it shown.
pub fn refusal(settings: &Settings, failed: Failed) -> Decision {
    Decision::Refuse(Refusal {
        code: failed.code.into(),
        redirect_to: (!settings.debug).then(|| exthost_sdk::url::with_param("/login", "error", failed.code)),
        detail: failed.detail,
        show_detail: settings.debug,
    })
}

/// The pure part: the decoded, verified response.
fn check(
    settings: &Settings,
    urls: &SpUrls,
    params: &[(String, String)],
    now_ms: u64,
) -> Result<response::Verified, Failed> {
    let encoded = param(params, "SAMLResponse")
        .filter(|r| !r.is_empty())
        .ok_or_else(|| fail(failure::MISSING, "the post has no SAMLResponse"))?;
    if encoded.len() > MAX_PARAM_BYTES {
        return Err(fail(
            failure::TOO_LARGE,
            format!(
                "the SAMLResponse has {} bytes; at most {MAX_PARAM_BYTES} are accepted",
                encoded.len()
            ),
        ));
    }
    let compact: String = encoded.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let xml = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| fail(failure::MALFORMED, "the SAMLResponse is not base64"))?;
    let xml = String::from_utf8(xml).map_err(|_| fail(failure::MALFORMED, "the SAMLResponse is not UTF-8"))?;
    let expected = Expected {
        idp_issuer: &settings.issuer,
        fingerprint: &settings.fingerprint,
        sp_entity_id: &urls.entity_id,
        acs_url: &urls.acs,
        external_id_attribute: settings.external_id_attribute.as_deref(),
    };
    response::verify(&xml, &expected, i64::try_from(now_ms).unwrap_or(i64::MAX))
}

/// Decide on an attempt.
pub fn decide(
    settings: &Settings,
    urls: &SpUrls,
    method: Method,
    params: &[(String, String)],
    now_ms: u64,
    store: &mut impl Store,
) -> Result<Decision, String> {
    match method {
        Method::Other => Ok(Decision::Pass),
        Method::Password if settings.non_sso_login => Ok(Decision::Pass),
        Method::Password => Ok(Decision::Refuse(Refusal {
            code: "non_sso_login_disabled".into(),
            detail: "password login is switched off; log in through single sign-on".into(),
            redirect_to: (!settings.debug).then(|| "/login?error=non_sso_login_disabled".to_string()),
            show_detail: settings.debug,
        })),
        Method::Saml => {
            let verified = match check(settings, urls, params, now_ms) {
                Ok(v) => v,
                Err(failed) => return Ok(refusal(settings, failed)),
            };
            let ttl = u64::try_from(verified.valid_until_ms)
                .unwrap_or(0)
                .saturating_sub(now_ms)
                .max(1);
            if !store.claim_assertion(&assertion_key(&verified.assertion_id), ttl)? {
                return Ok(refusal(
                    settings,
                    fail(
                        failure::REPLAY,
                        format!("the assertion `{}` was already used", verified.assertion_id),
                    ),
                ));
            }
            match &verified.in_response_to {
                Some(id) if !store.take_request(id)? => {
                    return Ok(refusal(
                        settings,
                        fail(
                            failure::IN_RESPONSE_TO,
                            format!("the response answers `{id}`, which is no pending request of ours"),
                        ),
                    ));
                }
                None if !settings.allow_idp_initiated => {
                    return Ok(refusal(
                        settings,
                        fail(
                            failure::IN_RESPONSE_TO,
                            "the response answers no request (IdP-initiated login is not allowed)",
                        ),
                    ));
                }
                _ => {}
            }
            Ok(Decision::Accept {
                external_id: verified.external_id,
                return_to: param(params, "RelayState").map(str::to_string),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// An in-memory store: issued requests and claimed assertions.
    #[derive(Default)]
    struct Memory {
        requests: HashSet<String>,
        assertions: HashSet<String>,
    }

    impl Store for Memory {
        fn take_request(&mut self, id: &str) -> Result<bool, String> {
            Ok(self.requests.remove(id))
        }

        fn claim_assertion(&mut self, key: &str, ttl_ms: u64) -> Result<bool, String> {
            assert!(ttl_ms > 0);
            Ok(self.assertions.insert(key.to_string()))
        }
    }

    fn settings(debug: bool, non_sso: bool) -> Settings {
        let mut s = Settings::from_config(
            r#"{"issuer": "i", "target_url": "https://idp.test/sso",
                "certificate_fingerprint": "0000000000000000000000000000000000000000000000000000000000000000"}"#,
        )
        .unwrap();
        s.debug = debug;
        s.non_sso_login = non_sso;
        s
    }

    fn urls() -> SpUrls {
        SpUrls::new("https://sp.test")
    }

    fn saml(value: &str) -> Vec<(String, String)> {
        vec![
            ("SAMLResponse".into(), value.into()),
            ("RelayState".into(), "/x".into()),
        ]
    }

    fn refused_code(d: Decision) -> (String, Option<String>, bool) {
        match d {
            Decision::Refuse(r) => (r.code, r.redirect_to, r.show_detail),
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn refusals_go_to_the_login_page_or_the_debug_page() {
        let mut store = Memory::default();
        let d = decide(&settings(false, true), &urls(), Method::Saml, &[], 0, &mut store).unwrap();
        assert_eq!(
            refused_code(d),
            ("saml_missing".into(), Some("/login?error=saml_missing".into()), false)
        );
        let d = decide(&settings(true, true), &urls(), Method::Saml, &saml("!!"), 0, &mut store).unwrap();
        assert_eq!(refused_code(d), ("saml_malformed".into(), None, true));
        let xml = base64::engine::general_purpose::STANDARD.encode("<!DOCTYPE x><x/>");
        let d = decide(
            &settings(false, true),
            &urls(),
            Method::Saml,
            &saml(&xml),
            0,
            &mut store,
        )
        .unwrap();
        assert_eq!(refused_code(d).0, "saml_dtd");
        let big = "A".repeat(MAX_PARAM_BYTES + 4);
        let d = decide(
            &settings(false, true),
            &urls(),
            Method::Saml,
            &saml(&big),
            0,
            &mut store,
        )
        .unwrap();
        assert_eq!(refused_code(d).0, "saml_too_large");
        // Nothing reached the store.
        assert!(store.assertions.is_empty());
    }

    #[test]
    fn password_logins_follow_the_switch_and_jwt_is_not_ours() {
        let mut store = Memory::default();
        let on = decide(&settings(false, true), &urls(), Method::Password, &[], 0, &mut store).unwrap();
        assert_eq!(on, Decision::Pass);
        let off = decide(&settings(false, false), &urls(), Method::Password, &[], 0, &mut store).unwrap();
        assert_eq!(refused_code(off).0, "non_sso_login_disabled");
        let jwt = decide(&settings(false, false), &urls(), Method::Other, &[], 0, &mut store).unwrap();
        assert_eq!(jwt, Decision::Pass);
    }

    #[test]
    fn keys_are_namespaced() {
        assert_eq!(assertion_key("_a1"), "assertion:_a1");
        assert_eq!(crate::authn::request_key("_q"), "request:_q");
    }
}
