//! The extension as the SDK sees it: the manifest, the settings ([`Filter`])
//! and the on-request hook. Settings are parsed once, at `init`; the hook only
//! matches.

use crate::settings::{CONFIG_SCHEMA, FieldError, Filter};
use exthost_sdk::types::{Context, Environment, HookError, HttpRequest, RequestDecision};
use exthost_sdk::{Extension, Manifest, OnRequest, Settings};

impl Settings for Filter {
    const SCHEMA: &'static str = CONFIG_SCHEMA;

    fn from_config(config: &str) -> Result<Filter, Vec<FieldError>> {
        Filter::from_config(config)
    }
}

/// The extension: the filter in force.
pub struct IpFilter {
    filter: Filter,
}

impl Extension for IpFilter {
    type Settings = Filter;

    fn manifest() -> Manifest {
        Manifest {
            name: "ip-filter",
            version: env!("CARGO_PKG_VERSION"),
            title: "IP filtering",
            description: "Only addresses on the allow-list can access the platform.",
            capabilities: vec![],
        }
    }

    fn new(_env: Environment, filter: Filter) -> Result<IpFilter, Vec<FieldError>> {
        exthost_sdk::debug!("allow-list of {} entries", filter.allow_len());
        Ok(IpFilter { filter })
    }
}

impl OnRequest for IpFilter {
    fn on_request(&self, _ctx: Context, req: &HttpRequest) -> Result<RequestDecision, HookError> {
        let forwarded_for = || req.header("x-forwarded-for");
        Ok(match self.filter.check(&req.peer_addr(), forwarded_for) {
            Ok(()) => RequestDecision::Continue,
            Err(reason) => RequestDecision::Deny(reason),
        })
    }
}

exthost_sdk::export!(IpFilter with [on_request]);
