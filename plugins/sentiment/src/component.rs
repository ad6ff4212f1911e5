//! The extension as the SDK sees it: the manifest, the settings and the
//! on-message hook. The lexicon and the settings are parsed once, at `init`;
//! the hook only scores customer messages of the selected channels.

use crate::analyser::Analyser;
use crate::language::{ENGLISH, Language};
use crate::settings::{CONFIG_SCHEMA, FieldError, Settings};
use exthost_sdk::types::{Annotation, Context, Environment, HookError, MessageEvent, MessageOutcome};
use exthost_sdk::{Extension, Manifest, OnMessage, field_error};

impl exthost_sdk::Settings for Settings {
    const SCHEMA: &'static str = CONFIG_SCHEMA;

    fn from_config(config: &str) -> Result<Settings, Vec<FieldError>> {
        Settings::from_config(config)
    }
}

/// The extension: what `init` prepared for the hooks of this instance.
pub struct Sentiment {
    settings: Settings,
    analyser: Analyser,
}

impl Extension for Sentiment {
    type Settings = Settings;

    fn manifest() -> Manifest {
        Manifest {
            name: "sentiment",
            version: env!("CARGO_PKG_VERSION"),
            title: "Sentiment analysis",
            description: "Marks each customer message of the selected channels positive, neutral or negative, with a score.",
            capabilities: vec![],
        }
    }

    fn new(_env: Environment, settings: Settings) -> Result<Sentiment, Vec<FieldError>> {
        // The lexicon is embedded, so this fails only if a shipped file is broken.
        let lang = Language::parse(&ENGLISH).map_err(|e| vec![field_error("", e.to_string())])?;
        exthost_sdk::debug!(
            "{} lexicon entries; channels: {}",
            lang.lexicon_len(),
            settings.channel_count().map_or("all".to_string(), |n| n.to_string())
        );
        Ok(Sentiment {
            settings,
            analyser: Analyser::new(lang),
        })
    }
}

impl OnMessage for Sentiment {
    fn on_message(&self, _ctx: Context, event: MessageEvent) -> Result<MessageOutcome, HookError> {
        // Agents' replies and closed interventions say nothing of the customer's mood.
        let MessageEvent::Received(message) = event else {
            return Ok(MessageOutcome::none());
        };
        let mut outcome = MessageOutcome::none();
        outcome.annotations = crate::annotate(&self.settings, &self.analyser, &message.channel_id, &message.body)
            .into_iter()
            .map(|(key, value)| Annotation::new(key, value))
            .collect();
        Ok(outcome)
    }
}

exthost_sdk::export!(Sentiment with [on_message]);
