//! Host-side bindings of `wit/`, generated for the `full` world so the host can
//! serve any component whose imports and exports are a subset of it. Generated
//! code stays private; the types embedders need are re-exported by name from
//! the crate root.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "full",
    additional_derives: [PartialEq],
    imports: {
        // The log import refuses oversized messages with a trap.
        "exthost:plugin/log.log": trappable,
        // A request handle that is not in the table is the guest's bug: trap.
        "exthost:plugin/types": trappable,
    },
    with: {
        "exthost:plugin/types.http-request": crate::request::RequestHandle,
    },
});

pub use exports::exthost::plugin::{metadata, on_login, on_message, on_purge_tick, on_request};
pub use exthost::plugin::types;
