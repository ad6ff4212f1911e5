//! The migration set, compiled into the binary so a deployed `exthost` needs no
//! migrations folder beside it. Built by hand rather than with `sqlx::migrate!` because
//! that macro would pull in sqlx's compile-time machinery for one `include_str!`.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// Version, description and SQL of each migration, oldest first. Append only: a
/// released migration's text is part of its checksum and must never change.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../../migrations/0001_initial.sql")),
    (2, "purge", include_str!("../../migrations/0002_purge.sql")),
];

pub(super) fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
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
