//! What a component says about itself (its `describe()`), checked at install:
//! a well-formed name and version, a settings schema that is a JSON object, and
//! the capabilities it asks for. Grants are the subset an admin allows.

use crate::bindings::metadata as wit;
use crate::error::InstallError;

/// A capability an extension asks for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "hosts")]
pub enum Capability {
    Kv,
    Messages,
    Data,
    OutboundHttp(Vec<String>),
}

/// A component's manifest, as checked at install.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    pub title: String,
    pub description: String,
    /// The settings' JSON Schema, parsed.
    pub config_schema: serde_json::Value,
    pub capabilities: Vec<Capability>,
}

impl Manifest {
    pub(crate) fn from_wit(m: wit::Manifest) -> Result<Manifest, InstallError> {
        let bad = |msg: String| InstallError::BadManifest(msg);
        let name_ok = !m.name.is_empty()
            && m.name.len() <= 64
            && m.name.starts_with(|c: char| c.is_ascii_lowercase())
            && m.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !name_ok {
            return Err(bad(format!(
                "name `{}` must be 1-64 lower-case letters, digits or `-`, starting with a letter",
                m.name
            )));
        }
        if m.version.trim().is_empty() || m.title.trim().is_empty() {
            return Err(bad("version and title must not be empty".into()));
        }
        let schema: serde_json::Value =
            serde_json::from_str(&m.config_schema).map_err(|e| bad(format!("config-schema is not JSON: {e}")))?;
        if schema.get("type").and_then(|t| t.as_str()) != Some("object") {
            return Err(bad(r#"config-schema must describe an object ("type": "object")"#.into()));
        }
        let capabilities = m
            .capabilities
            .into_iter()
            .map(|c| match c {
                wit::Capability::Kv => Capability::Kv,
                wit::Capability::Messages => Capability::Messages,
                wit::Capability::Data => Capability::Data,
                wit::Capability::OutboundHttp(hosts) => Capability::OutboundHttp(hosts),
            })
            .collect();
        Ok(Manifest {
            name: m.name,
            version: m.version,
            title: m.title,
            description: m.description,
            config_schema: schema,
            capabilities,
        })
    }

    /// The settings properties the schema marks secret (`"writeOnly": true`).
    pub fn secret_fields(&self) -> Vec<String> {
        let Some(props) = self.config_schema.get("properties").and_then(|p| p.as_object()) else {
            return Vec::new();
        };
        props
            .iter()
            .filter(|(_, p)| p.get("writeOnly").and_then(|w| w.as_bool()) == Some(true))
            .map(|(k, _)| k.clone())
            .collect()
    }
}

/// What the admin allowed an extension to use. Nothing is granted by default,
/// and a grant the manifest did not ask for is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    pub kv: bool,
    pub messages: bool,
    pub data: bool,
    pub outbound_http: Vec<String>,
}

impl Grants {
    /// Grant everything the manifest asks for.
    pub fn all_requested(manifest: &Manifest) -> Grants {
        let mut g = Grants::default();
        for c in &manifest.capabilities {
            match c {
                Capability::Kv => g.kv = true,
                Capability::Messages => g.messages = true,
                Capability::Data => g.data = true,
                Capability::OutboundHttp(hosts) => g.outbound_http.extend(hosts.iter().cloned()),
            }
        }
        g
    }

    /// Keep only what the manifest asked for.
    pub fn restricted_to(&self, manifest: &Manifest) -> Grants {
        let asked = Grants::all_requested(manifest);
        Grants {
            kv: self.kv && asked.kv,
            messages: self.messages && asked.messages,
            data: self.data && asked.data,
            outbound_http: self
                .outbound_http
                .iter()
                .filter(|h| asked.outbound_http.contains(h))
                .cloned()
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wit_manifest(name: &str, schema: &str) -> wit::Manifest {
        wit::Manifest {
            name: name.into(),
            version: "1.0.0".into(),
            title: "T".into(),
            description: "D".into(),
            config_schema: schema.into(),
            capabilities: vec![wit::Capability::Kv],
        }
    }

    #[test]
    fn accepts_a_good_manifest_and_finds_secrets() {
        let schema =
            r#"{"type":"object","properties":{"secret":{"type":"string","writeOnly":true},"x":{"type":"string"}}}"#;
        let m = Manifest::from_wit(wit_manifest("jwt-sso", schema)).unwrap();
        assert_eq!(m.secret_fields(), vec!["secret".to_string()]);
    }

    #[test]
    fn refuses_bad_names_and_schemas() {
        for name in ["", "Upper", "1abc", "a b", "ünï"] {
            assert!(
                Manifest::from_wit(wit_manifest(name, r#"{"type":"object"}"#)).is_err(),
                "{name}"
            );
        }
        for schema in ["", "[]", r#"{"type":"string"}"#] {
            assert!(Manifest::from_wit(wit_manifest("ok", schema)).is_err(), "{schema}");
        }
    }

    #[test]
    fn grants_never_exceed_the_request() {
        let m = Manifest::from_wit(wit_manifest("ok", r#"{"type":"object"}"#)).unwrap();
        let everything = Grants {
            kv: true,
            messages: true,
            data: true,
            outbound_http: vec!["evil.example".into()],
        };
        assert_eq!(
            everything.restricted_to(&m),
            Grants {
                kv: true,
                ..Grants::default()
            }
        );
    }
}
