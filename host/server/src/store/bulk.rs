//! Bulk loading for `exthost seed`: many rows per INSERT, many INSERTs per
//! transaction, with every value bound. Only the seed generator uses it; the
//! platform itself writes row by row through the typed queries.

use sqlx::Transaction;

use super::Store;
use super::error::Result;

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

/// Both backends accept at least this many bound values in one statement.
const MAX_BINDS: usize = 30_000;

impl Store {
    /// Insert `rows` into `table` (a fixed name, never user input) in one transaction.
    pub async fn bulk_insert(&self, table: &'static str, columns: &[&'static str], rows: &[Vec<Cell>]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let per_statement = (MAX_BINDS / columns.len()).max(1);
        let mut tx: Transaction<'static, sqlx::Any> = self.pool.begin().await?;
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
