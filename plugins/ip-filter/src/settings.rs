//! The extension's settings: parsing and validation of the JSON object the admin
//! saves, and the [`Filter`] it becomes. Each refusal names the field and the line.

use crate::client::client_addr;
use crate::rules::{RangeSet, parse_list};
pub use exthost_sdk::settings::FieldError;
use exthost_sdk::settings::field_error;
use std::net::IpAddr;

/// The settings' JSON Schema, as shown in the admin's form.
pub const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "whitelisted_ips": {
      "type": "string",
      "title": "Whitelisted IPs",
      "description": "Addresses allowed to access the platform, one IPv4 or IPv6 address or CIDR range per line. If the list is empty, all addresses are allowed.",
      "default": "",
      "maxLength": 1000000,
      "x-widget": "textarea"
    },
    "trusted_proxies": {
      "type": "string",
      "title": "Trusted proxies",
      "description": "Reverse proxies in front of the platform, one address or CIDR range per line. X-Forwarded-For is read only from these.",
      "default": "",
      "maxLength": 1000000,
      "x-widget": "textarea"
    }
  }
}"#;

/// Applied settings: who may pass.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    allow: RangeSet,
    trusted_proxies: RangeSet,
}

impl Filter {
    /// Parse and check settings; every problem is reported, not just the first.
    pub fn from_config(config: &str) -> Result<Filter, Vec<FieldError>> {
        let object = exthost_sdk::settings::object(config)?;
        let mut errors = Vec::new();
        let mut filter = Filter::default();
        for (key, value) in &object {
            let target = match key.as_str() {
                "whitelisted_ips" => &mut filter.allow,
                "trusted_proxies" => &mut filter.trusted_proxies,
                _ => {
                    errors.push(field_error(key, "unknown setting"));
                    continue;
                }
            };
            let text = match value {
                serde_json::Value::String(s) => s.as_str(),
                serde_json::Value::Null => "",
                _ => {
                    errors.push(field_error(key, "must be text, one entry per line"));
                    continue;
                }
            };
            match parse_list(text) {
                Ok(set) => *target = set,
                Err(lines) => errors.extend(lines.into_iter().map(|m| field_error(key, m))),
            }
        }
        if errors.is_empty() { Ok(filter) } else { Err(errors) }
    }

    /// How many allow-list entries are in force.
    pub fn allow_len(&self) -> usize {
        self.allow.len()
    }

    /// `Ok` if the request may pass, else the reason it may not.
    /// `forwarded_for` gives the `X-Forwarded-For` values, and is asked only
    /// when the peer is a trusted proxy (reading headers has a cost in wasm).
    pub fn check(&self, peer_addr: &str, forwarded_for: impl FnOnce() -> Vec<String>) -> Result<(), String> {
        if self.allow.is_empty() {
            return Ok(());
        }
        let peer: IpAddr = peer_addr
            .parse()
            .map_err(|_| format!("peer address `{peer_addr}` is not an IP address"))?;
        let client = client_addr(peer, forwarded_for, &self.trusted_proxies)?;
        if self.allow.contains(client) {
            Ok(())
        } else {
            Err(format!("{client} is not on the allow-list"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(json: &str) -> Filter {
        Filter::from_config(json).expect("valid settings")
    }

    fn no_headers() -> Vec<String> {
        Vec::new()
    }

    #[test]
    fn empty_list_allows_everyone() {
        for json in [
            "{}",
            "null",
            r#"{"whitelisted_ips": ""}"#,
            r#"{"whitelisted_ips": "\n# none\n"}"#,
        ] {
            assert_eq!(filter(json).check("203.0.113.1", no_headers), Ok(()), "{json}");
        }
    }

    #[test]
    fn list_is_enforced() {
        let f = filter(r#"{"whitelisted_ips": "10.0.0.0/8\n2001:db8::/32"}"#);
        assert!(f.check("10.2.3.4", no_headers).is_ok());
        assert!(f.check("2001:db8::5", no_headers).is_ok());
        assert!(f.check("::ffff:10.2.3.4", no_headers).is_ok());
        assert!(f.check("11.2.3.4", no_headers).is_err());
        assert!(f.check("not-an-ip", no_headers).is_err());
    }

    #[test]
    fn refusals_name_the_field_and_line() {
        let errs = Filter::from_config(
            r#"{"whitelisted_ips": "10.0.0.1/33\n010.0.0.1\nbanana", "trusted_proxies": 5, "colour": "red"}"#,
        )
        .unwrap_err();
        let ips: Vec<_> = errs.iter().filter(|e| e.field == "whitelisted_ips").collect();
        assert_eq!(ips.len(), 3);
        assert!(ips[0].message.starts_with("line 1:"));
        assert!(ips[1].message.starts_with("line 2:"));
        assert!(ips[2].message.starts_with("line 3:"));
        assert!(errs.iter().any(|e| e.field == "trusted_proxies"));
        assert!(errs.iter().any(|e| e.field == "colour"));
    }

    #[test]
    fn not_an_object_is_refused() {
        assert!(Filter::from_config("[]").is_err());
        assert!(Filter::from_config("{").is_err());
    }

    #[test]
    fn schema_is_valid_json() {
        let _: serde_json::Value = serde_json::from_str(CONFIG_SCHEMA).unwrap();
    }
}
