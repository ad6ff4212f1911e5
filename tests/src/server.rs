//! The real server for end-to-end tests: `exthost::server::start` on an
//! ephemeral port with a temporary data dir and a known admin token, over a
//! fresh SQLite file or a fresh schema of the real PostgreSQL (dropped after
//! the test, even when it fails), spoken to over a real socket; stored rows are
//! read back with sqlx on a connection of the test's own, so a test checks what
//! reached the database, not what the server says it stored.

use exthost::config::Config;
use exthost::state::AppState;
use exthost::store::{Role, User};
use sqlx::{AnyPool, Connection, Executor, PgConnection};
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use crate::api::{Api, Method, Reply, TOKEN};

/// Same variable and default as the server's own store tests.
const PG_URL_VAR: &str = "EXTHOST_TEST_DATABASE_URL";
const PG_URL_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// What a test may change in the server's configuration.
#[derive(Debug, Clone)]
pub struct Options {
    pub listen: SocketAddr,
    pub max_upload_bytes: Option<usize>,
    /// Seconds between scheduled purge runs; `None` keeps the server's default.
    pub purge_interval_secs: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            max_upload_bytes: None,
            purge_interval_secs: None,
        }
    }
}

/// A running server, as a test sees it: its HTTP API (`Deref`), its state
/// and its database. Cheap to clone.
#[derive(Clone)]
pub struct Server {
    pub db: Db,
    pub api: Api,
    /// The server's own state: for the steps an admin locked out of the API cannot do.
    pub state: Arc<AppState>,
    pub data_dir: PathBuf,
    pool: AnyPool,
}

impl std::ops::Deref for Server {
    type Target = Api;

    fn deref(&self) -> &Api {
        &self.api
    }
}

impl Server {
    /// The database, read directly.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Store an agent `id` with password `pw-{id}` and these external ids
    /// (SAML's NameID or attribute, JWT's `sub`) straight into the database.
    pub async fn add_agent(&self, id: &str, email: &str, external_id: Option<&str>, jwt_external_id: Option<&str>) {
        let user = User {
            id: id.into(),
            email: email.into(),
            name: format!("Agent {id}"),
            password_hash: Some(exthost::bootstrap::hash_password(&format!("pw-{id}")).expect("hash")),
            external_id: external_id.map(Into::into),
            jwt_external_id: jwt_external_id.map(Into::into),
            role: Role::Agent,
            created_at: 0,
        };
        self.state
            .store
            .insert_user(self.state.registry.tenant(), &user)
            .await
            .expect("insert agent");
    }

    /// How many rows `table` holds, every tenant included.
    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("count {table}: {e}"))
    }
}

/// The URL of the SQLite file a server keeps in `data_dir` (its default), to
/// read what it stored.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rw", data_dir.join("exthost.db").display())
}

/// A fresh schema of the test PostgreSQL, and the URL that puts a connection
/// in it; `drop` removes it with everything in it.
pub struct PgSchema {
    admin: PgConnection,
    name: String,
    pub url: String,
}

impl PgSchema {
    pub async fn create() -> PgSchema {
        let base = std::env::var(PG_URL_VAR).unwrap_or_else(|_| PG_URL_DEFAULT.to_owned());
        let name = format!("t_{}", exthost::store::new_id());
        let mut admin = PgConnection::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {base} is needed ({e}); or set {PG_URL_VAR}"));
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .await
            .expect("create test schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{name}");
        PgSchema { admin, name, url }
    }

    pub async fn drop(mut self) {
        self.admin
            .execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {} CASCADE", self.name)))
            .await
            .expect("drop test schema");
        self.admin.close().await.ok();
    }
}

/// Start a server on `db`, run `body` against it, then stop it and drop what it stored.
pub async fn run<F, Fut>(db: Db, options: Options, body: F)
where
    F: FnOnce(Server) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let mut admin = None;
    let (database_url, inspect_url) = match db {
        // The default: no URL, a SQLite file in the data dir.
        Db::Sqlite => (None, sqlite_url(&data_dir)),
        Db::Postgres => {
            let schema = PgSchema::create().await;
            let url = schema.url.clone();
            admin = Some(schema);
            (Some(url.clone()), url)
        }
    };
    let mut config = Config {
        listen: options.listen,
        database_url,
        data_dir: data_dir.clone(),
        admin_token: Some(TOKEN.into()),
        ..Config::default()
    };
    if let Some(max) = options.max_upload_bytes {
        config.max_upload_bytes = max;
    }
    if let Some(secs) = options.purge_interval_secs {
        config.purge.interval_secs = secs;
    }

    // The test runs in a task of its own so that a failing assertion still lets
    // the server stop and the schema be dropped before the panic is passed on.
    let outcome = tokio::spawn(async move {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = exthost::server::start(config, async move {
            let _ = stopped.await;
        })
        .await
        .expect("the server starts");
        let pool = AnyPool::connect(&inspect_url).await.expect("inspect the database");
        let server = Server {
            db,
            api: Api::new(running.addr),
            state: running.state.clone(),
            data_dir,
            pool: pool.clone(),
        };
        let state = running.state.clone();
        let result = tokio::spawn(body(server)).await;
        let _ = stop.send(());
        let stopped = tokio::time::timeout(Duration::from_secs(10), running.wait()).await;
        pool.close().await;
        state.store.close().await;
        match result {
            Err(e) => std::panic::resume_unwind(e.into_panic()),
            Ok(()) => assert!(
                matches!(stopped, Ok(Ok(()))),
                "the server did not stop cleanly: {stopped:?}"
            ),
        }
    })
    .await;

    if let Some(schema) = admin {
        schema.drop().await;
    }
    drop(dir);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// For each named `async fn(Server)`, a module of the same name holding a
/// `sqlite` and a `postgres` test; `name with options_fn` starts the server
/// with `options_fn()` instead of the default options.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident $(with $options:ident)?),+ $(,)?) => {
        $(
            mod $name {
                #[allow(unused_mut, unused_assignments)]
                fn options() -> $crate::server::Options {
                    let mut options = $crate::server::Options::default();
                    $(options = super::$options();)?
                    options
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::server::run($crate::server::Db::Sqlite, options(), super::$name).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $crate::server::run($crate::server::Db::Postgres, options(), super::$name).await
                }
            }
        )+
    };
}
