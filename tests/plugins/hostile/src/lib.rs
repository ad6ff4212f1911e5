//! A hostile extension for the runtime's limit tests. Its on-request hook does
//! what the request path says: `/loop` spins forever, `/bomb` allocates until
//! memory runs out, `/recurse` recurses without end, `/trap` panics, `/flood`
//! passes a 100 MB string to the `log` import, and `/count` answers with how
//! many calls this instance has served (so a test can see a fresh instance).

use std::cell::Cell;
use std::hint::black_box;

wit_bindgen::generate!({ path: "../../../wit", world: "request-filter" });

use exports::exthost::plugin::metadata::{self, FieldError, Manifest};
use exports::exthost::plugin::on_request;
use exthost::plugin::log::{Level, log};
use exthost::plugin::types::{Context, Environment, HookError, HttpRequest, HttpResponse, RequestDecision};

thread_local! {
    static CALLS: Cell<u64> = const { Cell::new(0) };
}

struct Hostile;

impl metadata::Guest for Hostile {
    fn describe() -> Manifest {
        Manifest {
            name: "hostile".into(),
            version: "0.1.0".into(),
            title: "Hostile test plugin".into(),
            description: "Misbehaves on purpose.".into(),
            config_schema: r#"{"type":"object"}"#.into(),
            capabilities: vec![],
        }
    }

    fn validate_config(_config: String) -> Result<(), Vec<FieldError>> {
        Ok(())
    }

    fn init(_env: Environment, config: String) -> Result<(), Vec<FieldError>> {
        if config.contains("trap-in-init") {
            panic!("init told to trap");
        }
        Ok(())
    }
}

#[allow(unconditional_recursion)] // on purpose: the stack must overflow
fn recurse(depth: u64) -> u64 {
    // black_box keeps the call from becoming a loop.
    black_box(recurse(black_box(depth + 1))) + 1
}

impl on_request::Guest for Hostile {
    fn handle(_ctx: Context, req: &HttpRequest) -> Result<RequestDecision, HookError> {
        let calls = CALLS.with(|c| {
            c.set(c.get() + 1);
            c.get()
        });
        match req.path().as_str() {
            "/loop" => {
                let mut n = 0u64;
                loop {
                    n = black_box(n.wrapping_add(1));
                }
            }
            "/bomb" => {
                let mut hoard = Vec::new();
                loop {
                    hoard.push(black_box(vec![7u8; 1 << 20]));
                }
            }
            "/recurse" => {
                black_box(recurse(0));
            }
            "/trap" => panic!("hostile plugin panics on purpose"),
            "/flood" => log(Level::Info, &"x".repeat(100 << 20)),
            "/error" => {
                return Err(HookError {
                    code: "bad-input".into(),
                    message: "asked to fail".into(),
                });
            }
            _ => {}
        }
        Ok(RequestDecision::Respond(HttpResponse {
            status: 200,
            headers: vec![],
            body: calls.to_string().into_bytes(),
        }))
    }
}

export!(Hostile);
