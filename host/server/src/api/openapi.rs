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

/// The document: paths relative to `/api/v1`.
pub fn document() -> Value {
    let unauthorized = error_response("missing or wrong admin token");
    let invalid = error_response("settings refused, with a message per field");
    let not_found = error_response("no such extension");
    json!({
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
                "Extension": { "type": "object", "properties": {
                    "id": { "type": "string" }, "component_id": { "type": "string" }, "name": { "type": "string" },
                    "title": { "type": "string" }, "enabled": { "type": "boolean" }, "position": { "type": "integer" },
                    "settings": { "type": "object", "description": "without secrets" },
                    "secrets": { "type": "object", "description": "secret field -> whether it is set", "additionalProperties": { "type": "boolean" } },
                    "hooks": { "type": "array", "items": { "type": "string" } }, "quarantined": { "type": "boolean" }
                } }
            }
        }
    })
}
