//! A request filter whose settings hold a secret (`api_secret`, marked
//! `writeOnly` in its schema), for the end-to-end tests of secret handling:
//! `/secret-check` answers `match` when the `x-secret` header equals the
//! configured secret and `mismatch` otherwise, so a test can prove the host
//! handed the secret over (and kept it across an edit that omits it) without
//! the secret ever being shown back. It logs its `api_url` at init, never the
//! secret, so a test can see that its logs are captured.

use std::cell::RefCell;

wit_bindgen::generate!({ path: "../../../wit", world: "request-filter" });

use exports::exthost::plugin::metadata::{self, Environment, FieldError, Manifest};
use exports::exthost::plugin::on_request;
use exthost::plugin::log::{Level, log};
use exthost::plugin::types::{Context, HookError, HttpRequest, HttpResponse, RequestDecision};

const CONFIG_SCHEMA: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "api_url": { "type": "string", "title": "API URL" },
    "api_secret": { "type": "string", "title": "API secret", "writeOnly": true }
  }
}"#;

thread_local! {
    static SECRET: RefCell<Option<String>> = const { RefCell::new(None) };
}

struct Settings {
    api_url: String,
    api_secret: Option<String>,
}

fn field_error(field: &str, message: &str) -> Vec<FieldError> {
    vec![FieldError {
        field: field.into(),
        message: message.into(),
    }]
}

fn parse(config: &str) -> Result<Settings, Vec<FieldError>> {
    let value: serde_json::Value =
        serde_json::from_str(config).map_err(|_| field_error("", "settings are not valid JSON"))?;
    let text = |field: &str| match value.get(field) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(field_error(field, "must be text")),
    };
    Ok(Settings {
        api_url: text("api_url")?.unwrap_or_default(),
        api_secret: text("api_secret")?,
    })
}

struct SecretKeeper;

impl metadata::Guest for SecretKeeper {
    fn describe() -> Manifest {
        Manifest {
            name: "secret-keeper".into(),
            version: "0.1.0".into(),
            title: "Secret keeper test plugin".into(),
            description: "Checks a header against its secret setting.".into(),
            config_schema: CONFIG_SCHEMA.into(),
            capabilities: vec![],
        }
    }

    fn validate_config(config: String) -> Result<(), Vec<FieldError>> {
        parse(&config).map(drop)
    }

    fn init(_env: Environment, config: String) -> Result<(), Vec<FieldError>> {
        let settings = parse(&config)?;
        log(Level::Info, &format!("secret-keeper ready for {}", settings.api_url));
        SECRET.with(|s| *s.borrow_mut() = settings.api_secret);
        Ok(())
    }
}

impl on_request::Guest for SecretKeeper {
    fn handle(_ctx: Context, req: &HttpRequest) -> Result<RequestDecision, HookError> {
        if req.path() != "/secret-check" {
            return Ok(RequestDecision::Continue);
        }
        let presented = req.header("x-secret");
        let matches = SECRET.with(|s| {
            s.borrow()
                .as_deref()
                .is_some_and(|secret| presented.iter().any(|p| p == secret))
        });
        Ok(RequestDecision::Respond(HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: if matches {
                b"match".to_vec()
            } else {
                b"mismatch".to_vec()
            },
        }))
    }
}

export!(SecretKeeper);
