//! The harness the server's integration tests share: the real platform built
//! by `server::build` on a fresh SQLite data directory or a fresh PostgreSQL
//! schema, driven as a router (no socket) with the admin token, and a macro
//! that runs one scenario on both backends.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use exthost::config::Config;
use exthost::state::AppState;
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection};
use std::future::Future;
use std::sync::Arc;
use tower::ServiceExt;

pub const TOKEN: &str = "test-token";
/// Overridable so CI or a developer can point the tests at another server.
pub const PG_URL_VAR: &str = "EXTHOST_TEST_DATABASE_URL";
pub const PG_URL_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The platform under test, as a router, with its state for what the API does not show.
pub struct App {
    pub router: Router,
    pub state: Arc<AppState>,
}

impl App {
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
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

    pub fn request(method: Method, uri: &str) -> axum::http::request::Builder {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
    }

    pub async fn get(&self, uri: &str) -> (StatusCode, Value) {
        self.send(Self::request(Method::GET, uri).body(Body::empty()).expect("request"))
            .await
    }

    pub async fn post(&self, uri: &str, body: Value) -> (StatusCode, Value) {
        let request = Self::request(Method::POST, uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        self.send(request).await
    }
}

pub async fn run<F, Fut>(database_url: Option<String>, body: F)
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

pub async fn on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = ()>,
{
    run(None, body).await;
}

/// A fresh schema per test (through the connection's `search_path`), dropped
/// afterwards even if the test fails, so tests run in parallel on one database.
pub async fn on_postgres<F, Fut>(body: F)
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
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::common::on_sqlite(super::$name).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                pub async fn postgres() {
                    $crate::common::on_postgres(super::$name).await
                }
            }
        )+
    };
}
