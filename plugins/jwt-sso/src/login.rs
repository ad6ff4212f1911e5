//! The on-login decision. A JWT callback is checked ([`crate::token`]), then
//! its `jti` is claimed in the shared store for as long as the token could be
//! accepted, so a replay on any node is refused; only a token that passes
//! everything names an agent. A password attempt is refused when non-SSO
//! login is off. Every refusal goes back to the remote login URL with
//! `error=<code>`, or, in DEBUG mode, to a page showing the detail.

use crate::settings::Settings;
use crate::token::{self, MAX_AGE_MS, MAX_SKEW_MS};

/// How the attempt arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Password,
    Jwt,
    /// Another SSO's (e.g. SAML): not ours to judge.
    Other,
}

pub use exthost_sdk::sso::{Decision, Refusal};

/// How long a `jti` is remembered: as long as a token carrying it could pass the `iat` check.
pub const JTI_TTL_MS: u64 = MAX_AGE_MS + MAX_SKEW_MS;

/// The store key under which a `jti` is remembered.
pub fn jti_key(jti: &str) -> String {
    format!("jti:{jti}")
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A refusal as the settings want it shown: a debug page, or back to the remote login URL.
pub fn refusal(settings: &Settings, code: &str, detail: String) -> Decision {
    Decision::Refuse(Refusal {
        code: code.into(),
        detail,
        redirect_to: if settings.debug {
            None
        } else {
            settings.remote_login_with("error", code)
        },
        show_detail: settings.debug,
    })
}

/// Decide on an attempt. `claim_jti(key, ttl_ms)` stores the key if absent
/// and says whether it did; its error (the store is down) fails the hook.
pub fn decide(
    settings: &Settings,
    method: Method,
    params: &[(String, String)],
    now_ms: u64,
    claim_jti: impl FnOnce(&str, u64) -> Result<bool, String>,
) -> Result<Decision, String> {
    match method {
        Method::Other => Ok(Decision::Pass),
        Method::Password if settings.non_sso_login => Ok(Decision::Pass),
        Method::Password => Ok(refusal(
            settings,
            "non_sso_login_disabled",
            "password login is switched off; log in through single sign-on".into(),
        )),
        Method::Jwt => {
            let jwt = param(params, "jwt").unwrap_or("");
            let claims = match token::verify(jwt, &settings.shared_secret, now_ms) {
                Ok(claims) => claims,
                Err(e) => return Ok(refusal(settings, e.code(), e.detail().to_string())),
            };
            if !claim_jti(&jti_key(&claims.jti), JTI_TTL_MS)? {
                return Ok(refusal(
                    settings,
                    "token_replay",
                    format!("the token's jti `{}` was already used", claims.jti),
                ));
            }
            Ok(Decision::Accept {
                external_id: claims.external_id,
                return_to: param(params, "return_to").map(str::to_string),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use hmac::{Hmac, KeyInit, Mac};
    use std::collections::HashSet;

    const NOW: u64 = 1_800_000_000_000;

    fn settings(debug: bool, non_sso: bool) -> Settings {
        Settings {
            debug,
            non_sso_login: non_sso,
            remote_login_url: Some("https://idp.test/login".into()),
            shared_secret: b"0123456789abcdef".to_vec(),
            ..Settings::default()
        }
    }

    fn jwt(jti: &str) -> String {
        let claims = format!(r#"{{"iat":{},"jti":"{jti}","external_id":"a7"}}"#, NOW / 1000);
        let signed = format!("{}.{}", B64.encode(r#"{"alg":"HS256"}"#), B64.encode(claims));
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(b"0123456789abcdef").unwrap();
        mac.update(signed.as_bytes());
        format!("{signed}.{}", B64.encode(mac.finalize().into_bytes()))
    }

    fn params(jwt: &str, return_to: Option<&str>) -> Vec<(String, String)> {
        let mut p = vec![("jwt".to_string(), jwt.to_string())];
        if let Some(r) = return_to {
            p.push(("return_to".into(), r.into()));
        }
        p
    }

    #[test]
    fn accepts_once_then_refuses_the_replay() {
        let s = settings(false, true);
        let mut seen = HashSet::new();
        let mut run = |token: &str| {
            decide(&s, Method::Jwt, &params(token, Some("/inbox")), NOW, |k, ttl| {
                assert_eq!(ttl, JTI_TTL_MS);
                Ok(seen.insert(k.to_string()))
            })
            .unwrap()
        };
        assert_eq!(
            run(&jwt("j1")),
            Decision::Accept {
                external_id: "a7".into(),
                return_to: Some("/inbox".into())
            }
        );
        let Decision::Refuse(r) = run(&jwt("j1")) else {
            panic!("replay accepted")
        };
        assert_eq!(r.code, "token_replay");
        assert_eq!(
            r.redirect_to.as_deref(),
            Some("https://idp.test/login?error=token_replay")
        );
        assert!(matches!(run(&jwt("j2")), Decision::Accept { .. }));
    }

    #[test]
    fn a_refused_token_does_not_use_up_its_jti() {
        let s = settings(true, true);
        let d = decide(&s, Method::Jwt, &params("a.b", None), NOW, |_, _| {
            panic!("stored a jti")
        })
        .unwrap();
        let Decision::Refuse(r) = d else { panic!("accepted") };
        assert_eq!(
            (r.code.as_str(), r.redirect_to, r.show_detail),
            ("token_invalid", None, true)
        );
        let d = decide(&s, Method::Jwt, &[], NOW, |_, _| panic!("stored a jti")).unwrap();
        assert!(matches!(d, Decision::Refuse(r) if r.code == "token_invalid"));
    }

    #[test]
    fn store_failure_fails_the_hook() {
        let s = settings(false, true);
        let r = decide(
            &s,
            Method::Jwt,
            &params(&jwt("j"), None),
            NOW,
            |_, _| Err("down".into()),
        );
        assert!(r.is_err());
    }

    #[test]
    fn password_logins_follow_the_switch() {
        assert_eq!(
            decide(&settings(false, true), Method::Password, &[], NOW, |_, _| Ok(true)).unwrap(),
            Decision::Pass
        );
        let d = decide(&settings(false, false), Method::Password, &[], NOW, |_, _| Ok(true)).unwrap();
        assert!(matches!(d, Decision::Refuse(r) if r.code == "non_sso_login_disabled"));
        assert_eq!(
            decide(&settings(false, false), Method::Other, &[], NOW, |_, _| Ok(true)).unwrap(),
            Decision::Pass
        );
    }
}
