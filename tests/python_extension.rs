//! A third-party extension written in Python (plugins/examples/python/
//! keyword-router, built from source with componentize-py by host/artifacts)
//! through the real server, on SQLite and PostgreSQL: uploaded, its bad
//! settings refused with the line named, enabled, and its on-message hook
//! tagging customer messages with a routing category.

use exthost_tests::both_backends;
use exthost_tests::server::Server;
use serde_json::{Value, json};

fn keyword_router() -> Vec<u8> {
    exthost_tests::read(exthost_artifacts::python_examples::KEYWORD_ROUTER)
}

async fn post_message(s: &Server, body: &str) -> Value {
    let message = json!({
        "channel_id": "chat",
        "author": { "customer": { "identity_id": "ann", "screenname": "Ann" } },
        "body": body,
    });
    let reply = s.post("/api/v1/messages", &message).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

async fn python_extension_routes_messages(s: Server) {
    let uploaded = s.upload(keyword_router()).await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    assert_eq!(uploaded.json()["name"], "keyword-router");

    let bad = json!({ "extension": "keyword-router", "settings": { "rules": "refund => billing\nbroken" } });
    let refused = s
        .post("/api/v1/extensions", &bad)
        .await
        .assert_error(422, "invalid_settings");
    assert_eq!(refused["fields"][0]["field"], "rules");
    let message = refused["fields"][0]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("line 2:"), "{message}");
    assert!(s.extensions().await.is_empty());

    let good =
        json!({ "extension": "keyword-router", "settings": { "rules": "refund => billing\nbroken => support" } });
    let added = s.post("/api/v1/extensions", &good).await;
    assert_eq!(added.status, 201, "{}", added.body);
    assert_eq!(added.json()["hooks"], json!(["on-message"]));

    let channel = s
        .post(
            "/api/v1/channels",
            &json!({ "id": "chat", "name": "Chat", "community_id": "web" }),
        )
        .await;
    assert_eq!(channel.status, 201, "{}", channel.body);
    let tagged = post_message(&s, "My phone arrived BROKEN, I want a refund").await;
    assert_eq!(tagged["annotations"]["routing"]["category"], "billing");
    let support = post_message(&s, "the screen is broken").await;
    assert_eq!(support["annotations"]["routing"]["category"], "support");
    let plain = post_message(&s, "thanks, all good").await;
    assert!(plain["annotations"].get("routing").is_none(), "{plain}");
}

both_backends!(python_extension_routes_messages);
