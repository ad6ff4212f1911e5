//! The sentiment extension through the real platform: `server::build` on a
//! fresh SQLite data directory or a fresh PostgreSQL schema, the built-in
//! `sentiment` component enabled through the admin API with a channel
//! selection, customer messages and agent replies posted through message
//! ingest, and the per-channel counts read back. The harness is the one of
//! `ingest.rs`.

mod common;

use axum::http::StatusCode;
use common::{App, on_sqlite};
use serde_json::{Value, json};

impl App {
    /// Enable the built-in sentiment extension on `channels`, as an admin would.
    async fn enable_sentiment(&self, channels: &str) {
        let (status, body) = self
            .post(
                "/api/v1/extensions",
                json!({"extension": "sentiment", "settings": {"channels": channels}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    /// A chat channel in community `c1`.
    async fn channel(&self, id: &str) {
        let (status, body) = self
            .post("/api/v1/channels", json!({"id": id, "name": id, "community_id": "c1"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    /// The customer `alice` says `text` on `channel`, in a new thread; returns the stored message.
    async fn customer_says(&self, channel: &str, text: &str) -> Value {
        let message = json!({"channel_id": channel, "author": {"customer": {"identity_id": "alice"}}, "body": text});
        let (status, body) = self.post("/api/v1/messages", message).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    /// The message as the thread API returns it.
    async fn read_back(&self, message: &Value) -> Value {
        let thread = message["thread_id"].as_str().expect("thread id");
        let (status, body) = self.get(&format!("/api/v1/threads/{thread}/messages")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let id = &message["id"];
        body["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .find(|m| &m["id"] == id)
            .cloned()
            .expect("the message is in its thread")
    }

    async fn counts(&self, channel: &str, query: &str) -> Value {
        let (status, body) = self.get(&format!("/api/v1/channels/{channel}/sentiment{query}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

fn score(message: &Value) -> f64 {
    let text = message["annotations"]["sentiment"]["score"].as_str().expect("a score");
    // Four decimals, as the extension formats it.
    assert_eq!(text.split_once('.').map(|(_, d)| d.len()), Some(4), "{text}");
    text.parse().expect("a number")
}

async fn selected_channels_get_label_and_score(app: App) {
    app.channel("ch1").await;
    app.channel("ch2").await;
    app.channel("ch3").await;
    app.enable_sentiment("ch1,\nch3").await;

    let happy = app
        .customer_says("ch1", "Thank you, the new phone is great and works perfectly!")
        .await;
    assert_eq!(happy["annotations"]["sentiment"]["label"], "positive", "{happy}");
    assert!(score(&happy) > 0.5, "{happy}");
    assert_eq!(app.read_back(&happy).await, happy);

    let angry = app
        .customer_says("ch3", "This is NOT good, the battery died after a day. Terrible.")
        .await;
    assert_eq!(angry["annotations"]["sentiment"]["label"], "negative", "{angry}");
    assert!(score(&angry) < -0.5, "{angry}");

    let plain = app.customer_says("ch1", "The parcel arrived on Tuesday.").await;
    assert_eq!(
        plain["annotations"]["sentiment"],
        json!({"label": "neutral", "score": "0.0000"})
    );

    // ch2 is not selected: stored, not analysed.
    let elsewhere = app.customer_says("ch2", "I love it, wonderful service").await;
    assert_eq!(elsewhere["annotations"], json!({}), "{elsewhere}");
    assert_eq!(app.read_back(&elsewhere).await["annotations"], json!({}));
}

async fn agent_replies_are_not_analysed(app: App) {
    app.channel("ch1").await;
    app.enable_sentiment("").await;
    let first = app.customer_says("ch1", "awful").await;
    assert_eq!(first["annotations"]["sentiment"]["label"], "negative");
    let tenant = app.state.registry.tenant();
    let admin = app
        .state
        .store
        .get_user_by_email(tenant, exthost::bootstrap::ADMIN_EMAIL)
        .await
        .expect("store")
        .expect("the admin exists");
    let reply = json!({"channel_id": "ch1", "thread_id": first["thread_id"], "author": {"agent": admin.id}, "body": "So sorry, we are happy to help!"});
    let (status, body) = app.post("/api/v1/messages", reply).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["annotations"], json!({}), "{body}");
}

async fn counts_per_label_over_a_window(app: App) {
    app.channel("ch1").await;
    app.channel("ch2").await;
    app.enable_sentiment("ch1").await;
    let before = exthost::store::now_ms();
    for text in [
        "I love this",
        "Great job, thanks!",
        "This is awful",
        "The parcel arrived",
    ] {
        app.customer_says("ch1", text).await;
    }
    app.customer_says("ch2", "I hate this").await;
    let after = exthost::store::now_ms() + 1;

    let body = app.counts("ch1", &format!("?from={before}&to={after}")).await;
    assert_eq!(
        body["counts"],
        json!({"positive": 2, "neutral": 1, "negative": 1}),
        "{body}"
    );
    assert_eq!(body["total"], 4);
    assert_eq!(app.counts("ch1", "").await["total"], 4);
    // ch2's message was not analysed, so nothing counts there.
    assert_eq!(app.counts("ch2", "").await["total"], 0);
    // A window before the messages is empty.
    let empty = app.counts("ch1", &format!("?from=0&to={before}")).await;
    assert_eq!(empty["counts"], json!({"positive": 0, "neutral": 0, "negative": 0}));

    let (status, body) = app.get("/api/v1/channels/nope/sentiment").await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::NOT_FOUND, &json!("not_found"))
    );
    for bad in ["?from=yesterday", "?from=10&to=5", "?from=-1", "?colour=red"] {
        let (status, body) = app.get(&format!("/api/v1/channels/ch1/sentiment{bad}")).await;
        assert_eq!(
            (status, &body["error"]["code"]),
            (StatusCode::BAD_REQUEST, &json!("bad_request")),
            "{bad}: {body}"
        );
    }
}

async fn settings_are_checked(app: App) {
    let (status, body) = app
        .post(
            "/api/v1/extensions",
            json!({"extension": "sentiment", "settings": {"channels": ["ch1"], "language": "fr"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert!(fields.contains(&"channels") && fields.contains(&"language"), "{body}");
}

both_backends!(
    selected_channels_get_label_and_score,
    agent_replies_are_not_analysed,
    counts_per_label_over_a_window,
    settings_are_checked,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sentiment_route_is_documented() {
    on_sqlite(|app| async move {
        let (status, doc) = app.get("/api/v1/openapi.json").await;
        assert_eq!(status, StatusCode::OK);
        assert!(doc["paths"]["/channels/{id}/sentiment"]["get"].is_object(), "{doc}");
        assert!(doc["components"]["schemas"]["SentimentCounts"].is_object());
    })
    .await;
}
