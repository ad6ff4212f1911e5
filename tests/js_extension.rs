//! A third-party extension written in JavaScript (plugins/examples/js/
//! auto-reply, built from source with componentize-js by host/artifacts)
//! through the real server, on SQLite and PostgreSQL: uploaded, its bad
//! settings refused with the field named, enabled, and its on-request hook
//! answering its own path while every other request goes through untouched.

use exthost_tests::both_backends;
use exthost_tests::server::{Method, Server};
use serde_json::json;

fn auto_reply() -> Vec<u8> {
    exthost_tests::read(exthost_artifacts::js_examples::AUTO_REPLY)
}

async fn js_extension_answers_its_path(s: Server) {
    let uploaded = s.upload(auto_reply()).await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    assert_eq!(uploaded.json()["name"], "auto-reply");

    // Passes the JSON Schema (a string path) but not the extension's own check.
    let bad = json!({ "extension": "auto-reply", "settings": { "message": "hi", "path": "no-slash" } });
    let refused = s
        .post("/api/v1/extensions", &bad)
        .await
        .assert_error(422, "invalid_settings");
    assert_eq!(refused["fields"][0]["field"], "path", "{refused}");
    let message = refused["fields"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("starting with `/`"), "{message}");
    assert!(s.extensions().await.is_empty());

    let good = json!({
        "extension": "auto-reply",
        "settings": { "message": "We are closed today, back tomorrow.", "path": "/auto-reply" },
    });
    let added = s.post("/api/v1/extensions", &good).await;
    assert_eq!(added.status, 201, "{}", added.body);
    assert_eq!(added.json()["hooks"], json!(["on-request"]));

    let answered = s.send(s.anonymous(Method::GET, "/auto-reply")).await;
    assert_eq!(answered.status, 200, "{answered:?}");
    assert!(answered.content_type.starts_with("text/plain"), "{answered:?}");
    assert_eq!(answered.body, "We are closed today, back tomorrow.");

    // Other paths and methods go on to the platform as before.
    let health = s.send(s.anonymous(Method::GET, "/healthz")).await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    let listed = s.get("/api/v1/extensions").await;
    assert_eq!(listed.status, 200, "{listed:?}");
    let unknown = s.send(s.anonymous(Method::GET, "/auto-reply/more")).await;
    assert_eq!(unknown.status, 404, "{unknown:?}");
    let posted = s.send(s.anonymous(Method::POST, "/auto-reply")).await;
    assert_eq!(posted.status, 404, "{posted:?}");
}

both_backends!(js_extension_answers_its_path);
