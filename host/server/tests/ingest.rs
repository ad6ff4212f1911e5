//! Message ingest through the real platform: `server::build` on a fresh SQLite
//! data directory or a fresh PostgreSQL schema, driven by `oneshot` requests
//! with the admin token. The on-message extension is the `echo-watcher` test
//! guest, uploaded and enabled through the admin API like any third-party
//! component: it annotates received messages, holds those saying `HOLD` and
//! traps on those saying `TRAP`.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{App, on_sqlite};
use serde_json::{Value, json};

impl App {
    /// Upload and enable the echo-watcher guest, as an admin would.
    async fn enable_echo_watcher(&self) {
        let path = exthost_artifacts::test_plugins::ECHO_WATCHER;
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
        let upload = Self::request(Method::POST, "/api/v1/components")
            .header(header::CONTENT_TYPE, "application/wasm")
            .body(Body::from(bytes))
            .expect("request");
        let (status, body) = self.send(upload).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = self
            .post(
                "/api/v1/extensions",
                json!({"extension": "echo-watcher", "settings": {}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    /// A chat channel `ch1` in community `c1`.
    async fn channel(&self) {
        let (status, body) = self
            .post(
                "/api/v1/channels",
                json!({"id": "ch1", "name": "Chat", "community_id": "c1"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    /// The customer `alice` says `text` on `ch1`, in `thread` or a new one; returns the stored message.
    async fn customer_says(&self, thread: Option<&str>, text: &str) -> Value {
        let mut message = json!({"channel_id": "ch1", "author": {"customer": {"identity_id": "alice"}}, "body": text});
        if let Some(thread) = thread {
            message["thread_id"] = json!(thread);
        }
        let (status, body) = self.post("/api/v1/messages", message).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    async fn thread(&self, id: &str) -> Vec<Value> {
        let (status, body) = self.get(&format!("/api/v1/threads/{id}/messages")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["messages"].as_array().expect("messages").clone()
    }

    /// The first-start admin, who is also an agent of the platform.
    async fn admin_id(&self) -> String {
        let tenant = self.state.registry.tenant();
        let admin = self
            .state
            .store
            .get_user_by_email(tenant, exthost::bootstrap::ADMIN_EMAIL)
            .await
            .expect("store")
            .expect("the admin exists");
        admin.id
    }
}

async fn a_message_and_a_reply_are_read_back(app: App) {
    app.channel().await;
    let first = app.customer_says(None, "Hello").await;
    let thread = first["thread_id"].as_str().expect("thread id").to_string();
    assert_eq!(first["author"], json!({"customer": {"identity_id": "alice"}}));
    assert_eq!(
        (&first["moderation"], &first["annotations"]),
        (&json!("none"), &json!({}))
    );

    let agent = app.admin_id().await;
    let reply = json!({"channel_id": "ch1", "thread_id": thread, "author": {"agent": agent}, "body": "Hi!"});
    let (status, body) = app.post("/api/v1/messages", reply).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // The identity exists now: a second message reuses it.
    app.customer_says(Some(&thread), "Thanks").await;

    let messages = app.thread(&thread).await;
    let bodies: Vec<_> = messages
        .iter()
        .map(|m| m["body"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(bodies, ["Hello", "Hi!", "Thanks"]);
    assert_eq!(messages[0], first);
    assert_eq!(messages[1]["author"], json!({"agent": agent}));
    let (status, body) = app.get("/api/v1/channels").await;
    assert_eq!(
        (status, body["channels"][0]["id"].clone()),
        (StatusCode::OK, json!("ch1"))
    );
}

async fn bad_requests_get_the_error_shape(app: App) {
    app.channel().await;
    let unknown = json!({"channel_id": "nope", "author": {"agent": "x"}, "body": "?"});
    let (status, body) = app.post("/api/v1/messages", unknown).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::NOT_FOUND, &json!("not_found"))
    );
    let (status, body) = app.post("/api/v1/messages", json!({"channel_id": "ch1"})).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::BAD_REQUEST, &json!("bad_request"))
    );
    let garbled = App::request(Method::POST, "/api/v1/messages")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .expect("request");
    assert_eq!(app.send(garbled).await.0, StatusCode::BAD_REQUEST);
    let (status, _) = app.get("/api/v1/threads/nope/messages").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let anonymous = Request::builder()
        .uri("/api/v1/threads/nope/messages")
        .body(Body::empty())
        .expect("request");
    assert_eq!(app.send(anonymous).await.0, StatusCode::UNAUTHORIZED);
}

async fn hook_annotations_and_holds_are_stored(app: App) {
    app.channel().await;
    app.enable_echo_watcher().await;
    let plain = app.customer_says(None, "Hello").await;
    assert_eq!(plain["annotations"], json!({"echo": {"length": "5"}}));
    assert_eq!(plain["moderation"], "none");
    let thread = plain["thread_id"].as_str().expect("thread id");
    let held = app.customer_says(Some(thread), "HOLD me").await;
    assert_eq!(held["moderation"], "pending");
    assert_eq!(held["annotations"]["echo"], json!({"length": "7"}));
    assert_eq!(held["annotations"]["moderation"]["reason"], "echo-watcher");

    // What the answers showed is what was stored.
    let stored = app.thread(thread).await;
    assert_eq!(stored, [plain, held]);
}

async fn a_message_is_stored_when_its_extension_traps(app: App) {
    app.channel().await;
    app.enable_echo_watcher().await;
    let trapped = app.customer_says(None, "TRAP now").await;
    assert_eq!(
        (&trapped["moderation"], &trapped["annotations"]),
        (&json!("none"), &json!({}))
    );
    let thread = trapped["thread_id"].as_str().expect("thread id");
    // The next message gets a fresh instance and its annotations again.
    let next = app.customer_says(Some(thread), "after").await;
    assert_eq!(next["annotations"], json!({"echo": {"length": "5"}}));
    let bodies: Vec<_> = app.thread(thread).await.iter().map(|m| m["body"].clone()).collect();
    assert_eq!(bodies, [json!("TRAP now"), json!("after")]);
}

async fn closing_an_intervention_runs_hooks_once(app: App) {
    app.channel().await;
    app.enable_echo_watcher().await;
    let message = app.customer_says(None, "Help").await;
    let open = json!({"thread_id": message["thread_id"], "agent_id": app.admin_id().await, "identity_id": "alice"});
    let (status, intervention) = app.post("/api/v1/interventions", open).await;
    assert_eq!(status, StatusCode::CREATED, "{intervention}");
    assert_eq!(intervention["closed_at"], Value::Null);
    let id = intervention["id"].as_str().expect("intervention id");

    let close = format!("/api/v1/interventions/{id}/close");
    let (status, first) = app.post(&close, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["closed_now"], true);
    assert_eq!(first["outcome"]["annotations"], json!({"echo": {"closed": id}}));
    assert!(first["intervention"]["closed_at"].is_i64());
    let (status, again) = app.post(&close, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!((&again["closed_now"], &again["outcome"]), (&json!(false), &Value::Null));
    assert_eq!(again["intervention"], first["intervention"]);
    let (status, _) = app.post("/api/v1/interventions/nope/close", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ingest_routes_are_documented() {
    on_sqlite(|app| async move {
        let (status, doc) = app.get("/api/v1/openapi.json").await;
        assert_eq!(status, StatusCode::OK);
        for (path, method) in [
            ("/channels", "get"),
            ("/channels", "post"),
            ("/messages", "post"),
            ("/threads/{id}/messages", "get"),
            ("/interventions", "post"),
            ("/interventions/{id}/close", "post"),
        ] {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} is not documented"
            );
        }
        for schema in [
            "NewChannel",
            "Channel",
            "PostMessage",
            "Message",
            "OpenIntervention",
            "Intervention",
            "Closed",
        ] {
            assert!(
                doc["components"]["schemas"][schema].is_object(),
                "schema {schema} missing"
            );
        }
    })
    .await;
}

both_backends!(
    a_message_and_a_reply_are_read_back,
    bad_requests_get_the_error_shape,
    hook_annotations_and_holds_are_stored,
    a_message_is_stored_when_its_extension_traps,
    closing_an_intervention_runs_hooks_once,
);
