//! The extension's settings, the seed's: what to purge (each on/off), the
//! retention period in days and the channels (blank: all). A retention that
//! is missing, zero, negative or not a whole number is refused, so a purge
//! with it can never be saved, started or run. Each refusal names the field.

pub use exthost_sdk::settings::FieldError;
use exthost_sdk::settings::field_error;
use serde_json::Value;

/// The settings' JSON Schema, as shown in the admin's form.
pub const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["retention_days"],
  "properties": {
    "purge_threads": {
      "type": "boolean",
      "title": "Purge threads",
      "description": "When no activity (no message from the client nor from the agent) happened in a thread of the selected channels for the retention period, the thread, its messages, its interventions and the comments on them are permanently deleted.",
      "default": false
    },
    "purge_events": {
      "type": "boolean",
      "title": "Purge events",
      "description": "Admin audit log events older than the retention period are permanently deleted.",
      "default": false
    },
    "purge_identities": {
      "type": "boolean",
      "title": "Purge identities",
      "description": "Identities of the selected channels that no message links any more (their messages were purged) are deleted, and an identity group with its last identity. Takes effect only with Purge threads on.",
      "default": false
    },
    "purge_stats": {
      "type": "boolean",
      "title": "Purge stats",
      "description": "Statistics of the selected channels older than the retention period are permanently deleted.",
      "default": false
    },
    "purge_agent_activities": {
      "type": "boolean",
      "title": "Purge agent activities",
      "description": "Agents' presence and activity records older than the retention period are permanently deleted.",
      "default": false
    },
    "retention_days": {
      "type": "integer",
      "title": "Retention period (in days)",
      "description": "How long data is kept. At least 1.",
      "minimum": 1,
      "maximum": 36500
    },
    "channels": {
      "type": "string",
      "title": "Channels",
      "description": "The channels on which to purge data: channel ids, one per line or separated by commas. Leave blank for all channels.",
      "default": "",
      "maxLength": 100000,
      "x-widget": "textarea"
    }
  }
}"#;

/// The longest retention accepted (a century), so the cutoff never underflows.
pub const MAX_RETENTION_DAYS: i64 = 36_500;

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// Applied settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub threads: bool,
    pub events: bool,
    pub identities: bool,
    pub stats: bool,
    pub agent_activities: bool,
    /// Always at least 1.
    pub retention_days: u32,
    /// Empty: every channel.
    pub channels: Vec<String>,
}

impl Settings {
    /// Parse and check settings; every problem is reported, not just the first.
    pub fn from_config(config: &str) -> Result<Settings, Vec<FieldError>> {
        let object = exthost_sdk::settings::object(config)?;
        let mut errors = Vec::new();
        let mut settings = Settings::default();
        let mut retention = None;
        for (key, value) in &object {
            let flag = match key.as_str() {
                "purge_threads" => Some(&mut settings.threads),
                "purge_events" => Some(&mut settings.events),
                "purge_identities" => Some(&mut settings.identities),
                "purge_stats" => Some(&mut settings.stats),
                "purge_agent_activities" => Some(&mut settings.agent_activities),
                _ => None,
            };
            if let Some(flag) = flag {
                match value {
                    Value::Bool(on) => *flag = *on,
                    Value::Null => {}
                    _ => errors.push(field_error(key, "must be true or false")),
                }
                continue;
            }
            match key.as_str() {
                "retention_days" => retention = Some(value),
                "channels" => match value {
                    Value::String(text) => settings.channels = parse_channels(text),
                    Value::Null => {}
                    _ => errors.push(field_error(
                        key,
                        "must be text: channel ids, one per line or comma-separated",
                    )),
                },
                _ => errors.push(field_error(key, "unknown setting")),
            }
        }
        match retention {
            None | Some(Value::Null) => errors.push(field_error(
                "retention_days",
                "is required: the number of days data is kept",
            )),
            Some(value) => match value.as_i64() {
                Some(days) if (1..=MAX_RETENTION_DAYS).contains(&days) => {
                    settings.retention_days = u32::try_from(days).unwrap_or(1);
                }
                Some(_) => errors.push(field_error(
                    "retention_days",
                    format!("must be from 1 to {MAX_RETENTION_DAYS} days"),
                )),
                None => errors.push(field_error("retention_days", "must be a whole number of days")),
            },
        }
        if errors.is_empty() { Ok(settings) } else { Err(errors) }
    }

    /// The oldest instant kept: rows strictly older than it go.
    pub fn cutoff(&self, now: u64) -> u64 {
        now.saturating_sub(u64::from(self.retention_days.max(1)) * DAY_MS)
    }

    /// Identities are only ever orphaned by the thread purge, so they are purged only with it.
    pub fn purges_identities(&self) -> bool {
        self.identities && self.threads
    }
}

fn parse_channels(text: &str) -> Vec<String> {
    let mut ids: Vec<String> = text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_settings_parse() {
        let s = Settings::from_config(
            r#"{"purge_threads": true, "purge_events": false, "purge_identities": true, "purge_stats": true,
                "purge_agent_activities": true, "retention_days": 30, "channels": "b\n a, b"}"#,
        )
        .unwrap();
        assert!(s.threads && s.identities && s.stats && s.agent_activities && !s.events);
        assert_eq!(s.retention_days, 30);
        assert_eq!(s.channels, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(s.cutoff(31 * DAY_MS), DAY_MS);
    }

    #[test]
    fn retention_missing_zero_negative_or_fractional_is_refused() {
        for json in [
            "{}",
            r#"{"retention_days": null}"#,
            r#"{"retention_days": 0}"#,
            r#"{"retention_days": -5}"#,
            r#"{"retention_days": 1.5}"#,
            r#"{"retention_days": "30"}"#,
            r#"{"retention_days": 36501}"#,
            r#"{"purge_threads": true}"#,
        ] {
            let errors = Settings::from_config(json).unwrap_err();
            assert!(errors.iter().any(|e| e.field == "retention_days"), "{json}: {errors:?}");
        }
    }

    #[test]
    fn identities_need_the_thread_purge() {
        let s = Settings::from_config(r#"{"purge_identities": true, "retention_days": 1}"#).unwrap();
        assert!(!s.purges_identities());
    }

    #[test]
    fn refusals_name_the_field() {
        let errors = Settings::from_config(r#"{"purge_threads": "yes", "channels": [1], "retention_days": 3, "x": 1}"#)
            .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields.len(), 3, "{errors:?}");
        for f in ["purge_threads", "channels", "x"] {
            assert!(fields.contains(&f), "{f}: {errors:?}");
        }
    }

    #[test]
    fn schema_is_valid_json_with_the_seeds_titles() {
        let schema: Value = serde_json::from_str(CONFIG_SCHEMA).unwrap();
        assert_eq!(
            schema["properties"]["retention_days"]["title"],
            "Retention period (in days)"
        );
        assert_eq!(schema["properties"]["purge_threads"]["title"], "Purge threads");
        assert_eq!(schema["required"][0], "retention_days");
    }
}
