//! The record of purge runs: who started each, whether it is a dry run, its
//! counts per kind (updated after every call, so progress shows while it runs)
//! and how it ended. The admin API reads the latest run of an extension here.

use serde_json::Value;
use sqlx::any::AnyRow;

use super::codec::{flag, get, get_flag, get_json, json_text};
use super::error::{Result, StoreError};
use super::{Store, now_ms};

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    Running,
    Finished,
    Failed,
    /// Its process died mid-run; marked so when a process starts, or by the
    /// next run to take the purge lock.
    Interrupted,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Finished => "finished",
            RunState::Failed => "failed",
            RunState::Interrupted => "interrupted",
        }
    }

    fn parse(text: &str) -> Result<RunState> {
        Ok(match text {
            "running" => RunState::Running,
            "finished" => RunState::Finished,
            "failed" => RunState::Failed,
            "interrupted" => RunState::Interrupted,
            other => {
                return Err(StoreError::Corrupt {
                    what: "purge run state",
                    value: other.to_owned(),
                });
            }
        })
    }
}

/// Who started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StartedBy {
    Schedule,
    Admin,
}

impl StartedBy {
    fn as_str(self) -> &'static str {
        match self {
            StartedBy::Schedule => "schedule",
            StartedBy::Admin => "admin",
        }
    }

    fn parse(text: &str) -> Result<StartedBy> {
        match text {
            "schedule" => Ok(StartedBy::Schedule),
            "admin" => Ok(StartedBy::Admin),
            other => Err(StoreError::Corrupt {
                what: "purge run origin",
                value: other.to_owned(),
            }),
        }
    }
}

/// One purge run as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PurgeRun {
    pub id: String,
    pub extension_id: String,
    pub dry_run: bool,
    pub started_by: StartedBy,
    pub state: RunState,
    /// Rows per kind so far: `{"threads": 3, "messages": 40, ...}`.
    pub counts: Value,
    /// Hook calls made so far (a run is several calls when it is long).
    pub calls: i64,
    pub error: Option<String>,
    /// The `now` the run computes its cutoffs from.
    pub clock: i64,
    pub started_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

impl PurgeRun {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(PurgeRun {
            id: get(row, "id")?,
            extension_id: get(row, "extension_id")?,
            dry_run: get_flag(row, "dry_run")?,
            started_by: StartedBy::parse(&get::<String>(row, "started_by")?)?,
            state: RunState::parse(&get::<String>(row, "state")?)?,
            counts: get_json(row, "purge run counts", "counts")?,
            calls: get(row, "calls")?,
            error: get(row, "error")?,
            clock: get(row, "clock")?,
            started_at: get(row, "started_at")?,
            updated_at: get(row, "updated_at")?,
            finished_at: get(row, "finished_at")?,
        })
    }
}

const SELECT_RUN: &str = "SELECT id, extension_id, dry_run, started_by, state, counts, calls, error, clock, \
     started_at, updated_at, finished_at FROM purge_run WHERE tenant = $1";

impl Store {
    /// Record a new run as `running`.
    pub async fn insert_purge_run(
        &self,
        tenant: &str,
        id: &str,
        extension_id: &str,
        dry_run: bool,
        started_by: StartedBy,
        clock: i64,
    ) -> Result<PurgeRun> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO purge_run (tenant, id, extension_id, dry_run, started_by, state, counts, calls, clock, \
             started_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'running', '{}', 0, $6, $7, $7)",
        )
        .bind(tenant)
        .bind(id)
        .bind(extension_id)
        .bind(flag(dry_run))
        .bind(started_by.as_str())
        .bind(clock)
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(StoreError::on_insert("purge run"))?;
        self.get_purge_run(tenant, id)
            .await?
            .ok_or_else(|| StoreError::not_found("purge run", id))
    }

    /// Record a run's progress, or its end when `state` is not `Running`.
    pub async fn update_purge_run(
        &self,
        tenant: &str,
        id: &str,
        state: RunState,
        counts: &Value,
        calls: i64,
        error: Option<&str>,
    ) -> Result<()> {
        let now = now_ms();
        let finished = (state != RunState::Running).then_some(now);
        sqlx::query(
            "UPDATE purge_run SET state = $3, counts = $4, calls = $5, error = $6, updated_at = $7, \
             finished_at = $8 WHERE tenant = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id)
        .bind(state.as_str())
        .bind(json_text("purge run counts", counts)?)
        .bind(calls)
        .bind(error)
        .bind(now)
        .bind(finished)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Mark every run still `running` as `interrupted`: called by the holder of
    /// the purge lock, when no run can be going on anywhere.
    pub async fn interrupt_purge_runs(&self, tenant: &str) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE purge_run SET state = 'interrupted', updated_at = $2, finished_at = $2 \
             WHERE tenant = $1 AND state = 'running'",
        )
        .bind(tenant)
        .bind(now_ms())
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected())
    }

    pub async fn get_purge_run(&self, tenant: &str, id: &str) -> Result<Option<PurgeRun>> {
        let sql = format!("{SELECT_RUN} AND id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(PurgeRun::from_row).transpose()
    }

    /// The extension's most recent run, if it ever ran.
    pub async fn latest_purge_run(&self, tenant: &str, extension_id: &str) -> Result<Option<PurgeRun>> {
        let sql = format!("{SELECT_RUN} AND extension_id = $2 ORDER BY started_at DESC, id DESC LIMIT 1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .bind(extension_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(PurgeRun::from_row).transpose()
    }
}
