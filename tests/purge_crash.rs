//! Crash safety with a real crash: `exthost serve` killed with SIGKILL in the
//! middle of a purge run, then started again on the database it left, on
//! SQLite and on PostgreSQL. The run it died in shows as interrupted, no
//! thread is left part-deleted, and a second run ends where one clean run on
//! the same data ends. (tests/purge.rs injects a fault between two deletes of
//! one batch instead; this one lets the kernel end the process wherever it is.)

use exthost_tests::process::Process;
use exthost_tests::purge::{DAY, add_purge, all_on, run_purge, snapshot, thread_shapes};
use exthost_tests::server::{Db, PgSchema, sqlite_url};
use serde_json::json;
use sqlx::AnyPool;
use std::path::PathBuf;
use std::time::Duration;

const EXTHOST: &str = env!("CARGO_BIN_EXE_exthost-cli");

/// Idle threads: each run takes a few dozen batches, so a kill lands inside one.
const THREADS: &str = "30000";

/// One database a server runs on: a SQLite file in its data dir, or a fresh
/// PostgreSQL schema.
struct Target {
    data_dir: PathBuf,
    /// What the server is given: none for the SQLite file in its data dir.
    database_url: Option<String>,
}

impl Target {
    fn new(data_dir: PathBuf, schema: Option<&PgSchema>) -> Target {
        std::fs::create_dir_all(&data_dir).expect("data dir");
        Target {
            data_dir,
            database_url: schema.map(|s| s.url.clone()),
        }
    }

    fn database_url(&self) -> Option<&str> {
        self.database_url.as_deref()
    }

    async fn open(&self) -> AnyPool {
        let url = self
            .database_url()
            .map_or_else(|| sqlite_url(&self.data_dir), str::to_owned);
        AnyPool::connect(&url).await.expect("open the server's database")
    }

    async fn serve(&self) -> Process {
        Process::serve(EXTHOST, &self.data_dir, self.database_url()).await
    }

    /// `exthost seed`, the same rows for the same `now`; then no time-series
    /// row left within a day of the 30-day cutoff: the clean run and the rerun
    /// start minutes apart, and must find the same rows past retention.
    async fn seed(&self, now: i64) {
        let mut command = tokio::process::Command::new(EXTHOST);
        command.arg("seed");
        if let Some(url) = self.database_url() {
            command.args(["--database", url]);
        }
        let out = command
            .args(["--threads", THREADS, "--messages-per-thread", "4", "--seed", "5"])
            .args(["--now", &now.to_string()])
            .env("EXTHOST_DATA_DIR", &self.data_dir)
            .env_remove("EXTHOST_CONFIG")
            .env_remove("EXTHOST_DATABASE_URL")
            .output()
            .await
            .expect("run exthost seed");
        assert!(out.status.success(), "exthost seed: {out:?}");
        let db = self.open().await;
        let cutoff = exthost::store::now_ms() - 30 * DAY;
        for (table, time) in [("stat", "at"), ("agent_activity", "at"), ("event", "created_at")] {
            let sql = format!("DELETE FROM {table} WHERE {time} BETWEEN $1 AND $2");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(cutoff - DAY)
                .bind(cutoff + DAY)
                .execute(&db)
                .await
                .unwrap_or_else(|e| panic!("clear {table} near the cutoff: {e}"));
        }
        db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_run_then_rerun_equals_a_clean_run_on_sqlite() {
    killed_mid_run_then_rerun_equals_a_clean_run(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_run_then_rerun_equals_a_clean_run_on_postgres() {
    killed_mid_run_then_rerun_equals_a_clean_run(Db::Postgres).await;
}

async fn killed_mid_run_then_rerun_equals_a_clean_run(db: Db) {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().expect("temp dir");
    let schemas = match db {
        Db::Sqlite => None,
        Db::Postgres => Some((PgSchema::create().await, PgSchema::create().await)),
    };
    let clean = Target::new(dir.path().join("clean"), schemas.as_ref().map(|s| &s.0));
    let killed = Target::new(dir.path().join("killed"), schemas.as_ref().map(|s| &s.1));
    // A task of its own, so the schemas are dropped even when it fails.
    let outcome = tokio::spawn(crash_and_rerun(clean, killed)).await;
    if let Some((clean, killed)) = schemas {
        clean.drop().await;
        killed.drop().await;
    }
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn crash_and_rerun(clean: Target, killed: Target) {
    let now = exthost::store::now_ms();
    clean.seed(now).await;
    killed.seed(now).await;
    let before = killed.open().await;
    let shapes_before = thread_shapes(&before).await;
    before.close().await;

    // One clean run.
    let server = clean.serve().await;
    let id = add_purge(&server.api, all_on("")).await;
    let run = run_purge(&server.api, &id, false).await;
    assert_eq!(run["state"], "finished", "{run}");
    let idle_threads = run["counts"]["threads"].as_u64().expect("a count");
    server.stop().await;
    let db = clean.open().await;
    let clean_rows = snapshot(&db).await;
    db.close().await;

    // The same data, the process killed once some threads are gone.
    let server = killed.serve().await;
    let id = add_purge(&server.api, all_on("")).await;
    let reply = server
        .api
        .post(&format!("/api/v1/extensions/{id}/purge-runs"), &json!({}))
        .await;
    assert_eq!(reply.status, 202, "{reply:?}");
    let run_id = reply.json()["id"].as_str().expect("run id").to_owned();
    let db = killed.open().await;
    let threads_before = shapes_before.len() as i64;
    let mut polls = 0;
    loop {
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM thread")
            .fetch_one(&db)
            .await
            .expect("count threads");
        if left < threads_before {
            break;
        }
        polls += 1;
        assert!(
            polls < 60_000,
            "the run deleted nothing in 5 minutes:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().await;

    // Dead mid-run: still marked running, some threads gone, none part-deleted.
    let state: String = sqlx::query_scalar("SELECT state FROM purge_run WHERE id = $1")
        .bind(&run_id)
        .fetch_one(&db)
        .await
        .expect("the run's record");
    assert_eq!(
        state, "running",
        "the kill came after the run ended; the test proves nothing"
    );
    let shapes = thread_shapes(&db).await;
    let gone = (shapes_before.len() - shapes.len()) as u64;
    assert!(
        gone > 0 && gone < idle_threads,
        "{gone} of {idle_threads} idle threads gone"
    );
    for (thread, shape) in &shapes {
        assert_eq!(
            Some(shape),
            shapes_before.get(thread),
            "thread {thread} was left part-deleted"
        );
    }
    db.close().await;

    // Started again: the dead run shows as interrupted, and a rerun finishes the job.
    let server = killed.serve().await;
    let reply = server
        .api
        .get(&format!("/api/v1/extensions/{id}/purge-runs/{run_id}"))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["state"], "interrupted", "{reply:?}");
    let rerun = run_purge(&server.api, &id, false).await;
    assert_eq!(rerun["state"], "finished", "{rerun}");
    assert_eq!(
        rerun["counts"]["threads"].as_u64().expect("a count") + gone,
        idle_threads,
        "{rerun}"
    );
    server.stop().await;
    let db = killed.open().await;
    assert_eq!(
        snapshot(&db).await,
        clean_rows,
        "the rerun did not end where a clean run ends"
    );
    db.close().await;
}
