//! Settings as the host hands them to `validate-config` and `init`: a JSON
//! object, or `null` for none. Problems are reported per field so the admin
//! sees each one next to its field. An extension's settings type implements
//! [`Settings`] (its JSON Schema and its parser); a serde type gets it by
//! implementing [`JsonSettings`], which declares the schema next to the type.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// An extension's settings: the JSON Schema the admin's form is drawn from,
/// and the parser of the object the admin saves.
pub trait Settings: Sized {
    /// A JSON Schema (draft 2020-12) of the settings object. Each property has
    /// a `title`; secrets carry `"writeOnly": true`; values the extension
    /// computes carry `"readOnly": true` (see docs/writing-an-extension.md).
    const SCHEMA: &'static str;

    /// Parse the settings (a JSON object, or `null`), reporting every problem by field.
    fn from_config(config: &str) -> Result<Self, Vec<FieldError>>;
}

/// Settings read with serde: implement this (the schema) on a
/// `#[derive(Deserialize)]` type and it is [`Settings`]. `null` reads as `{}`,
/// so give every field a `#[serde(default)]` if the extension has defaults.
pub trait JsonSettings: DeserializeOwned {
    /// As [`Settings::SCHEMA`].
    const SCHEMA: &'static str;
}

impl<T: JsonSettings> Settings for T {
    const SCHEMA: &'static str = <T as JsonSettings>::SCHEMA;

    fn from_config(config: &str) -> Result<T, Vec<FieldError>> {
        from_json(config)
    }
}

/// Deserialize settings with serde; the error names the field it is about.
pub fn from_json<T: DeserializeOwned>(config: &str) -> Result<T, Vec<FieldError>> {
    let object = Value::Object(object(config)?);
    serde_path_to_error::deserialize(object).map_err(|e| {
        let inner = e.inner().to_string();
        // serde names a missing or unknown field in the message, at the object's own path.
        let named = ["missing field `", "unknown field `"]
            .iter()
            .find_map(|prefix| inner.strip_prefix(prefix)?.split('`').next().map(str::to_string));
        let field = named.unwrap_or_else(|| {
            e.path()
                .iter()
                .next()
                .map(|segment| segment.to_string())
                .unwrap_or_default()
        });
        vec![field_error(&field, inner)]
    })
}

/// A settings problem, by field (the JSON property; empty for the whole object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// A [`FieldError`] for `field`.
pub fn field_error(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

/// The settings' properties: `config` must be a JSON object, or `null` for none.
pub fn object(config: &str) -> Result<Map<String, Value>, Vec<FieldError>> {
    let value: Value =
        serde_json::from_str(config).map_err(|e| vec![field_error("", format!("settings are not valid JSON: {e}"))])?;
    match value {
        Value::Object(o) => Ok(o),
        Value::Null => Ok(Map::new()),
        _ => Err(vec![field_error("", "settings must be a JSON object")]),
    }
}

/// A URL setting: blank is none; otherwise an absolute http(s) URL with a
/// host and no spaces or control characters, or an error naming `field`.
pub fn url(field: &str, text: &str) -> Result<Option<String>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let lower = text.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| field_error(field, "must be an http:// or https:// URL"))?;
    if rest.is_empty() || rest.starts_with('/') || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(field_error(field, "must be an absolute URL with a host and no spaces"));
    }
    Ok(Some(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_settings_are_absolute_http_urls() {
        assert_eq!(url("u", "  "), Ok(None));
        assert_eq!(
            url("u", " https://idp.test/sso ").unwrap().as_deref(),
            Some("https://idp.test/sso")
        );
        for bad in [
            "idp.test/sso",
            "ftp://idp.test",
            "https://",
            "https:///path",
            "https://idp.test/a b",
        ] {
            assert_eq!(url("u", bad).unwrap_err().field, "u", "{bad}");
        }
    }

    #[test]
    fn objects_and_null_are_settings() {
        assert_eq!(object(r#"{"a": 1}"#).unwrap().len(), 1);
        assert!(object("null").unwrap().is_empty());
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Greeting {
        greeting: String,
        #[serde(default)]
        times: u32,
    }

    impl JsonSettings for Greeting {
        const SCHEMA: &'static str = "{}";
    }

    #[test]
    fn serde_settings_name_the_field_at_fault() {
        let ok = Greeting::from_config(r#"{"greeting": "hi"}"#).unwrap();
        assert_eq!((ok.greeting.as_str(), ok.times), ("hi", 0));
        let cases = [
            (r#"{"greeting": "hi", "times": "x"}"#, "times"),
            (r#"{"times": 2}"#, "greeting"),
            (r#"{"greeting": "hi", "colour": 1}"#, "colour"),
            ("[]", ""),
        ];
        for (config, field) in cases {
            let errors = Greeting::from_config(config).unwrap_err();
            assert_eq!(errors.len(), 1, "{config}");
            assert_eq!(errors[0].field, field, "{config}: {}", errors[0].message);
        }
    }

    #[test]
    fn anything_else_is_refused_as_a_whole() {
        for bad in ["[]", "7", "{", ""] {
            let errors = object(bad).unwrap_err();
            assert_eq!(errors.len(), 1, "{bad}");
            assert_eq!(errors[0].field, "", "{bad}");
        }
    }
}
