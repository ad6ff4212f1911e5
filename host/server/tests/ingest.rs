//! Message ingest through the real platform: `server::build` on a fresh SQLite
//! data directory or a fresh PostgreSQL schema, driven by `oneshot` requests
//! with the admin token. The on-message extension is the `echo-watcher` test
//! guest, uploaded and enabled through the admin API like any third-party
//! component: it annotates received messages, holds those saying `HOLD` and
//! traps on those saying `TRAP`.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use exthost::config::Config;
use exthost::state::AppState;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sqlx::{Connection, Executor, PgConnection};
use std::future::Future;
use std::sync::Arc;
use tower::ServiceExt;

const TOKEN: &str = "test-token";
/// Overridable so CI or a developer can point the tests at another server.
const PG_URL_VAR: &str = "EXTHOST_TEST_DATABASE_URL";
const PG_URL_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The platform under test, as a router, with its state for what the API does not show.
struct App {
    router: Router,
    state: Arc<AppState>,
}

impl App {
    async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.router.clone().oneshot(request).await.expect("infallible router");
        let status = response.status();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("a JSON answer")
        };
        (status, body)
    }

    fn request(method: Method, uri: &str) -> axum::http::request::Builder {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
    }

    async fn get(&self, uri: &str) -> (StatusCode, Value) {
        self.send(Self::request(Method::GET, uri).body(Body::empty()).expect("request"))
            .await
    }

    async fn post(&self, uri: &str, body: Value) -> (StatusCode, Value) {
        let request = Self::request(Method::POST, uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        self.send(request).await
    }

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

async fn run<F, Fut>(database_url: Option<String>, body: F)
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.path().to_path_buf(),
        admin_token: Some(TOKEN.into()),
        database_url,
        ..Config::default()
    };
    let (state, _) = exthost::server::build(config).await.expect("build the platform");
    let app = App {
        router: exthost::server::app(state.clone()),
        state: state.clone(),
    };
    body(app).await;
    state.store.close().await;
}

async fn on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = ()>,
{
    run(None, body).await;
}

/// A fresh schema per test (through the connection's `search_path`), dropped
/// afterwards even if the test fails, so tests run in parallel on one database.
async fn on_postgres<F, Fut>(body: F)
where
    F: FnOnce(App) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let base = std::env::var(PG_URL_VAR).unwrap_or_else(|_| PG_URL_DEFAULT.to_owned());
    let schema = format!("t_{}", exthost::store::new_id());
    let mut admin = PgConnection::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {base} is needed by these tests ({e}); or set {PG_URL_VAR}"));
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .await
        .expect("create test schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let outcome = tokio::spawn(run(Some(url), body)).await;
    admin
        .execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .await
        .expect("drop test schema");
    admin.close().await.ok();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// For each scenario, a module with a `sqlite` and a `postgres` test.
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::on_sqlite(super::$name).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::on_postgres(super::$name).await
                }
            }
        )+
    };
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
