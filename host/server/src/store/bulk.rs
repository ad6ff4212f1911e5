//! Bulk loading for `exthost seed`: many rows per INSERT, many INSERTs per
//! transaction, with every value bound. Only the seed generator uses it; the
//! platform itself writes row by row through the typed queries.

use sqlx::Transaction;

use super::error::Result;
use super::{Backend, Store};

/// One column value of a bulk row.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Int(i64),
    Real(f64),
    /// NULL, typed: PostgreSQL checks a parameter's type against its column's.
    NullText,
    NullInt,
}

/// Bound values per statement. Both backends accept 30,000, but sqlx's SQLite
/// driver looks each `$n` up by name among all of a statement's parameters, a
/// cost that grows with the square of their number: 30,000 spent 90% of a
/// seed in `sqlite3_bind_parameter_name`.
fn max_binds(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 1_000,
        Backend::Postgres => 30_000,
    }
}

impl Store {
    /// Insert `rows` into `table` (a fixed name, never user input) in one transaction.
    pub async fn bulk_insert(&self, table: &'static str, columns: &[&'static str], rows: &[Vec<Cell>]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let per_statement = (max_binds(self.backend) / columns.len()).max(1);
        // Loads back to back, like a purge's batches, would otherwise never let
        // SQLite's WAL start over (`sqlite::Checkpointer::start_over`).
        let _held = self.writer.hold_share().await;
        let mut tx: Transaction<'static, sqlx::Any> = self.writer.begin().await?;
        for chunk in rows.chunks(per_statement) {
            let mut text = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
            let mut n = 0;
            for (r, _) in chunk.iter().enumerate() {
                text.push_str(if r == 0 { "(" } else { ", (" });
                for c in 0..columns.len() {
                    n += 1;
                    text += &format!("{}${n}", if c == 0 { "" } else { ", " });
                }
                text.push(')');
            }
            let mut query = sqlx::query(sqlx::AssertSqlSafe(text));
            for row in chunk {
                for cell in row {
                    query = match cell {
                        Cell::Text(v) => query.bind(v.clone()),
                        Cell::Int(v) => query.bind(*v),
                        Cell::Real(v) => query.bind(*v),
                        Cell::NullText => query.bind(None::<String>),
                        Cell::NullInt => query.bind(None::<i64>),
                    };
                }
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// After a bulk load, give PostgreSQL's planner the tables' real sizes, as
    /// autovacuum would within minutes: with the empty tables' statistics it
    /// scans a whole tenant for a purge batch instead of looking ids up (3.8
    /// against 0.1 ms per 50 threads among 20,000). SQLite keeps no statistics
    /// unless asked, and the platform's queries are written not to need them.
    pub async fn refresh_statistics(&self) -> Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("ANALYZE").execute(&self.writer).await?;
        }
        Ok(())
    }
}
