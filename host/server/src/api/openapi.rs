//! The OpenAPI document of the admin API, served at `/api/v1/openapi.json`.
//! Written by hand next to the routes; a test checks every route is in it.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::Arc;

pub fn router() -> Router<Arc<crate::state::AppState>> {
    Router::new().route("/openapi.json", get(|| async { Json(document()) }))
}

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn ok(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

/// A required JSON request body of schema `name`.
fn body(name: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{name}") } } } })
}

/// The document: paths relative to `/api/v1`.
pub fn document() -> Value {
    let unauthorized = error_response("missing or wrong admin token");
    let invalid = error_response("settings refused, with a message per field");
    let not_found = error_response("no such extension");
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": { "title": "exthost admin API", "version": "0.1.0" },
        "servers": [{ "url": "/api/v1" }],
        "security": [{ "bearer": [] }],
        "paths": {
            "/extensions": {
                "get": {
                    "summary": "The enabled extensions, in hook order",
                    "responses": { "200": ok("the list", json!({"type": "object", "properties": {"extensions": {"type": "array", "items": {"$ref": "#/components/schemas/Extension"}}}})), "401": unauthorized }
                },
                "post": {
                    "summary": "Add (enable) an extension with settings",
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AddExtension" } } } },
                    "responses": { "201": ok("added", json!({"$ref": "#/components/schemas/Extension"})), "400": error_response("malformed body"), "401": unauthorized, "404": error_response("no such component"), "422": invalid }
                }
            },
            "/extensions/{id}": {
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "get": { "summary": "One enabled extension", "responses": { "200": ok("the extension", json!({"$ref": "#/components/schemas/Extension"})), "401": unauthorized, "404": not_found } },
                "put": {
                    "summary": "Edit settings (secrets omitted are kept) and switch on or off",
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/EditExtension" } } } },
                    "responses": { "200": ok("saved", json!({"$ref": "#/components/schemas/Extension"})), "400": error_response("malformed body"), "401": unauthorized, "404": not_found, "422": invalid }
                },
                "delete": { "summary": "Delete", "responses": { "204": { "description": "deleted" }, "401": unauthorized, "404": not_found } }
            },
            "/components": {
                "get": { "summary": "Extensions available to add, with their settings schema", "responses": { "200": ok("the list", json!({"type": "object"})), "401": unauthorized } },
                "post": {
                    "summary": "Upload a component (the raw .wasm bytes)",
                    "requestBody": { "required": true, "content": { "application/wasm": { "schema": { "type": "string", "format": "binary" } } } },
                    "responses": { "201": ok("installed", json!({"type": "object"})), "401": unauthorized, "413": error_response("too large"), "422": error_response("not a valid exthost component") }
                }
            },
            "/events": {
                "get": {
                    "summary": "The admin audit log, newest first",
                    "parameters": [
                        { "name": "prefix", "in": "query", "schema": { "type": "string" } },
                        { "name": "limit", "in": "query", "schema": { "type": "integer", "maximum": 1000 } }
                    ],
                    "responses": { "200": ok("the events", json!({"type": "object"})), "401": unauthorized }
                }
            },
            "/channels": {
                "get": { "summary": "Every channel, by name", "responses": { "200": ok("the list", json!({"type": "object", "properties": {"channels": {"type": "array", "items": {"$ref": "#/components/schemas/Channel"}}}})), "401": unauthorized } },
                "post": {
                    "summary": "Create a channel, and its community if missing",
                    "requestBody": body("NewChannel"),
                    "responses": { "201": ok("created", json!({"$ref": "#/components/schemas/Channel"})), "400": error_response("malformed body"), "401": unauthorized, "422": error_response("the channel id is taken") }
                }
            },
            "/messages": {
                "post": {
                    "summary": "Post a customer message or an agent reply; runs the on-message hooks",
                    "description": "The message is stored before any hook runs, so it is never lost; the answer carries the annotations and moderation the hooks decided.",
                    "requestBody": body("PostMessage"),
                    "responses": { "201": ok("stored", json!({"$ref": "#/components/schemas/Message"})), "400": error_response("malformed body"), "401": unauthorized, "404": error_response("no such channel or agent"), "422": error_response("the thread belongs to another channel, or the identity to another community") }
                }
            },
            "/threads/{id}/messages": {
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "get": { "summary": "A thread's messages, oldest first", "responses": { "200": ok("the messages", json!({"type": "object", "properties": {"thread_id": {"type": "string"}, "messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}}}})), "401": unauthorized, "404": error_response("no such thread") } }
            },
            "/interventions": {
                "post": {
                    "summary": "Open an intervention: an agent handles a customer's thread",
                    "requestBody": body("OpenIntervention"),
                    "responses": { "201": ok("opened", json!({"$ref": "#/components/schemas/Intervention"})), "400": error_response("malformed body"), "401": unauthorized, "404": error_response("no such thread, identity or agent") }
                }
            },
            "/interventions/{id}/close": {
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "post": {
                    "summary": "Close an intervention; runs the on-message hooks with intervention-closed, once",
                    "responses": { "200": ok("closed", json!({"$ref": "#/components/schemas/Closed"})), "401": unauthorized, "404": error_response("no such intervention") }
                }
            },
            "/channels/{id}/sentiment": {
                "parameters": [
                    { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } },
                    { "name": "from", "in": "query", "description": "unix ms, included; default 0", "schema": { "type": "integer", "minimum": 0 } },
                    { "name": "to", "in": "query", "description": "unix ms, excluded; default: no end", "schema": { "type": "integer", "minimum": 0 } }
                ],
                "get": { "summary": "How many of the channel's messages the sentiment extension labelled positive, neutral and negative in the window", "responses": { "200": ok("the counts", json!({"$ref": "#/components/schemas/SentimentCounts"})), "400": error_response("malformed window"), "401": unauthorized, "404": error_response("no such channel") } }
            },
            "/openapi.json": { "get": { "summary": "This document", "security": [], "responses": { "200": { "description": "OpenAPI 3.1" } } } }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": {
                        "code": { "type": "string" }, "message": { "type": "string" },
                        "fields": { "type": "array", "items": { "type": "object", "properties": { "field": { "type": "string" }, "message": { "type": "string" } } } }
                    } } }
                },
                "AddExtension": { "type": "object", "required": ["extension"], "additionalProperties": false, "properties": {
                    "extension": { "type": "string", "description": "component name (e.g. ip-filter) or id" },
                    "settings": { "type": "object" }, "enabled": { "type": "boolean", "default": true }
                } },
                "EditExtension": { "type": "object", "required": ["settings"], "additionalProperties": false, "properties": {
                    "settings": { "type": "object" }, "enabled": { "type": "boolean" }
                } },
                "NewChannel": { "type": "object", "required": ["name", "community_id"], "additionalProperties": false, "properties": {
                    "id": { "type": "string", "description": "generated if absent" }, "name": { "type": "string" },
                    "kind": { "type": "string", "default": "chat" }, "community_id": { "type": "string" },
                    "community_name": { "type": "string", "description": "if the community is created; defaults to its id" }
                } },
                "Channel": { "type": "object", "properties": {
                    "id": { "type": "string" }, "community_id": { "type": "string" }, "name": { "type": "string" },
                    "kind": { "type": "string" }, "created_at": { "type": "integer", "description": "unix ms" }
                } },
                "PostMessage": { "type": "object", "required": ["channel_id", "author", "body"], "additionalProperties": false, "properties": {
                    "channel_id": { "type": "string" },
                    "thread_id": { "type": "string", "description": "continue (or open with this id) a thread; absent: a new thread" },
                    "author": { "oneOf": [
                        { "type": "object", "required": ["customer"], "additionalProperties": false, "properties": { "customer": {
                            "type": "object", "required": ["identity_id"], "additionalProperties": false, "properties": {
                                "identity_id": { "type": "string" },
                                "screenname": { "type": "string", "description": "on first use; defaults to the identity id" },
                                "group_id": { "type": "string", "description": "on first use; the group is created if missing" }
                            } } } },
                        { "type": "object", "required": ["agent"], "additionalProperties": false, "properties": { "agent": { "type": "string", "description": "the agent's user id" } } }
                    ] },
                    "body": { "type": "string" }
                } },
                "Message": { "type": "object", "properties": {
                    "id": { "type": "string" }, "thread_id": { "type": "string" }, "channel_id": { "type": "string" },
                    "author": { "description": "{\"customer\": {\"identity_id\": ...}} or {\"agent\": user id}", "type": "object" },
                    "body": { "type": "string" }, "created_at": { "type": "integer", "description": "unix ms" },
                    "moderation": { "$ref": "#/components/schemas/Moderation" },
                    "annotations": { "$ref": "#/components/schemas/Annotations" }
                } },
                "SentimentCounts": { "type": "object", "properties": {
                    "channel_id": { "type": "string" }, "from": { "type": "integer" }, "to": { "type": ["integer", "null"] },
                    "counts": { "type": "object", "properties": { "positive": { "type": "integer" }, "neutral": { "type": "integer" }, "negative": { "type": "integer" } } },
                    "total": { "type": "integer", "description": "labelled messages; messages the extension did not analyse are not counted" }
                } },
                "Moderation": { "type": "string", "enum": ["none", "pending", "approved", "rejected"], "description": "pending: held by an extension" },
                "Annotations": { "type": "object", "description": "hooks' annotations nested by namespace: `sentiment.label = negative` is {\"sentiment\": {\"label\": \"negative\"}}; the reason of a hold or reject is under `moderation` ({\"by\": extension id, \"reason\": ...})" },
                "OpenIntervention": { "type": "object", "required": ["thread_id", "agent_id", "identity_id"], "additionalProperties": false, "properties": {
                    "thread_id": { "type": "string" }, "agent_id": { "type": "string" }, "identity_id": { "type": "string", "description": "the customer" }
                } },
                "Intervention": { "type": "object", "properties": {
                    "id": { "type": "string" }, "thread_id": { "type": "string" }, "agent_id": { "type": ["string", "null"] },
                    "identity_id": { "type": "string" }, "opened_at": { "type": "integer" }, "closed_at": { "type": ["integer", "null"] }
                } },
                "Closed": { "type": "object", "properties": {
                    "intervention": { "$ref": "#/components/schemas/Intervention" },
                    "closed_now": { "type": "boolean", "description": "false if it was already closed: no hook ran" },
                    "outcome": { "description": "what the hooks said; null when no hook ran", "oneOf": [{ "type": "null" }, { "type": "object", "properties": {
                        "annotations": { "$ref": "#/components/schemas/Annotations" }, "moderation": { "$ref": "#/components/schemas/Moderation" }
                    } }] }
                } },
                "Extension": { "type": "object", "properties": {
                    "id": { "type": "string" }, "component_id": { "type": "string" }, "name": { "type": "string" },
                    "title": { "type": "string" }, "enabled": { "type": "boolean" }, "position": { "type": "integer" },
                    "settings": { "type": "object", "description": "without secrets" },
                    "secrets": { "type": "object", "description": "secret field -> whether it is set", "additionalProperties": { "type": "boolean" } },
                    "computed": { "type": "object", "description": "read-only settings the platform computes (x-exthost-value), e.g. JWT SSO's Endpoint URL", "additionalProperties": { "type": "string" } },
                    "hooks": { "type": "array", "items": { "type": "string" } }, "quarantined": { "type": "boolean" }
                } }
            }
        }
    });
    add_purge_runs(&mut doc, &unauthorized, &not_found);
    doc
}

/// The purge-run routes (kept apart: one `json!` for the whole document
/// outgrows the macro's recursion limit).
fn add_purge_runs(doc: &mut Value, unauthorized: &Value, not_found: &Value) {
    let id = json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } });
    let run_ref = json!({"$ref": "#/components/schemas/PurgeRun"});
    doc["paths"]["/extensions/{id}/purge-runs"] = json!({
        "parameters": [id],
        "post": {
            "summary": "Start a purge run of a purge extension now; a dry run counts what it would delete and deletes nothing",
            "description": "The run goes on in the background; follow it with `purge-runs/latest`. A real run writes one `expired_data_purge.deleted` audit event with its counts.",
            "requestBody": body("StartPurgeRun"),
            "responses": { "202": ok("started", run_ref.clone()), "400": error_response("malformed body"), "401": unauthorized,
                "404": not_found, "409": error_response("a purge run is already in progress (here or on another node)"),
                "422": error_response("the extension does not purge data") }
        }
    });
    doc["paths"]["/extensions/{id}/purge-runs/latest"] = json!({
        "parameters": [id],
        "get": { "summary": "The extension's latest purge run: its progress, or its result",
            "responses": { "200": ok("the run", run_ref.clone()), "401": unauthorized, "404": error_response("no run yet") } }
    });
    doc["paths"]["/extensions/{id}/purge-runs/{run}"] = json!({
        "parameters": [id, { "name": "run", "in": "path", "required": true, "schema": { "type": "string" } }],
        "get": { "summary": "One purge run", "responses": { "200": ok("the run", run_ref), "401": unauthorized, "404": not_found } }
    });
    doc["components"]["schemas"]["StartPurgeRun"] = json!({ "type": "object", "additionalProperties": false, "properties": {
        "dry_run": { "type": "boolean", "default": false, "description": "count only, delete nothing" }
    } });
    doc["components"]["schemas"]["PurgeRun"] = json!({ "type": "object", "properties": {
        "id": { "type": "string" }, "extension_id": { "type": "string" }, "dry_run": { "type": "boolean" },
        "started_by": { "type": "string", "enum": ["schedule", "admin"] },
        "state": { "type": "string", "enum": ["running", "finished", "failed", "interrupted"] },
        "counts": { "type": "object", "additionalProperties": { "type": "integer" },
            "description": "rows per kind so far: threads, messages, interventions, comments, events, identities, identity-groups, stats, agent-activities" },
        "calls": { "type": "integer" }, "error": { "type": ["string", "null"] },
        "clock": { "type": "integer", "description": "the run's now (unix ms); cutoffs are computed from it" },
        "started_at": { "type": "integer" }, "updated_at": { "type": "integer" }, "finished_at": { "type": ["integer", "null"] }
    } });
}
