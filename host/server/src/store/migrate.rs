//! The migration set, compiled into the binary so a deployed `exthost` needs no
//! migrations folder beside it. Built by hand rather than with `sqlx::migrate!` because
//! that macro would pull in sqlx's compile-time machinery for one `include_str!`.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::Backend;

/// Version, description and SQL of each migration, oldest first. Append only: a
/// released migration's text is part of its checksum and must never change.
const SHARED: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../../migrations/0001_initial.sql")),
    (2, "purge", include_str!("../../migrations/0002_purge.sql")),
    (
        4,
        "sentiment by thread",
        include_str!("../../migrations/0004_sentiment_by_thread.sql"),
    ),
];

/// Migrations whose SQL differs per backend, because SQLite cannot alter a
/// table's constraints in place and PostgreSQL can, or that only one backend
/// needs (PostgreSQL's function for posting a message, SQLite's record of
/// swept links).
const SQLITE: &[(i64, &str, &str)] = &[
    (
        3,
        "identity thread links",
        include_str!("../../migrations/0003_identity_thread.sqlite.sql"),
    ),
    (
        6,
        "how far dead links are swept",
        include_str!("../../migrations/0006_link_sweep.sqlite.sql"),
    ),
];
const POSTGRES: &[(i64, &str, &str)] = &[
    (
        3,
        "identity thread links",
        include_str!("../../migrations/0003_identity_thread.postgres.sql"),
    ),
    (
        5,
        "post a message in one round trip",
        include_str!("../../migrations/0005_post_message.postgres.sql"),
    ),
];

pub(super) fn migrator(backend: Backend) -> Migrator {
    migrator_upto(backend, i64::MAX)
}

/// The migrations up to `version`: tests build a database as an older
/// release left it.
fn migrator_upto(backend: Backend, version: i64) -> Migrator {
    let own = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    // Shared and per-backend versions interleave; they apply in version order.
    let mut all: Vec<_> = SHARED.iter().chain(own).filter(|&&(v, _, _)| v <= version).collect();
    all.sort_by_key(|&&(v, _, _)| v);
    Migrator::with_migrations(
        all.into_iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use sqlx::AnyPool;

    use super::*;
    use crate::store::Store;
    use crate::store::testing::on_postgres_schema;

    /// Rows as a database of migration 2 held them: identity `i1` wrote in
    /// threads `t1` (twice) and `t2`, `i2` in `t2`, and an agent in `t1`.
    async fn old_rows(pool: &AnyPool) {
        let rows = [
            "INSERT INTO community VALUES ('x', 'c', 'c', 0)",
            "INSERT INTO channel VALUES ('x', 'ch', 'c', 'ch', 'chat', 0)",
            "INSERT INTO identity VALUES ('x', 'i1', 'c', NULL, 'i1', 0)",
            "INSERT INTO identity VALUES ('x', 'i2', 'c', NULL, 'i2', 0)",
            "INSERT INTO agent_user (tenant, id, email, name, role, created_at) \
             VALUES ('x', 'a', 'a@x', 'a', 'agent', 0)",
            "INSERT INTO thread VALUES ('x', 't1', 'ch', 0, 3)",
            "INSERT INTO thread VALUES ('x', 't2', 'ch', 0, 2)",
        ];
        for row in rows {
            sqlx::query(row).execute(pool).await.unwrap();
        }
        for (id, thread, identity, user, seq) in [
            ("m1", "t1", Some("i1"), None, 1),
            ("m2", "t1", None, Some("a"), 2),
            ("m3", "t1", Some("i1"), None, 3),
            ("m4", "t2", Some("i2"), None, 1),
            ("m5", "t2", Some("i1"), None, 2),
        ] {
            sqlx::query(
                "INSERT INTO message (tenant, id, thread_id, channel_id, author_identity_id, \
                 author_user_id, body, created_at, seq) VALUES ('x', $1, $2, 'ch', $3, $4, 'b', 0, $5)",
            )
            .bind(id)
            .bind(thread)
            .bind(identity)
            .bind(user)
            .bind(seq)
            .execute(pool)
            .await
            .unwrap();
        }
    }

    /// Migration 3 links each identity to each thread it wrote in, keeps
    /// every message, and an identity a message names still cannot go.
    async fn links_are_backfilled(store: Store) {
        let links: Vec<(String, String)> =
            sqlx::query_as("SELECT identity_id, thread_id FROM identity_thread ORDER BY identity_id, thread_id")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        let expected = [("i1", "t1"), ("i1", "t2"), ("i2", "t2")];
        assert_eq!(links, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
        let messages: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT id, author_identity_id FROM message ORDER BY id")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        assert_eq!(messages.len(), 5, "{messages:?}");
        assert_eq!(messages[4], ("m5".to_owned(), Some("i1".to_owned())));
        if store.backend == Backend::Sqlite {
            let refused = sqlx::query("DELETE FROM identity_thread WHERE identity_id = 'i2'")
                .execute(&store.pool)
                .await;
            assert!(refused.is_err(), "a link a message holds was deleted: {refused:?}");
        }
        let refused = sqlx::query("DELETE FROM identity WHERE id = 'i2'")
            .execute(&store.pool)
            .await;
        assert!(refused.is_err(), "an identity a message names was deleted: {refused:?}");
    }

    #[tokio::test]
    async fn links_are_backfilled_on_sqlite() {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let pool = AnyPool::connect(&format!("sqlite:{}?mode=rwc", path.display()))
            .await
            .unwrap();
        migrator_upto(Backend::Sqlite, 2).run(&pool).await.unwrap();
        old_rows(&pool).await;
        pool.close().await;
        let store = Store::open(path.to_str().unwrap()).await.unwrap();
        links_are_backfilled(store.clone()).await;
        store.close().await;
    }

    #[tokio::test]
    async fn links_are_backfilled_on_postgres() {
        sqlx::any::install_default_drivers();
        on_postgres_schema(|url| async move {
            let pool = AnyPool::connect(&url).await.unwrap();
            migrator_upto(Backend::Postgres, 2).run(&pool).await.unwrap();
            old_rows(&pool).await;
            pool.close().await;
            let store = Store::open(&url).await.unwrap();
            links_are_backfilled(store.clone()).await;
            store.close().await;
        })
        .await;
    }
}
