//! The one error type of the storage layer. Callers branch on `NotFound` and `Conflict`
//! (they become 404 and 409 in the admin API); everything else is an internal failure
//! whose detail is for the log, never for an HTTP client.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database URL {url:?} is neither sqlite nor postgres: {reason}")]
    InvalidUrl { url: String, reason: String },

    #[error("migrating the database failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    #[error("database query failed")]
    Database(#[source] sqlx::Error),

    /// A unique key (an id, a user's email, ...) is already taken, or the write
    /// contradicts a row already there (a thread id reused on another channel).
    #[error("{what} conflicts with existing data")]
    Conflict {
        what: &'static str,
        #[source]
        source: Option<sqlx::Error>,
    },

    #[error("{what} {id:?} not found")]
    NotFound { what: &'static str, id: String },

    /// A JSON column did not hold JSON, or a value would not serialize.
    #[error("JSON of {what} is not valid")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },

    /// A SQLite script's task died (it panicked), or the script gave back
    /// other counts than it asks for (`store::script`).
    #[error("SQLite script failed: {0}")]
    Script(String),

    /// A fault injected by a crash-safety test, in the middle of a purge batch.
    #[error("purge batch aborted by an injected fault")]
    InjectedFault,

    /// A stored value outside what the schema's CHECKs allow; only reachable if someone
    /// wrote to the database behind the store's back.
    #[error("stored {what} has unexpected value {value:?}")]
    Corrupt { what: &'static str, value: String },
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(e)
    }
}

impl StoreError {
    /// Maps a failed INSERT: a unique violation is the caller's `Conflict`, anything
    /// else stays a database error.
    pub(crate) fn on_insert(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict { what, source: Some(e) },
            _ => StoreError::Database(e),
        }
    }

    pub(crate) fn not_found(what: &'static str, id: &str) -> StoreError {
        StoreError::NotFound {
            what,
            id: id.to_owned(),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
