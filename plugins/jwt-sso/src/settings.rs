//! The extension's settings, the seed's seven: parsing, the rules between them
//! (non-SSO login can be switched off only with a remote login URL to send
//! agents to), and the [`Settings`] they become. `used_as_default_authentication`
//! is also read by the host: it keeps at most one SSO extension the default.

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
      "description": "Visitors who are not logged in are sent to the remote login URL. At most one SSO extension can be the default.",
      "default": false
    },
    "enable_non_sso_login": {
      "type": "boolean",
      "title": "Enable non-SSO login",
      "description": "Agents may also log in with their email and password (at /login?method=password). Can be switched off only when a remote login URL is set.",
      "default": true
    },
    "debug_mode": {
      "type": "boolean",
      "title": "DEBUG mode",
      "description": "A refused token shows a page that says what was wrong, instead of going back to the remote login URL.",
      "default": false
    },
    "remote_login_url": {
      "type": "string",
      "title": "Remote login URL",
      "description": "Your system's login page. Refused logins come back to it with error=<code>; visitors sent to log in get return_to=<path>.",
      "default": "",
      "maxLength": 2048
    },
    "remote_logout_url": {
      "type": "string",
      "title": "Remote logout URL",
      "description": "Where agents go after signing out. Empty: the platform's login page.",
      "default": "",
      "maxLength": 2048
    },
    "endpoint_url": {
      "type": "string",
      "title": "Endpoint URL",
      "description": "Where your system sends agents with their token: <platform URL>/users/auth/jwt/callback?jwt=<token>&return_to=<path>. Set by the platform.",
      "readOnly": true,
      "x-exthost-value": "{base_url}/users/auth/jwt/callback?jwt={jwt_payload}"
    },
    "shared_secret": {
      "type": "string",
      "title": "Shared secret",
      "description": "The key both sides sign and check tokens with (HS256, HS384 or HS512). At least 16 characters.",
      "writeOnly": true,
      "maxLength": 4096
    }
  }
}"#;

/// The path of the JWT callback on the platform.
pub const CALLBACK_PATH: &str = "/users/auth/jwt/callback";
const MIN_SECRET_CHARS: usize = 16;

/// Applied settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub default_authentication: bool,
    pub non_sso_login: bool,
    pub debug: bool,
    pub remote_login_url: Option<String>,
    pub remote_logout_url: Option<String>,
    pub shared_secret: Vec<u8>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            default_authentication: false,
            non_sso_login: true,
            debug: false,
            remote_login_url: None,
            remote_logout_url: None,
            shared_secret: Vec::new(),
        }
    }
}

impl Settings {
    /// Parse and check settings; every problem is reported, not just the first.
    pub fn from_config(config: &str) -> Result<Settings, Vec<FieldError>> {
        let object = exthost_sdk::settings::object(config)?;
        let mut s = Settings::default();
        let mut errors = Vec::new();
        for (key, value) in &object {
            let flag = |errors: &mut Vec<FieldError>| match value {
                serde_json::Value::Bool(b) => Some(*b),
                serde_json::Value::Null => None,
                _ => {
                    errors.push(field_error(key, "must be true or false"));
                    None
                }
            };
            let text = match value {
                serde_json::Value::String(t) => Some(t.as_str()),
                _ => None,
            };
            match key.as_str() {
                "used_as_default_authentication" => {
                    s.default_authentication = flag(&mut errors).unwrap_or(s.default_authentication)
                }
                "enable_non_sso_login" => s.non_sso_login = flag(&mut errors).unwrap_or(s.non_sso_login),
                "debug_mode" => s.debug = flag(&mut errors).unwrap_or(s.debug),
                // Read-only: shown to the admin, computed by the platform, never used.
                "endpoint_url" => {}
                "remote_login_url" | "remote_logout_url" | "shared_secret" if value.is_null() => {}
                "remote_login_url" | "remote_logout_url" | "shared_secret" if text.is_none() => {
                    errors.push(field_error(key, "must be text"))
                }
                "remote_login_url" => match url(key, text.unwrap_or("")) {
                    Ok(u) => s.remote_login_url = u,
                    Err(e) => errors.push(e),
                },
                "remote_logout_url" => match url(key, text.unwrap_or("")) {
                    Ok(u) => s.remote_logout_url = u,
                    Err(e) => errors.push(e),
                },
                "shared_secret" => s.shared_secret = text.unwrap_or("").as_bytes().to_vec(),
                _ => errors.push(field_error(key, "unknown setting")),
            }
        }
        if s.shared_secret.is_empty() {
            errors.push(field_error("shared_secret", "is required"));
        } else if s.shared_secret.len() < MIN_SECRET_CHARS {
            // The message never quotes the value: it is a secret.
            errors.push(field_error(
                "shared_secret",
                format!("must be at least {MIN_SECRET_CHARS} characters"),
            ));
        }
        if s.remote_login_url.is_none() {
            if !s.non_sso_login {
                errors.push(field_error(
                    "enable_non_sso_login",
                    "can be switched off only when a remote login URL is set",
                ));
            }
            if s.default_authentication {
                errors.push(field_error(
                    "used_as_default_authentication",
                    "needs a remote login URL to send visitors to",
                ));
            }
        }
        if errors.is_empty() { Ok(s) } else { Err(errors) }
    }

    /// The remote login URL with `name=value` added, if a remote login URL is set.
    pub fn remote_login_with(&self, name: &str, value: &str) -> Option<String> {
        self.remote_login_url
            .as_deref()
            .map(|u| exthost_sdk::url::with_param(u, name, value))
    }
}

/// The callback URL the admin gives the customer's system.
pub fn endpoint_url(base_url: &str) -> String {
    format!("{}{CALLBACK_PATH}?jwt=", base_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = r#""shared_secret": "0123456789abcdef-secret""#;

    fn parse(fields: &str) -> Result<Settings, Vec<FieldError>> {
        let sep = if fields.is_empty() { "" } else { ", " };
        Settings::from_config(&format!("{{{SECRET}{sep}{fields}}}"))
    }

    #[test]
    fn defaults_and_full_settings() {
        let s = parse("").unwrap();
        assert!(s.non_sso_login && !s.default_authentication && !s.debug);
        let s = parse(
            r#""used_as_default_authentication": true, "enable_non_sso_login": false, "debug_mode": true,
               "remote_login_url": "https://idp.test/login", "remote_logout_url": "https://idp.test/out",
               "endpoint_url": "anything""#,
        )
        .unwrap();
        assert!(s.default_authentication && !s.non_sso_login && s.debug);
        assert_eq!(
            s.remote_login_with("error", "token_invalid").as_deref(),
            Some("https://idp.test/login?error=token_invalid")
        );
    }

    #[test]
    fn non_sso_login_off_needs_a_remote_login_url() {
        let errs = parse(r#""enable_non_sso_login": false"#).unwrap_err();
        assert_eq!(errs[0].field, "enable_non_sso_login");
        let errs = parse(r#""enable_non_sso_login": false, "remote_login_url": """#).unwrap_err();
        assert_eq!(errs[0].field, "enable_non_sso_login");
        let errs = parse(r#""used_as_default_authentication": true"#).unwrap_err();
        assert_eq!(errs[0].field, "used_as_default_authentication");
    }

    #[test]
    fn refusals_name_the_field_and_hide_the_secret() {
        let errs = Settings::from_config(
            r#"{"shared_secret": "short", "remote_login_url": "javascript:alert(1)", "debug_mode": "yes", "colour": 1}"#,
        )
        .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        for f in ["shared_secret", "remote_login_url", "debug_mode", "colour"] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        assert!(errs.iter().all(|e| !e.message.contains("short")));
        assert_eq!(Settings::from_config("{}").unwrap_err()[0].field, "shared_secret");
        assert!(Settings::from_config("[]").is_err());
        assert!(parse(r#""remote_login_url": "https:///path""#).is_err());
        assert!(parse(r#""remote_login_url": "https://a b.test/""#).is_err());
    }

    #[test]
    fn schema_is_valid_json_and_marks_the_secret() {
        let schema: serde_json::Value = serde_json::from_str(CONFIG_SCHEMA).unwrap();
        assert_eq!(schema["properties"]["shared_secret"]["writeOnly"], true);
        assert_eq!(schema["properties"]["endpoint_url"]["readOnly"], true);
        assert_eq!(
            endpoint_url("https://acme.test/"),
            "https://acme.test/users/auth/jwt/callback?jwt="
        );
    }
}
