//! The extension's settings: the channels to analyse. The admin writes channel
//! ids one per line or separated by commas; blank means every channel. Each
//! refusal names the field.

use crate::language::FastHasher;
pub use exthost_sdk::settings::FieldError;
use exthost_sdk::settings::field_error;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;

/// The admin's channel ids. The set is built from the settings and only looked
/// up per message, never grown by it, so SipHash's flooding defence buys
/// nothing, and every message pays for a hash: FxHash's mix instead.
type Channels = HashSet<String, BuildHasherDefault<FastHasher>>;

/// The settings' JSON Schema, as shown in the admin's form.
pub const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "channels": {
      "type": "string",
      "title": "Channels",
      "description": "The channels on which to perform sentiment analysis: channel ids, one per line or separated by commas. Leave blank for all channels.",
      "default": "",
      "maxLength": 100000,
      "x-widget": "textarea"
    }
  }
}"#;

/// Applied settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// `None`: every channel.
    channels: Option<Channels>,
}

impl Settings {
    /// Parse and check settings; every problem is reported, not just the first.
    pub fn from_config(config: &str) -> Result<Settings, Vec<FieldError>> {
        let object = exthost_sdk::settings::object(config)?;
        let mut errors = Vec::new();
        let mut settings = Settings::default();
        for (key, value) in &object {
            match (key.as_str(), value) {
                ("channels", serde_json::Value::String(text)) => settings.channels = parse_channels(text),
                ("channels", serde_json::Value::Null) => {}
                ("channels", _) => errors.push(field_error(
                    key,
                    "must be text: channel ids, one per line or comma-separated",
                )),
                _ => errors.push(field_error(key, "unknown setting")),
            }
        }
        if errors.is_empty() { Ok(settings) } else { Err(errors) }
    }

    /// Whether messages of `channel_id` are analysed.
    pub fn selects(&self, channel_id: &str) -> bool {
        self.channels.as_ref().is_none_or(|c| c.contains(channel_id))
    }

    /// How many channels are selected; `None` for all.
    pub fn channel_count(&self) -> Option<usize> {
        self.channels.as_ref().map(Channels::len)
    }
}

fn parse_channels(text: &str) -> Option<Channels> {
    let ids: Channels = text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect();
    if ids.is_empty() { None } else { Some(ids) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_selects_every_channel() {
        for json in [
            "{}",
            "null",
            r#"{"channels": ""}"#,
            r#"{"channels": " \n , "}"#,
            r#"{"channels": null}"#,
        ] {
            let s = Settings::from_config(json).unwrap();
            assert!(s.selects("anything"), "{json}");
            assert_eq!(s.channel_count(), None);
        }
    }

    #[test]
    fn lines_and_commas_both_separate() {
        let s = Settings::from_config(r#"{"channels": "ch1\r\nch2, ch3,\n\nch4"}"#).unwrap();
        assert_eq!(s.channel_count(), Some(4));
        for id in ["ch1", "ch2", "ch3", "ch4"] {
            assert!(s.selects(id), "{id}");
        }
        assert!(!s.selects("ch5"));
        assert!(!s.selects(""));
    }

    #[test]
    fn refusals_name_the_field() {
        let errs = Settings::from_config(r#"{"channels": ["ch1"], "language": "fr"}"#).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs.iter().any(|e| e.field == "channels"));
        assert!(
            errs.iter()
                .any(|e| e.field == "language" && e.message == "unknown setting")
        );
        assert!(Settings::from_config("[]").is_err());
        assert!(Settings::from_config("{").is_err());
    }

    #[test]
    fn schema_is_valid_json() {
        let schema: serde_json::Value = serde_json::from_str(CONFIG_SCHEMA).unwrap();
        assert_eq!(schema["properties"]["channels"]["title"], "Channels");
    }
}
