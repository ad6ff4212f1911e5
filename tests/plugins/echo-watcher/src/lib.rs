//! A message watcher for the platform's ingest tests. Its on-message hook
//! annotates every received customer message with `echo.length = <bytes of the
//! body>`, holds a message whose body contains `HOLD`, and panics (traps) on a
//! message whose body contains `TRAP`, so a test can prove a message is stored
//! however its extensions behave. It annotates a closed intervention with
//! `echo.closed = <intervention id>`, so a test can count hook runs, and says
//! nothing about agent replies.

wit_bindgen::generate!({ path: "../../../wit", world: "message-watcher" });

use exports::exthost::plugin::metadata::{self, FieldError, Manifest};
use exports::exthost::plugin::on_message;
use exthost::plugin::types::{Annotation, Context, Environment, HookError, MessageEvent, MessageOutcome, Moderation};

struct EchoWatcher;

impl metadata::Guest for EchoWatcher {
    fn describe() -> Manifest {
        Manifest {
            name: "echo-watcher".into(),
            version: "0.1.0".into(),
            title: "Echo watcher test plugin".into(),
            description: "Annotates, holds or traps on messages, as their body says.".into(),
            config_schema: r#"{"type":"object"}"#.into(),
            capabilities: vec![],
        }
    }

    fn validate_config(_config: String) -> Result<(), Vec<FieldError>> {
        Ok(())
    }

    fn init(_env: Environment, _config: String) -> Result<(), Vec<FieldError>> {
        Ok(())
    }
}

fn annotation(key: &str, value: String) -> Annotation {
    Annotation { key: key.into(), value }
}

impl on_message::Guest for EchoWatcher {
    fn handle(_ctx: Context, event: MessageEvent) -> Result<MessageOutcome, HookError> {
        let outcome = match event {
            MessageEvent::Received(message) => {
                if message.body.contains("TRAP") {
                    panic!("echo-watcher traps on purpose");
                }
                let moderation = if message.body.contains("HOLD") {
                    Moderation::Hold("echo-watcher".into())
                } else {
                    Moderation::None
                };
                MessageOutcome {
                    annotations: vec![annotation("echo.length", message.body.len().to_string())],
                    moderation,
                }
            }
            MessageEvent::Replied(_) => MessageOutcome {
                annotations: vec![],
                moderation: Moderation::None,
            },
            MessageEvent::InterventionClosed(intervention) => MessageOutcome {
                annotations: vec![annotation("echo.closed", intervention.id)],
                moderation: Moderation::None,
            },
        };
        Ok(outcome)
    }
}

export!(EchoWatcher);
