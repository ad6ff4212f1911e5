//! The WIT adapter: exports `metadata` and `on-message` for the
//! `message-watcher` world. The lexicon and the settings are parsed once, in
//! `init`; `handle` only scores customer messages of the selected channels.

use crate::analyser::Analyser;
use crate::language::{ENGLISH, Language};
use crate::settings::{CONFIG_SCHEMA, FieldError, Settings};
use std::cell::RefCell;

wit_bindgen::generate!({ path: "../../wit", world: "message-watcher" });

use exports::exthost::plugin::metadata::{self, Manifest};
use exports::exthost::plugin::on_message;
use exthost::plugin::log::{Level, log};
use exthost::plugin::types::{Annotation, Context, Environment, HookError, MessageEvent, MessageOutcome, Moderation};

/// What `init` prepared for the hooks of this instance.
struct State {
    settings: Settings,
    analyser: Analyser,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

struct Sentiment;

fn to_wit(errors: Vec<FieldError>) -> Vec<metadata::FieldError> {
    errors
        .into_iter()
        .map(|e| metadata::FieldError {
            field: e.field,
            message: e.message,
        })
        .collect()
}

impl metadata::Guest for Sentiment {
    fn describe() -> Manifest {
        Manifest {
            name: "sentiment".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            title: "Sentiment analysis".into(),
            description:
                "Marks each customer message of the selected channels positive, neutral or negative, with a score."
                    .into(),
            config_schema: CONFIG_SCHEMA.into(),
            capabilities: vec![],
        }
    }

    fn validate_config(config: String) -> Result<(), Vec<metadata::FieldError>> {
        Settings::from_config(&config).map(drop).map_err(to_wit)
    }

    fn init(_env: Environment, config: String) -> Result<(), Vec<metadata::FieldError>> {
        let settings = Settings::from_config(&config).map_err(to_wit)?;
        // The lexicon is embedded, so this fails only if a shipped file is broken.
        let lang = Language::parse(&ENGLISH).map_err(|e| {
            vec![metadata::FieldError {
                field: String::new(),
                message: e.to_string(),
            }]
        })?;
        log(
            Level::Debug,
            &format!(
                "{} lexicon entries; channels: {}",
                lang.lexicon_len(),
                settings.channel_count().map_or("all".to_string(), |n| n.to_string())
            ),
        );
        let state = State {
            settings,
            analyser: Analyser::new(lang),
        };
        STATE.with(|s| *s.borrow_mut() = Some(state));
        Ok(())
    }
}

impl on_message::Guest for Sentiment {
    fn handle(_ctx: Context, event: MessageEvent) -> Result<MessageOutcome, HookError> {
        // Agents' replies and closed interventions say nothing of the customer's mood.
        let MessageEvent::Received(message) = event else {
            return Ok(MessageOutcome {
                annotations: vec![],
                moderation: Moderation::None,
            });
        };
        STATE.with(|s| {
            let s = s.borrow();
            let state = s.as_ref().ok_or_else(|| HookError {
                code: "not-initialized".into(),
                message: "init was not called".into(),
            })?;
            let annotations = crate::annotate(&state.settings, &state.analyser, &message.channel_id, &message.body)
                .into_iter()
                .map(|(key, value)| Annotation { key: key.into(), value })
                .collect();
            Ok(MessageOutcome {
                annotations,
                moderation: Moderation::None,
            })
        })
    }
}

export!(Sentiment);
