//! The sentiment extension through the real platform: `server::build` on a
//! fresh SQLite data directory or a fresh PostgreSQL schema, the built-in
//! `sentiment` component enabled through the admin API with a channel
//! selection, customer messages and agent replies posted through message
//! ingest, and the per-channel counts read back. The harness is the one of
//! `ingest.rs`.

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
