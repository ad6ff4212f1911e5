//! Settings as the host hands them to `validate-config` and `init`: a JSON
//! object, or `null` for none. Problems are reported per field so the admin
//! sees each one next to its field.

use serde_json::{Map, Value};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_and_null_are_settings() {
        assert_eq!(object(r#"{"a": 1}"#).unwrap().len(), 1);
        assert!(object("null").unwrap().is_empty());
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
