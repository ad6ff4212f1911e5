//! Conversions between Rust values and the portable column types of the schema: JSON
//! kept as TEXT, flags kept as BIGINT 0/1, and nullable columns read from `AnyRow`.
//! Kept in one place so every query file decodes the same way on both backends.

use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::error::{Result, StoreError};

pub(super) fn json_text(what: &'static str, value: &Value) -> Result<String> {
    serde_json::to_string(value).map_err(|source| StoreError::Json { what, source })
}

pub(super) fn json_value(what: &'static str, text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|source| StoreError::Json { what, source })
}

pub(super) fn flag(value: bool) -> i64 {
    i64::from(value)
}

pub(super) fn get<'r, T>(row: &'r AnyRow, column: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    Ok(row.try_get(column)?)
}

pub(super) fn get_flag(row: &AnyRow, column: &str) -> Result<bool> {
    Ok(get::<i64>(row, column)? != 0)
}

pub(super) fn get_json(row: &AnyRow, what: &'static str, column: &str) -> Result<Value> {
    json_value(what, &get::<String>(row, column)?)
}
