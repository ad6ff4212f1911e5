//! The WIT adapter: exports `metadata` and `on-request` for the `request-filter`
//! world. Settings are parsed once in `init`; `handle` only matches.

use crate::settings::{CONFIG_SCHEMA, FieldError, Filter};
use std::cell::RefCell;

wit_bindgen::generate!({ path: "../../wit", world: "request-filter" });

use exports::exthost::plugin::metadata::{self, Manifest};
use exports::exthost::plugin::on_request;
use exthost::plugin::log::{Level, log};
use exthost::plugin::types::{Context, Environment, HookError, HttpRequest, RequestDecision};

thread_local! {
    static FILTER: RefCell<Option<Filter>> = const { RefCell::new(None) };
}

struct IpFilter;

fn to_wit(errors: Vec<FieldError>) -> Vec<metadata::FieldError> {
    errors
        .into_iter()
        .map(|e| metadata::FieldError {
            field: e.field,
            message: e.message,
        })
        .collect()
}

impl metadata::Guest for IpFilter {
    fn describe() -> Manifest {
        Manifest {
            name: "ip-filter".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            title: "IP filtering".into(),
            description: "Only addresses on the allow-list can access the platform.".into(),
            config_schema: CONFIG_SCHEMA.into(),
            capabilities: vec![],
        }
    }

    fn validate_config(config: String) -> Result<(), Vec<metadata::FieldError>> {
        Filter::from_config(&config).map(drop).map_err(to_wit)
    }

    fn init(_env: Environment, config: String) -> Result<(), Vec<metadata::FieldError>> {
        let filter = Filter::from_config(&config).map_err(to_wit)?;
        log(Level::Debug, &format!("allow-list of {} entries", filter.allow_len()));
        FILTER.with(|f| *f.borrow_mut() = Some(filter));
        Ok(())
    }
}

impl on_request::Guest for IpFilter {
    fn handle(_ctx: Context, req: &HttpRequest) -> Result<RequestDecision, HookError> {
        FILTER.with(|f| {
            let f = f.borrow();
            let filter = f.as_ref().ok_or_else(|| HookError {
                code: "not-initialized".into(),
                message: "init was not called".into(),
            })?;
            let forwarded_for = || req.header("x-forwarded-for");
            Ok(match filter.check(&req.peer_addr(), forwarded_for) {
                Ok(()) => RequestDecision::Continue,
                Err(reason) => RequestDecision::Deny(reason),
            })
        })
    }
}

export!(IpFilter);
