//! Test support: run one test body against a fresh SQLite file and against a fresh
//! schema of the real PostgreSQL, so every behaviour is proven on both backends. Each
//! PostgreSQL test gets its own schema (through the connection's `search_path`) and
//! drops it afterwards, so tests run in parallel and repeatedly on one database.

use std::future::Future;

use sqlx::{Connection, Executor, PgConnection};

use super::Store;

/// Overridable so CI or a developer can point the tests at another server.
const PG_URL_VAR: &str = "EXTHOST_TEST_DATABASE_URL";
const PG_URL_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/test";

pub(crate) async fn on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("exthost.db");
    let store = Store::open(path.to_str().expect("utf-8 temp path"))
        .await
        .expect("open sqlite");
    body(store.clone()).await;
    store.close().await;
}

pub(crate) async fn on_postgres<F, Fut>(body: F)
where
    F: FnOnce(Store) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    on_postgres_schema(|url| async move {
        let store = Store::open(&url).await.expect("open postgres");
        body(store.clone()).await;
        store.close().await;
    })
    .await;
}

/// Run `body` with the URL of a fresh, empty schema of the real PostgreSQL
/// (nothing migrated), and drop the schema after.
pub(crate) async fn on_postgres_schema<F, Fut>(body: F)
where
    F: FnOnce(String) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let base = std::env::var(PG_URL_VAR).unwrap_or_else(|_| PG_URL_DEFAULT.to_owned());
    let schema = format!("t_{}", super::new_id());
    let mut admin = PgConnection::connect(&base).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL at {base} is needed by the store tests ({e}); start it with \
             `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` \
             or set {PG_URL_VAR}"
        )
    });
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .await
        .expect("create test schema");

    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    // The body runs in its own task so that a failing assertion still lets us drop
    // the schema before the panic is passed on.
    let outcome = tokio::spawn(body(url)).await;

    admin
        .execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .await
        .expect("drop test schema");
    admin.close().await.ok();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// For each named `async fn(Store)`, generates a module of the same name holding a
/// `sqlite` and a `postgres` test.
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    $crate::store::testing::on_sqlite(super::$name).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    $crate::store::testing::on_postgres(super::$name).await
                }
            }
        )+
    };
}
pub(crate) use both_backends;
