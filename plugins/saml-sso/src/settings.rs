//! The extension's settings, the seed's SAML SSO form: parsing, the checks of
//! each field (URLs, the fingerprint's hex and its length for the chosen
//! algorithm), and the [`Settings`] they become. The assertion consumer
//! service URL and the SP metadata URL are computed by the platform from its
//! base URL (read-only in the schema); the SP entity ID is the metadata URL.
//! `used_as_default_authentication` is also read by the host: it keeps at most
//! one SSO extension the default.

use crate::cert::Hash;
use crate::dsig::Fingerprint;
pub use exthost_sdk::settings::FieldError;
use exthost_sdk::settings::{field_error, url};

/// The settings' JSON Schema, as shown in the admin's form.
pub const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "used_as_default_authentication": {
      "type": "boolean",
      "title": "Used as default authentication",
      "description": "Visitors who are not logged in are sent to the identity provider. At most one SSO extension can be the default.",
      "default": false
    },
    "enable_non_sso_login": {
      "type": "boolean",
      "title": "Enable non-SSO login",
      "description": "Agents may also log in with their email and password (at /login?method=password).",
      "default": true
    },
    "debug_mode": {
      "type": "boolean",
      "title": "DEBUG mode",
      "description": "A refused SAML response shows a page that says which check failed, instead of the login page.",
      "default": false
    },
    "sign_saml_requests": {
      "type": "boolean",
      "title": "Sign SAML requests",
      "description": "Authentication requests carry SigAlg and Signature (RSA-SHA256) made with the platform's own key, whose certificate the SP metadata publishes.",
      "default": false
    },
    "issuer": {
      "type": "string",
      "title": "Issuer",
      "description": "The identity provider's entity ID: the Issuer of its responses.",
      "maxLength": 1024
    },
    "target_url": {
      "type": "string",
      "title": "Target URL",
      "description": "The identity provider's single sign-on URL (HTTP-Redirect binding).",
      "maxLength": 2048
    },
    "certificate_fingerprint_algorithm": {
      "type": "string",
      "title": "Certificate fingerprint algorithm",
      "enum": ["SHA1", "SHA256", "SHA384", "SHA512"],
      "default": "SHA256"
    },
    "certificate_fingerprint": {
      "type": "string",
      "title": "Certificate fingerprint",
      "description": "The digest of the identity provider's X.509 signing certificate, in hex (colons allowed).",
      "maxLength": 256
    },
    "name_identifier_format": {
      "type": "string",
      "title": "Name identifier format",
      "default": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
      "maxLength": 1024
    },
    "authentication_context": {
      "type": "string",
      "title": "Authentication context",
      "description": "The requested authentication context class; empty for none.",
      "default": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
      "maxLength": 1024
    },
    "logout_url": {
      "type": "string",
      "title": "Logout URL",
      "description": "Where agents go after signing out. Empty: the platform's login page.",
      "default": "",
      "maxLength": 2048
    },
    "external_id_attribute": {
      "type": "string",
      "title": "SAML attribute matching user external identifier",
      "description": "Optional. The attribute whose value is the agent's external id; empty: the NameID is.",
      "default": "",
      "maxLength": 1024
    },
    "sp_private_key": {
      "type": "string",
      "title": "Service provider private key",
      "description": "Signs SAML requests; its certificate is in the SP metadata. Made by the platform when left empty (clear it to make a new one), or paste an RSA key of 2048 bits or more in PEM.",
      "writeOnly": true,
      "x-exthost-generate": "rsa-2048",
      "maxLength": 16384
    },
    "allow_idp_initiated_login": {
      "type": "boolean",
      "title": "Allow IdP-initiated login",
      "description": "Accept responses that answer no request of ours (unsolicited). Off: every response must answer a request the platform issued.",
      "default": false
    },
    "assertion_consumer_service_url": {
      "type": "string",
      "title": "Assertion consumer service URL",
      "description": "Where the identity provider posts its responses. Set by the platform.",
      "readOnly": true,
      "x-exthost-value": "{base_url}/users/auth/saml/callback"
    },
    "service_provider_metadata": {
      "type": "string",
      "title": "Service provider metadata",
      "description": "The platform's SAML metadata for the identity provider; its URL is also the SP entity ID. Set by the platform.",
      "readOnly": true,
      "x-exthost-value": "{base_url}/users/auth/saml/metadata"
    }
  }
}"#;

/// Where the identity provider posts responses (the host's route).
pub const ACS_PATH: &str = "/users/auth/saml/callback";
/// The SP metadata, served by this extension.
pub const METADATA_PATH: &str = "/users/auth/saml/metadata";
/// The "log in with SAML" link: starts a login at the identity provider.
pub const SIGN_IN_PATH: &str = "/users/auth/saml";

const UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
const PASSWORD_PROTECTED: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";

/// Applied settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub default_authentication: bool,
    pub non_sso_login: bool,
    pub debug: bool,
    pub sign_requests: bool,
    pub issuer: String,
    pub target_url: String,
    pub fingerprint: Fingerprint,
    pub name_id_format: String,
    pub authn_context: Option<String>,
    pub logout_url: Option<String>,
    pub external_id_attribute: Option<String>,
    pub allow_idp_initiated: bool,
    /// The SP key's PEM (a secret: redacted in debug output).
    pub sp_private_key: Option<SecretText>,
}

/// Secret text whose debug form does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretText(pub String);

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretText(..)")
    }
}

/// The platform's SAML URLs, from its base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpUrls {
    pub acs: String,
    /// The metadata URL, which is also the SP entity ID.
    pub entity_id: String,
}

impl SpUrls {
    pub fn new(base_url: &str) -> SpUrls {
        let base = base_url.trim_end_matches('/');
        SpUrls {
            acs: format!("{base}{ACS_PATH}"),
            entity_id: format!("{base}{METADATA_PATH}"),
        }
    }
}

/// Hex with optional `:` or spaces between bytes.
fn hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|b| *b != b':' && !b.is_ascii_whitespace())
        .collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let h = char::from(pair[0]).to_digit(16)?;
            let l = char::from(pair[1]).to_digit(16)?;
            u8::try_from(h << 4 | l).ok()
        })
        .collect()
}

/// Text without control characters (it goes into XML attributes and URLs).
fn plain(field: &str, text: &str) -> Result<String, FieldError> {
    if text.chars().any(char::is_control) {
        return Err(field_error(field, "must not contain control characters"));
    }
    Ok(text.trim().to_string())
}

impl Settings {
    /// Parse and check settings; every problem is reported, not just the first.
    pub fn from_config(config: &str) -> Result<Settings, Vec<FieldError>> {
        let object = exthost_sdk::settings::object(config)?;
        let mut errors = Vec::new();
        let flag = |errors: &mut Vec<FieldError>, key: &str, default: bool| match object.get(key) {
            Some(serde_json::Value::Bool(b)) => *b,
            None | Some(serde_json::Value::Null) => default,
            Some(_) => {
                errors.push(field_error(key, "must be true or false"));
                default
            }
        };
        let text = |errors: &mut Vec<FieldError>, key: &str| -> Option<String> {
            match object.get(key) {
                Some(serde_json::Value::String(t)) => match plain(key, t) {
                    Ok(t) => Some(t).filter(|t| !t.is_empty()),
                    Err(e) => {
                        errors.push(e);
                        None
                    }
                },
                None | Some(serde_json::Value::Null) => None,
                Some(_) => {
                    errors.push(field_error(key, "must be text"));
                    None
                }
            }
        };
        for key in object.keys() {
            if !KNOWN.contains(&key.as_str()) {
                errors.push(field_error(key, "unknown setting"));
            }
        }
        let default_authentication = flag(&mut errors, "used_as_default_authentication", false);
        let non_sso_login = flag(&mut errors, "enable_non_sso_login", true);
        let debug = flag(&mut errors, "debug_mode", false);
        let sign_requests = flag(&mut errors, "sign_saml_requests", false);
        let allow_idp_initiated = flag(&mut errors, "allow_idp_initiated_login", false);
        let issuer = text(&mut errors, "issuer");
        if issuer.is_none() && !errors.iter().any(|e| e.field == "issuer") {
            errors.push(field_error("issuer", "is required: the identity provider's entity ID"));
        }
        let target_url = match url("target_url", &text(&mut errors, "target_url").unwrap_or_default()) {
            Ok(Some(u)) => Some(u),
            // Already reported (not text, control characters): not "required" as well.
            Ok(None) if errors.iter().any(|e| e.field == "target_url") => None,
            Ok(None) => {
                errors.push(field_error(
                    "target_url",
                    "is required: the identity provider's sign-on URL",
                ));
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let logout_url = url("logout_url", &text(&mut errors, "logout_url").unwrap_or_default()).unwrap_or_else(|e| {
            errors.push(e);
            None
        });
        let algorithm = text(&mut errors, "certificate_fingerprint_algorithm").unwrap_or_else(|| "SHA256".into());
        let hash = Hash::from_setting(&algorithm);
        if hash.is_none() {
            errors.push(field_error(
                "certificate_fingerprint_algorithm",
                "must be SHA1, SHA256, SHA384 or SHA512",
            ));
        }
        let fingerprint = match (text(&mut errors, "certificate_fingerprint"), hash) {
            (None, _) => {
                errors.push(field_error("certificate_fingerprint", "is required"));
                None
            }
            (Some(t), hash) => match (hex(&t), hash) {
                (None, _) => {
                    errors.push(field_error(
                        "certificate_fingerprint",
                        "must be hexadecimal (colons allowed)",
                    ));
                    None
                }
                (Some(value), Some(hash)) if value.len() == hash.output_len() => Some(Fingerprint { hash, value }),
                (Some(value), Some(hash)) => {
                    errors.push(field_error(
                        "certificate_fingerprint",
                        format!(
                            "has {} bytes; a {algorithm} fingerprint has {} (is it a fingerprint of another algorithm?)",
                            value.len(),
                            hash.output_len()
                        ),
                    ));
                    None
                }
                (Some(_), None) => None,
            },
        };
        let name_id_format = text(&mut errors, "name_identifier_format").unwrap_or_else(|| UNSPECIFIED.into());
        let authn_context = match object.get("authentication_context") {
            None | Some(serde_json::Value::Null) => Some(PASSWORD_PROTECTED.to_string()),
            _ => text(&mut errors, "authentication_context"),
        };
        let external_id_attribute = text(&mut errors, "external_id_attribute");
        let sp_private_key = match object.get("sp_private_key") {
            Some(serde_json::Value::String(pem)) if !pem.trim().is_empty() => match crate::spkey::parse(pem) {
                // The message never quotes the value: it is a secret.
                Ok(_) => Some(SecretText(pem.clone())),
                Err(message) => {
                    errors.push(field_error("sp_private_key", message));
                    None
                }
            },
            None | Some(serde_json::Value::Null | serde_json::Value::String(_)) => None,
            Some(_) => {
                errors.push(field_error("sp_private_key", "must be text"));
                None
            }
        };
        if sign_requests && sp_private_key.is_none() && !errors.iter().any(|e| e.field == "sp_private_key") {
            errors.push(field_error(
                "sp_private_key",
                "is needed to sign SAML requests (the platform makes one when the field is left empty)",
            ));
        }
        match (issuer, target_url, fingerprint) {
            (Some(issuer), Some(target_url), Some(fingerprint)) if errors.is_empty() => Ok(Settings {
                default_authentication,
                non_sso_login,
                debug,
                sign_requests,
                issuer,
                target_url,
                fingerprint,
                name_id_format,
                authn_context,
                logout_url,
                external_id_attribute,
                allow_idp_initiated,
                sp_private_key,
            }),
            _ => Err(errors),
        }
    }
}

const KNOWN: &[&str] = &[
    "used_as_default_authentication",
    "enable_non_sso_login",
    "debug_mode",
    "sign_saml_requests",
    "issuer",
    "target_url",
    "certificate_fingerprint_algorithm",
    "certificate_fingerprint",
    "name_identifier_format",
    "authentication_context",
    "logout_url",
    "external_id_attribute",
    "allow_idp_initiated_login",
    "sp_private_key",
    // Read-only: shown to the admin, computed by the platform, never used.
    "assertion_consumer_service_url",
    "service_provider_metadata",
];

#[cfg(test)]
mod tests {
    use super::*;

    const FP256: &str =
        "AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89";

    fn with(extra: &str) -> Result<Settings, Vec<FieldError>> {
        Settings::from_config(&format!(
            r#"{{"issuer": "https://idp.test/entity", "target_url": "https://idp.test/sso",
                "certificate_fingerprint": "{FP256}"{extra}}}"#
        ))
    }

    fn fields(result: Result<Settings, Vec<FieldError>>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn minimal_settings_take_the_defaults() {
        let s = with("").unwrap();
        assert!(!s.default_authentication && s.non_sso_login && !s.debug && !s.sign_requests);
        assert_eq!(s.fingerprint.hash, Hash::Sha256);
        assert_eq!(s.fingerprint.value[..3], [0xab, 0xcd, 0xef]);
        assert_eq!(s.name_id_format, UNSPECIFIED);
        assert_eq!(s.authn_context.as_deref(), Some(PASSWORD_PROTECTED));
        assert_eq!((s.logout_url, s.external_id_attribute), (None, None));
        let s = with(r##", "authentication_context": "", "external_id_attribute": " employee ""##).unwrap();
        assert_eq!(s.authn_context, None);
        assert_eq!(s.external_id_attribute.as_deref(), Some("employee"));
    }

    #[test]
    fn required_fields_are_named() {
        assert_eq!(
            fields(Settings::from_config("{}")),
            ["issuer", "target_url", "certificate_fingerprint"]
        );
    }

    #[test]
    fn a_fingerprint_must_fit_its_algorithm() {
        for (algorithm, ok) in [("SHA1", false), ("SHA256", true), ("SHA384", false), ("SHA512", false)] {
            let r = with(&format!(r#", "certificate_fingerprint_algorithm": "{algorithm}""#));
            assert_eq!(r.is_ok(), ok, "{algorithm}");
            if !ok {
                assert_eq!(fields(r), ["certificate_fingerprint"]);
            }
        }
        assert_eq!(
            fields(with(r#", "certificate_fingerprint_algorithm": "MD5""#)),
            ["certificate_fingerprint_algorithm"]
        );
        let r = Settings::from_config(
            r#"{"issuer": "i", "target_url": "https://idp.test/", "certificate_fingerprint": "zz"}"#,
        );
        assert_eq!(fields(r), ["certificate_fingerprint"]);
    }

    #[test]
    fn bad_values_are_reported_by_field() {
        assert_eq!(fields(with(r#", "target_url": "ftp://idp.test""#)), ["target_url"]);
        assert_eq!(fields(with(r#", "logout_url": "/relative""#)), ["logout_url"]);
        assert_eq!(fields(with(r#", "debug_mode": "yes""#)), ["debug_mode"]);
        assert_eq!(fields(with(r#", "issuer": 7"#)), ["issuer"]);
        assert_eq!(fields(with(r#", "issuer": "a\nb""#)), ["issuer"]);
        assert_eq!(fields(with(r#", "target_url": "https://a\u0007b""#)), ["target_url"]);
        assert_eq!(fields(with(r#", "colour": "red""#)), ["colour"]);
        // The computed URLs may come back from the form; they are ignored.
        assert!(with(r#", "assertion_consumer_service_url": "x", "service_provider_metadata": "y""#).is_ok());
    }

    #[test]
    fn signing_needs_a_valid_key_which_is_never_quoted() {
        assert_eq!(fields(with(r#", "sign_saml_requests": true"#)), ["sp_private_key"]);
        let errors = with(r#", "sp_private_key": "not-a-key-Secret-99""#).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "sp_private_key");
        assert!(!errors[0].message.contains("Secret-99"), "{errors:?}");
        assert!(with(r#", "sp_private_key": """#).unwrap().sp_private_key.is_none());
        let debug = format!("{:?}", SecretText("Secret-99".into()));
        assert!(!debug.contains("Secret-99"));
    }

    #[test]
    fn urls_come_from_the_base_url() {
        let urls = SpUrls::new("https://acme.example.com/");
        assert_eq!(urls.acs, "https://acme.example.com/users/auth/saml/callback");
        assert_eq!(urls.entity_id, "https://acme.example.com/users/auth/saml/metadata");
    }
}
