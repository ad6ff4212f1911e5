//! Secrets the platform makes for an extension: a `writeOnly` settings
//! property with `"x-exthost-generate": "rsa-2048"` that is empty when settings
//! are saved gets a fresh RSA-2048 private key (PKCS#8 PEM), which then lives
//! like any secret (encrypted at rest, never shown, kept by edits that omit
//! it, replaced by clearing it). Key generation happens here, natively, because
//! inside a guest it takes longer than a hook's deadline (see BENCHMARKS.md);
//! the host knows nothing of what the key is for (SAML's SP key uses it).

use exthost_runtime::Manifest;
use rsa::RsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use serde_json::{Map, Value};

/// The schema keyword and the one kind of secret it can ask for.
const KEYWORD: &str = "x-exthost-generate";
const RSA_2048: &str = "rsa-2048";

/// Why a secret could not be made.
#[derive(Debug, thiserror::Error)]
#[error("generating the secret `{field}`: {message}")]
pub struct GenerateError {
    pub field: String,
    pub message: String,
}

/// The writeOnly properties that ask to be generated, by name.
pub fn fields(manifest: &Manifest) -> Vec<String> {
    let secret = manifest.secret_fields();
    manifest
        .config_schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .filter(|(k, p)| secret.contains(k) && p.get(KEYWORD).and_then(Value::as_str) == Some(RSA_2048))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

fn is_empty(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

/// Fill each empty generated field of `values` with a new key. Blocking: call
/// it off the async workers.
pub fn fill(fields: &[String], values: &mut Map<String, Value>) -> Result<(), GenerateError> {
    for field in fields {
        if !is_empty(values.get(field)) {
            continue;
        }
        let error = |message: String| GenerateError {
            field: field.clone(),
            message,
        };
        let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(|e| error(e.to_string()))?;
        let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| error(e.to_string()))?;
        values.insert(field.clone(), Value::String(pem.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fills_only_empty_generated_fields() {
        let fields = vec!["key".to_string()];
        let mut values = Map::new();
        fill(&fields, &mut values).unwrap();
        let pem = values["key"].as_str().unwrap().to_string();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        // A set key is kept; an empty one is made anew.
        fill(&fields, &mut values).unwrap();
        assert_eq!(values["key"], json!(pem));
        values.insert("key".into(), json!(""));
        fill(&fields, &mut values).unwrap();
        assert_ne!(values["key"], json!(pem));
    }
}
