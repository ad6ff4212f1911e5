//! A statement builder for SQL written at run time: portable text with `$n`
//! placeholders and the values bound to them, so lists (channels, thread ids)
//! are always bound, never spliced in. SQLite's scripts (several statements
//! run in one round trip, `script`) and the purge's batches are built with it.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Map;
use sqlx::{Any, Decode, Row, Type};

/// One statement under construction: portable SQL text with `$n` placeholders
/// and the values they stand for, so lists (channels, thread ids) are always
/// bound, never spliced in.
#[derive(Clone)]
pub(super) struct Sql {
    pub(super) text: String,
    binds: Vec<Bind>,
}

#[derive(Clone)]
enum Bind {
    Text(String),
    OptText(Option<String>),
    Int(i64),
}

impl Sql {
    pub(super) fn new(tenant: &str) -> Sql {
        Sql {
            text: String::new(),
            binds: vec![Bind::Text(tenant.to_owned())],
        }
    }

    pub(super) fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Append a placeholder bound to `value`.
    pub(super) fn text(&mut self, value: &str) -> &mut Sql {
        self.binds.push(Bind::Text(value.to_owned()));
        self.text += &format!("${}", self.binds.len());
        self
    }

    /// Append a placeholder bound to `value` (NULL for `None`).
    pub(super) fn opt_text(&mut self, value: Option<&str>) -> &mut Sql {
        self.binds.push(Bind::OptText(value.map(str::to_owned)));
        self.text += &format!("${}", self.binds.len());
        self
    }

    /// Append a placeholder bound to `value`.
    pub(super) fn int(&mut self, value: i64) -> &mut Sql {
        self.binds.push(Bind::Int(value));
        self.text += &format!("${}", self.binds.len());
        self
    }

    /// Append `(p1, p2, ...)` bound to `values` (never empty: callers check).
    pub(super) fn list(&mut self, values: &[String]) -> &mut Sql {
        self.text.push('(');
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.text(value);
        }
        self.text.push(')');
        self
    }

    /// Make this `SELECT`, whose first column is named `id`, one row: its ids
    /// as a JSON array in `order` (columns of the `SELECT`). See `Store::read_ids`.
    pub(super) fn ids_as_one_row(&mut self, order: &str) -> &mut Sql {
        self.text = format!("SELECT json_group_array(id ORDER BY {order}) FROM ({})", self.text);
        self
    }

    pub(super) fn query(&self) -> sqlx::query::Query<'_, Any, AnyArguments> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(self.text.as_str()));
        for bind in &self.binds {
            query = match bind {
                Bind::Text(v) => query.bind(v.as_str()),
                Bind::OptText(v) => query.bind(v.as_deref()),
                Bind::Int(v) => query.bind(*v),
            };
        }
        query
    }

    /// SQLite's plan of this statement, one line per step (for tests that
    /// pin a plan down).
    #[cfg(test)]
    pub(super) async fn plan(&self, pool: &sqlx::AnyPool) -> Vec<String> {
        let mut explain = self.clone();
        explain.text.insert_str(0, "EXPLAIN QUERY PLAN ");
        let rows = explain.query().fetch_all(pool).await.unwrap();
        rows.iter().map(|r| r.try_get("detail").unwrap()).collect()
    }

    /// PostgreSQL's plan of this statement, one line per row of `EXPLAIN`
    /// (for tests that pin a plan down).
    #[cfg(test)]
    pub(super) async fn plan_postgres(&self, pool: &sqlx::AnyPool) -> Vec<String> {
        let mut explain = self.clone();
        explain.text.insert_str(0, "EXPLAIN ");
        explain.scalar::<String>().fetch_all(pool).await.unwrap()
    }

    /// `query`, each row read as its first column.
    pub(super) fn scalar<T>(&self) -> Map<'_, Any, impl FnMut(AnyRow) -> Result<T, sqlx::Error> + Send, AnyArguments>
    where
        T: for<'r> Decode<'r, Any> + Type<Any> + Send + Unpin,
    {
        self.query().try_map(|row: AnyRow| row.try_get(0))
    }
}

pub(super) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
