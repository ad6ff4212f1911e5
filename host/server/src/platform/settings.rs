//! Settings as the admin sends them, checked and split before they are saved:
//! the JSON Schema of the extension's manifest is applied first (types, unknown
//! fields), then the extension's own `validate-config`; fields the schema marks
//! `writeOnly` are secrets, split off to be encrypted, and merged back only to
//! hand the extension its full settings.

use exthost_runtime::{FieldError, Manifest};
use serde_json::{Map, Value};

/// Check `settings` against the manifest's JSON Schema; every problem by field.
pub fn check_schema(manifest: &Manifest, settings: &Value) -> Result<(), Vec<FieldError>> {
    let validator = match jsonschema::validator_for(&manifest.config_schema) {
        Ok(v) => v,
        // The schema was checked at install; a schema the validator cannot use
        // leaves the extension's own validate-config as the only check.
        Err(_) => return Ok(()),
    };
    let secrets = manifest.secret_fields();
    let errors: Vec<FieldError> = validator
        .iter_errors(settings)
        .map(|e| {
            let path = e.instance_path().to_string();
            let field = path.trim_start_matches('/').split('/').next().unwrap_or("").to_string();
            let field = field_or_unexpected(field, &e.to_string(), settings);
            // The validator's message quotes the value: never echo a secret back.
            let message = if secrets.contains(&field) {
                "is not valid for this field (the value is secret and not shown)".to_string()
            } else {
                e.to_string()
            };
            FieldError { field, message }
        })
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// "Additional property" and "required property" errors are reported at the
/// object; name the property instead, so the admin sees it next to its field.
fn field_or_unexpected(field: String, message: &str, settings: &Value) -> String {
    if !field.is_empty() {
        return field;
    }
    if let Some(quoted) = message.strip_suffix(" is a required property")
        && let Some(name) = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"'))
    {
        return name.to_string();
    }
    settings
        .as_object()
        .and_then(|o| o.keys().find(|k| message.contains(&format!("'{k}'"))).cloned())
        .unwrap_or_default()
}

/// Settings split into what is stored in clear and the secrets.
#[derive(Debug, Default, PartialEq)]
pub struct Split {
    pub public: Map<String, Value>,
    pub secrets: Map<String, Value>,
}

/// Split `settings` by the manifest's secret fields.
pub fn split(manifest: &Manifest, settings: Map<String, Value>) -> Split {
    let secret_fields = manifest.secret_fields();
    let mut out = Split::default();
    for (k, v) in settings {
        if secret_fields.contains(&k) {
            out.secrets.insert(k, v);
        } else {
            out.public.insert(k, v);
        }
    }
    out
}

/// An edit's secrets: a secret the edit omits (or sends as null) keeps its
/// stored value; one sent as an empty string is cleared.
pub fn merge_secrets(stored: Map<String, Value>, edit: Map<String, Value>) -> Map<String, Value> {
    let mut merged = stored;
    for (k, v) in edit {
        match v {
            Value::Null => {}
            Value::String(s) if s.is_empty() => {
                merged.remove(&k);
            }
            v => {
                merged.insert(k, v);
            }
        }
    }
    merged
}

/// Values the platform computes for the admin to copy (e.g. JWT SSO's
/// Endpoint URL): schema properties marked `"readOnly": true` with an
/// `"x-exthost-value"` template, where `{base_url}` is the platform's URL and
/// any other `{placeholder}` is left for the reader.
pub fn computed(manifest: &Manifest, base_url: &str) -> Map<String, Value> {
    let Some(props) = manifest.config_schema.get("properties").and_then(|p| p.as_object()) else {
        return Map::new();
    };
    props
        .iter()
        .filter(|(_, p)| p.get("readOnly").and_then(Value::as_bool) == Some(true))
        .filter_map(|(k, p)| {
            let template = p.get("x-exthost-value")?.as_str()?;
            Some((
                k.clone(),
                Value::String(template.replace("{base_url}", base_url.trim_end_matches('/'))),
            ))
        })
        .collect()
}

/// Which secret fields hold a value: what the API shows instead of the values.
pub fn secrets_set(manifest: &Manifest, secrets: &Map<String, Value>) -> Map<String, Value> {
    manifest
        .secret_fields()
        .into_iter()
        .map(|f| (f.clone(), Value::Bool(secrets.contains_key(&f))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest() -> Manifest {
        Manifest {
            name: "x".into(),
            version: "1".into(),
            title: "X".into(),
            description: String::new(),
            config_schema: json!({
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "url": {"type": "string"},
                    "secret": {"type": "string", "writeOnly": true},
                    "days": {"type": "integer"}
                }
            }),
            capabilities: vec![],
        }
    }

    #[test]
    fn schema_errors_name_fields() {
        let errs = check_schema(&manifest(), &json!({"days": "ten", "colour": 1})).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"days"), "{errs:?}");
        assert!(fields.contains(&"colour"), "{errs:?}");
        assert!(check_schema(&manifest(), &json!({"days": 3})).is_ok());
    }

    #[test]
    fn computed_values_fill_in_the_base_url() {
        let mut m = manifest();
        m.config_schema["properties"]["endpoint"] = json!({
            "type": "string", "readOnly": true, "x-exthost-value": "{base_url}/cb?jwt={jwt_payload}"
        });
        m.config_schema["properties"]["not_read_only"] = json!({ "type": "string", "x-exthost-value": "{base_url}" });
        let computed = computed(&m, "https://acme.example/");
        assert_eq!(
            Value::Object(computed),
            json!({ "endpoint": "https://acme.example/cb?jwt={jwt_payload}" })
        );
    }

    #[test]
    fn schema_errors_never_quote_a_secret() {
        let errs = check_schema(&manifest(), &json!({"secret": ["sk-live-123"]})).unwrap_err();
        assert_eq!(errs[0].field, "secret");
        assert!(!errs[0].message.contains("sk-live-123"), "{}", errs[0].message);
    }

    #[test]
    fn secrets_split_and_merge() {
        let s = split(
            &manifest(),
            json!({"url": "u", "secret": "s"}).as_object().unwrap().clone(),
        );
        assert_eq!(Value::Object(s.public), json!({"url": "u"}));
        let kept = merge_secrets(s.secrets.clone(), Map::new());
        assert_eq!(Value::Object(kept.clone()), json!({"secret": "s"}));
        let cleared = merge_secrets(kept, json!({"secret": ""}).as_object().unwrap().clone());
        assert!(cleared.is_empty());
        assert_eq!(
            Value::Object(secrets_set(&manifest(), &s.secrets)),
            json!({"secret": true})
        );
    }
}
