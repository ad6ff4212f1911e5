//! The token checks, in the order that leaks least: size and shape, then the
//! header's `alg` (HS256, HS384 or HS512 only: `none` in any case, RS*, ES*
//! and anything else is refused before any key is used), then the signature
//! (HMAC, compared in constant time), and only then the claims of a token we
//! know the customer signed: `iat`, `jti` and `external_id` present, `iat`
//! within the last five minutes and not ahead of our clock by more than a
//! small skew. Replay (`jti` seen before) is checked by the caller, which owns
//! the shared store.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value};
use sha2::{Sha256, Sha384, Sha512};

/// A token longer than this is refused unread.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// The oldest `iat` accepted, and how long a `jti` is remembered after that.
pub const MAX_AGE_MS: u64 = 5 * 60 * 1000;
/// How far ahead of our clock an `iat` may be (the customer's clock may run fast).
pub const MAX_SKEW_MS: u64 = 60 * 1000;
/// The longest `jti` accepted; it becomes a key in the host's store.
pub const MAX_JTI_BYTES: usize = 256;

/// Why a token is refused, by Engage's error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// `token_invalid`: malformed, oversized, wrong `alg` or wrong signature.
    Invalid(String),
    /// `token_expired`: `iat` too old or too far in the future.
    Expired(String),
    /// `token_missing_attribute`: `iat`, `jti` or `external_id` absent.
    MissingAttribute(String),
}

impl TokenError {
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::Invalid(_) => "token_invalid",
            TokenError::Expired(_) => "token_expired",
            TokenError::MissingAttribute(_) => "token_missing_attribute",
        }
    }

    /// What exactly was wrong; never contains the secret.
    pub fn detail(&self) -> &str {
        match self {
            TokenError::Invalid(d) | TokenError::Expired(d) | TokenError::MissingAttribute(d) => d,
        }
    }
}

/// What a genuine, fresh token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub external_id: String,
    pub jti: String,
    /// Issued at, unix milliseconds.
    pub iat_ms: u64,
}

#[derive(Clone, Copy)]
enum Alg {
    Hs256,
    Hs384,
    Hs512,
}

fn invalid(detail: impl Into<String>) -> TokenError {
    TokenError::Invalid(detail.into())
}

fn decode_part(part: &str, what: &str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| invalid(format!("the {what} is not base64url")))
}

fn json_object(bytes: &[u8], what: &str) -> Result<Map<String, Value>, TokenError> {
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid(format!("the {what} is not a JSON object"))),
        Err(_) => Err(invalid(format!("the {what} is not JSON"))),
    }
}

fn algorithm(header: &Map<String, Value>) -> Result<Alg, TokenError> {
    // Exact, case-sensitive names: `none`, `None`, `hs256`... are all refused.
    match header.get("alg").and_then(Value::as_str) {
        Some("HS256") => Ok(Alg::Hs256),
        Some("HS384") => Ok(Alg::Hs384),
        Some("HS512") => Ok(Alg::Hs512),
        Some(other) => Err(invalid(format!(
            "alg `{}` is not accepted; only HS256, HS384 and HS512",
            other.chars().take(16).collect::<String>()
        ))),
        None => Err(invalid("the header has no alg")),
    }
}

fn signature_ok(alg: Alg, secret: &[u8], signed: &[u8], signature: &[u8]) -> bool {
    fn check<M: Mac + KeyInit>(secret: &[u8], signed: &[u8], signature: &[u8]) -> bool {
        match <M as KeyInit>::new_from_slice(secret) {
            Ok(mut mac) => {
                mac.update(signed);
                // `verify_slice` compares in constant time.
                mac.verify_slice(signature).is_ok()
            }
            Err(_) => false,
        }
    }
    match alg {
        Alg::Hs256 => check::<Hmac<Sha256>>(secret, signed, signature),
        Alg::Hs384 => check::<Hmac<Sha384>>(secret, signed, signature),
        Alg::Hs512 => check::<Hmac<Sha512>>(secret, signed, signature),
    }
}

/// A required string claim: absent, null or empty is "missing"; another type is invalid.
fn text_claim(claims: &Map<String, Value>, name: &str) -> Result<String, TokenError> {
    match claims.get(name) {
        None | Some(Value::Null) => Err(TokenError::MissingAttribute(format!("the token has no `{name}`"))),
        Some(Value::String(s)) if s.is_empty() => {
            Err(TokenError::MissingAttribute(format!("the token's `{name}` is empty")))
        }
        Some(Value::String(s)) => Ok(s.clone()),
        // Numeric ids are common in customers' systems; they name the same agent.
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
        Some(_) => Err(invalid(format!("the token's `{name}` is not a string"))),
    }
}

/// A NumericDate claim (seconds) as milliseconds.
fn time_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<u64>, TokenError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite() && *f >= 0.0).map(|f| f as u64))
            .map(|secs| Some(secs.saturating_mul(1000)))
            .ok_or_else(|| invalid(format!("the token's `{name}` is not a time"))),
        Some(_) => Err(invalid(format!("the token's `{name}` is not a number"))),
    }
}

/// Check `token` against `secret` at `now_ms`; the claims of a genuine, fresh token.
pub fn verify(token: &str, secret: &[u8], now_ms: u64) -> Result<Claims, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(invalid(format!(
            "the token is {} bytes; at most {MAX_TOKEN_BYTES} are accepted",
            token.len()
        )));
    }
    if token.is_empty() {
        return Err(invalid("no token was given"));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("a token has exactly three parts separated by dots"));
    };
    let alg = algorithm(&json_object(&decode_part(header, "header")?, "header")?)?;
    if secret.is_empty() {
        return Err(invalid("no shared secret is configured"));
    }
    let signature = decode_part(signature, "signature")?;
    let signed = &token.as_bytes()[..header.len() + 1 + payload.len()];
    if !signature_ok(alg, secret, signed, &signature) {
        return Err(invalid("the signature does not match the shared secret"));
    }
    let claims = json_object(&decode_part(payload, "payload")?, "payload")?;
    let iat_ms =
        time_claim(&claims, "iat")?.ok_or_else(|| TokenError::MissingAttribute("the token has no `iat`".into()))?;
    let jti = text_claim(&claims, "jti")?;
    let external_id = text_claim(&claims, "external_id")?;
    if jti.len() > MAX_JTI_BYTES {
        return Err(invalid(format!(
            "the token's `jti` is longer than {MAX_JTI_BYTES} bytes"
        )));
    }
    if iat_ms.saturating_add(MAX_AGE_MS) < now_ms {
        return Err(TokenError::Expired(format!(
            "the token was issued {} s ago; at most {} s are accepted",
            (now_ms - iat_ms) / 1000,
            MAX_AGE_MS / 1000
        )));
    }
    if iat_ms > now_ms.saturating_add(MAX_SKEW_MS) {
        return Err(TokenError::Expired(format!(
            "the token is issued {} s in the future; check the clocks",
            (iat_ms - now_ms) / 1000
        )));
    }
    // Optional claims, honoured when present.
    if time_claim(&claims, "exp")?.is_some_and(|exp| exp <= now_ms) {
        return Err(TokenError::Expired("the token's `exp` has passed".into()));
    }
    if time_claim(&claims, "nbf")?.is_some_and(|nbf| nbf > now_ms.saturating_add(MAX_SKEW_MS)) {
        return Err(TokenError::Expired("the token's `nbf` is in the future".into()));
    }
    Ok(Claims {
        external_id,
        jti,
        iat_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &[u8] = b"a-shared-secret-of-some-length";
    const NOW: u64 = 1_800_000_000_000;

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn sign(alg: &str, secret: &[u8], signed: &str) -> Vec<u8> {
        fn mac<M: Mac + KeyInit>(secret: &[u8], signed: &str) -> Vec<u8> {
            let mut m = <M as KeyInit>::new_from_slice(secret).unwrap();
            m.update(signed.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        match alg {
            "HS384" => mac::<Hmac<Sha384>>(secret, signed),
            "HS512" => mac::<Hmac<Sha512>>(secret, signed),
            _ => mac::<Hmac<Sha256>>(secret, signed),
        }
    }

    fn token_with(header: Value, claims: Value, secret: &[u8]) -> String {
        let alg = header["alg"].as_str().unwrap_or("HS256").to_string();
        let signed = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        format!("{signed}.{}", b64(&sign(&alg, secret, &signed)))
    }

    fn claims() -> Value {
        json!({"iat": NOW / 1000, "jti": "j-1", "external_id": "agent-7"})
    }

    fn token(alg: &str) -> String {
        token_with(json!({"alg": alg, "typ": "JWT"}), claims(), SECRET)
    }

    #[test]
    fn accepts_each_hmac_algorithm() {
        for alg in ["HS256", "HS384", "HS512"] {
            let c = verify(&token(alg), SECRET, NOW).unwrap_or_else(|e| panic!("{alg}: {e:?}"));
            assert_eq!(c.external_id, "agent-7");
            assert_eq!(c.jti, "j-1");
        }
    }

    #[test]
    fn refuses_other_algorithms() {
        for alg in [
            "none", "None", "NONE", "nOnE", "hs256", "RS256", "ES256", "PS256", "EdDSA", "",
        ] {
            let signed = format!(
                "{}.{}",
                b64(json!({"alg": alg}).to_string().as_bytes()),
                b64(claims().to_string().as_bytes())
            );
            for sig in [String::new(), b64(&sign("HS256", SECRET, &signed))] {
                let err = verify(&format!("{signed}.{sig}"), SECRET, NOW).unwrap_err();
                assert_eq!(err.code(), "token_invalid", "{alg}: {err:?}");
            }
        }
        let no_alg = token_with(json!({"typ": "JWT"}), claims(), SECRET);
        assert_eq!(verify(&no_alg, SECRET, NOW).unwrap_err().code(), "token_invalid");
    }

    #[test]
    fn refuses_a_wrong_or_absent_signature() {
        let other = token_with(json!({"alg": "HS256"}), claims(), b"another-secret");
        assert_eq!(verify(&other, SECRET, NOW).unwrap_err().code(), "token_invalid");
        let good = token("HS256");
        let unsigned = format!("{}.", good.rsplit_once('.').unwrap().0);
        assert_eq!(verify(&unsigned, SECRET, NOW).unwrap_err().code(), "token_invalid");
        // A payload swapped under a genuine signature.
        let (head, rest) = good.split_once('.').unwrap();
        let sig = rest.rsplit_once('.').unwrap().1;
        let forged = json!({"iat": NOW / 1000, "jti": "j-1", "external_id": "admin"});
        let swapped = format!("{head}.{}.{sig}", b64(forged.to_string().as_bytes()));
        assert_eq!(verify(&swapped, SECRET, NOW).unwrap_err().code(), "token_invalid");
        // No secret configured: nothing verifies.
        assert_eq!(verify(&good, b"", NOW).unwrap_err().code(), "token_invalid");
    }

    #[test]
    fn refuses_malformed_tokens() {
        let good = token("HS256");
        let header = good.split('.').next().unwrap();
        for bad in [
            String::new(),
            "abc".into(),
            "a.b".into(),
            format!("{good}.x"),
            "!!!.e30.x".into(),
            format!("{}.{}.x", b64(b"not json"), b64(b"{}")),
            format!("{}.{}.x", b64(b"[1]"), b64(b"{}")),
            format!("{header}.***.x"),
        ] {
            assert_eq!(verify(&bad, SECRET, NOW).unwrap_err().code(), "token_invalid", "{bad}");
        }
        // A signed payload that is not JSON.
        let signed = format!("{header}.{}", b64(b"not json"));
        let t = format!("{signed}.{}", b64(&sign("HS256", SECRET, &signed)));
        assert_eq!(verify(&t, SECRET, NOW).unwrap_err().code(), "token_invalid");
    }

    #[test]
    fn refuses_oversized_tokens() {
        let mut c = claims();
        c["pad"] = json!("x".repeat(MAX_TOKEN_BYTES));
        let t = token_with(json!({"alg": "HS256"}), c, SECRET);
        let err = verify(&t, SECRET, NOW).unwrap_err();
        assert_eq!(err.code(), "token_invalid");
        assert!(err.detail().contains("bytes"));
    }

    #[test]
    fn requires_each_claim() {
        for missing in ["iat", "jti", "external_id"] {
            let mut c = claims();
            c.as_object_mut().unwrap().remove(missing);
            let t = token_with(json!({"alg": "HS256"}), c, SECRET);
            let err = verify(&t, SECRET, NOW).unwrap_err();
            assert_eq!(err.code(), "token_missing_attribute", "{missing}");
            assert!(err.detail().contains(missing));
        }
        let mut c = claims();
        c["external_id"] = json!("");
        let t = token_with(json!({"alg": "HS256"}), c, SECRET);
        assert_eq!(verify(&t, SECRET, NOW).unwrap_err().code(), "token_missing_attribute");
    }

    #[test]
    fn checks_freshness() {
        let at = |iat_ms: u64| {
            let mut c = claims();
            c["iat"] = json!(iat_ms / 1000);
            verify(&token_with(json!({"alg": "HS256"}), c, SECRET), SECRET, NOW)
        };
        assert!(at(NOW - 4 * 60 * 1000).is_ok());
        assert_eq!(at(NOW - 6 * 60 * 1000).unwrap_err().code(), "token_expired");
        assert!(at(NOW + 30 * 1000).is_ok());
        assert_eq!(at(NOW + 10 * 60 * 1000).unwrap_err().code(), "token_expired");
        let mut c = claims();
        c["exp"] = json!(NOW / 1000 - 1);
        let t = token_with(json!({"alg": "HS256"}), c, SECRET);
        assert_eq!(verify(&t, SECRET, NOW).unwrap_err().code(), "token_expired");
    }

    #[test]
    fn details_never_show_the_secret() {
        let other = token_with(json!({"alg": "HS256"}), claims(), b"another-secret");
        let err = verify(&other, SECRET, NOW).unwrap_err();
        assert!(!err.detail().contains(std::str::from_utf8(SECRET).unwrap()));
    }
}
