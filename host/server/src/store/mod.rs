//! The platform's storage: one `Store` over either a SQLite file (the default: embedded,
//! nothing to install) or a PostgreSQL database (several nodes sharing state). Both go
//! through sqlx's `Any` driver, so queries and the one migration set are written once
//! in portable SQL and run unchanged on either backend, except where a transaction
//! is sent in a single round trip (SQLite's `script` for its one writer: posting a
//! message, purge batches; PostgreSQL's function for posting a message); the tests
//! run each behaviour against both. Each submodule adds the typed queries of one part
//! of the data model as `impl Store` blocks, and every query takes the tenant explicitly.

mod bulk;
mod busy;
mod codec;
mod community;
mod components;
mod error;
mod events;
mod extensions;
mod give_way;
mod interventions;
mod kv;
mod low_priority;
mod messages;
mod migrate;
mod purge;
mod purge_lock;
mod purge_runs;
mod script;
mod sentiment;
mod sessions;
mod sql;
mod sqlite;
mod sqlite_functions;
mod stats;
mod users;
mod writer;

#[cfg(test)]
mod testing;

use std::str::FromStr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::AnyPool;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};

pub use bulk::Cell;
pub use community::{Channel, Community, Identity, IdentityGroup};
pub use components::{Component, ComponentMeta, SHARED_TENANT};
pub use error::{Result, StoreError};
pub use events::Event;
pub use extensions::{Extension, NewExtension};
pub use interventions::{Intervention, InterventionComment};
pub use messages::{Author, Message, Moderation, NewMessage, Thread};
pub use purge::{OrphanPurge, ThreadPurge};
pub use purge_lock::PurgeLock;
pub use purge_runs::{PurgeRun, RunState, StartedBy};
pub use sentiment::SentimentCounts;
pub use sessions::Session;
pub use stats::{AgentActivity, Stat};
pub use users::{Role, User};

/// Which database a `Store` talks to; callers need it only for backend-only features
/// (LISTEN/NOTIFY, advisory locks), never to pick a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A request being served, from `Store::serving`, until dropped.
pub struct Serving {
    _work: give_way::Foreground,
}

/// A handle on the database: cheap to clone, safe to share between tasks.
#[derive(Debug, Clone)]
pub struct Store {
    /// Reads, and on PostgreSQL writes too.
    pool: AnyPool,
    /// A purge's reads: on SQLite connections at the lowest CPU priority
    /// (`low_priority`), or `pool` while that starves; on PostgreSQL `pool`.
    background_readers: writer::BackgroundPools,
    /// Every write. On SQLite one connection for foreground writes, so they
    /// take turns in arrival order (see `sqlite`), and one for purge batches,
    /// which give way (see `give_way`); on PostgreSQL the same pool as `pool`.
    writer: writer::Writer,
    backend: Backend,
    checkpointer: Option<Arc<sqlite::Checkpointer>>,
}

impl Store {
    /// Opens the database named by `url` and brings its schema up to date.
    ///
    /// `postgres://…` (or `postgresql://…`) opens PostgreSQL. `sqlite:…` opens SQLite
    /// as the URL says (`sqlite://data/exthost.db?mode=rwc` creates a missing file);
    /// anything else is a file path, created if missing. SQLite files are put in WAL
    /// mode so readers never wait for the writer, and foreign keys are enforced.
    pub async fn open(url: &str) -> Result<Store> {
        // The Any driver needs the concrete drivers registered once per process.
        sqlx::any::install_default_drivers();
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::open_postgres(url).await?
        } else {
            Self::open_sqlite(url).await?
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn open_postgres(url: &str) -> Result<Store> {
        let options = AnyConnectOptions::from_str(url).map_err(|e| invalid_url(url, e))?;
        let pool = AnyPoolOptions::new().connect_with(options).await?;
        Ok(Store {
            writer: writer::Writer::new(pool.clone(), None, give_way::GiveWay::new(), false),
            background_readers: writer::BackgroundPools::same(&pool),
            pool,
            backend: Backend::Postgres,
            checkpointer: None,
        })
    }

    async fn open_sqlite(url: &str) -> Result<Store> {
        let opened = sqlite::open(url).await?;
        Ok(Store {
            pool: opened.readers,
            background_readers: opened.background_readers,
            writer: opened.writer,
            backend: Backend::Sqlite,
            checkpointer: opened.checkpointer,
        })
    }

    /// Applies the migrations not yet applied. `open` already calls it; running it
    /// again is harmless.
    pub async fn migrate(&self) -> Result<()> {
        migrate::migrator(self.backend).run(&self.pool).await?;
        Ok(())
    }

    /// Count a request being served as foreground work until the guard drops:
    /// a purge batch running on SQLite's writer gives way to it, and the
    /// purge's next step stands aside (`stand_aside`) until no request is
    /// served.
    pub fn serving(&self) -> Serving {
        Serving {
            _work: self.writer.serving(),
        }
    }

    /// For background work (a purge's steps): wait until no request is
    /// served and no write waits, for a few milliseconds at most, so that a
    /// purge under a constant stream of requests still ends.
    pub async fn stand_aside(&self) {
        self.writer.stand_aside().await;
    }

    /// For background work: one of its steps took `took`, standing aside
    /// excluded. On SQLite a step that starved at the lowest CPU priority
    /// makes the next ones run at normal priority for a while (`low_priority`).
    pub fn note_background_step(&self, took: std::time::Duration) {
        self.writer.note_background_step(took);
    }

    /// The pool for a purge's reads: the lowered one, unless background work
    /// starved there lately.
    fn background_readers(&self) -> &AnyPool {
        self.background_readers.pick(self.writer.lowered())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Waits for every connection to be returned and closes them.
    pub async fn close(&self) {
        if let Some(c) = &self.checkpointer {
            c.stop();
        }
        self.writer.close().await;
        self.pool.close().await;
        self.background_readers.lowered.close().await;
    }
}

fn invalid_url(url: &str, e: sqlx::Error) -> StoreError {
    StoreError::InvalidUrl {
        url: redact_password(url),
        reason: e.to_string(),
    }
}

/// Percent-encodes a file path for a `sqlite:` URL, which the SQLite driver decodes
/// again; only characters that can never confuse a URL parser are kept as they are.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// URLs end up in error messages and logs; their password must not.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// The current time as the schema stores it: unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A fresh id for any row: a UUIDv7, whose first 48 bits are the time in
/// milliseconds, so rows created together sit together in every index keyed
/// by id. An insert then touches the rightmost pages the last insert already
/// had in cache, and the purge, deleting the oldest threads first, empties
/// whole pages instead of dirtying one entry in each of thousands. Ids are not
/// secrets (tokens come from `secrets`), so the readable time costs nothing.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// The id `new_id` would have given a row created at `at` (unix ms), with
/// `random` for the bits after the time: what `exthost seed` uses, so seeded
/// rows are ordered as live ones are, and the same seed gives the same ids.
pub fn id_at(at: i64, random: [u8; 10]) -> String {
    uuid::Builder::from_unix_timestamp_millis(u64::try_from(at).unwrap_or(0), &random)
        .into_uuid()
        .simple()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_creation_time() {
        let ids: Vec<String> = (0..1_000).map(|_| new_id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "ids made one after the other sort in that order");
        assert!(id_at(1_000, [0xff; 10]) < id_at(1_001, [0; 10]), "the time comes first");
        assert_eq!(id_at(5, [7; 10]), id_at(5, [7; 10]));
        assert_eq!(id_at(5, [7; 10]).len(), 32);
        let now = now_ms();
        assert!(id_at(now - 1, [0xff; 10]) < new_id() && new_id() < id_at(now + 60_000, [0; 10]));
    }

    #[test]
    fn redacts_only_the_password() {
        assert_eq!(
            redact_password("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_password("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_password("data/x.db"), "data/x.db");
    }

    #[tokio::test]
    async fn a_path_creates_a_wal_file_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub.db");
        let path = path.to_str().unwrap();
        let store = Store::open(path).await.unwrap();
        assert_eq!(store.backend(), Backend::Sqlite);
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(fk, 1);
        store.close().await;
        // Reopening runs the migrations again, which must find nothing to do.
        let again = Store::open(&format!("sqlite://{path}?mode=rwc")).await.unwrap();
        again.close().await;
    }

    #[tokio::test]
    async fn odd_file_names_survive_the_url() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("we?ird #name:50%.db");
        let store = Store::open(path.to_str().unwrap()).await.unwrap();
        store.close().await;
        assert!(path.exists());
    }

    #[tokio::test]
    async fn in_memory_sqlite_keeps_its_schema_across_connections() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let mut conns = Vec::new();
        for _ in 0..3 {
            conns.push(store.pool.acquire().await.unwrap());
        }
        for conn in &mut conns {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM extension")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            assert_eq!(n, 0);
        }
    }

    async fn migrating_again_is_harmless(store: Store) {
        store.migrate().await.unwrap();
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        // Each migration once, however often `migrate` runs.
        assert_eq!(
            applied,
            i64::try_from(migrate::migrator(store.backend).iter().count()).unwrap()
        );
    }

    testing::both_backends!(migrating_again_is_harmless);

    #[tokio::test]
    async fn a_bad_url_is_an_invalid_url_error() {
        let err = Store::open("sqlite://x.db?bogus=1").await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidUrl { .. }), "{err:?}");
    }
}
