//! Crash safety with a real crash: `exthost serve` killed with SIGKILL in the
//! middle of a purge run, then started again on the SQLite file it left. The
//! run it died in shows as interrupted, no thread is left part-deleted, and a
//! second run ends where one clean run on a copy of the same data ends.
//! (tests/purge.rs injects a fault between two deletes of one batch instead,
//! on both backends; this one lets the kernel end the process wherever it is.)

use exthost_tests::process::Process;
use exthost_tests::purge::{DAY, add_purge, all_on, run_purge, snapshot, thread_shapes};
use exthost_tests::server::sqlite_url;
use serde_json::json;
use sqlx::AnyPool;
use std::path::Path;
use std::time::Duration;

const EXTHOST: &str = env!("CARGO_BIN_EXE_exthost-cli");

/// Idle threads: each run takes a few dozen batches, so a kill lands inside one.
const THREADS: &str = "30000";

async fn open(data_dir: &Path) -> AnyPool {
    AnyPool::connect(&sqlite_url(data_dir))
        .await
        .expect("open the server's database")
}

/// `exthost seed` into `data_dir`, then no time-series row left within a day
/// of the 30-day cutoff: the clean run and the rerun start minutes apart, and
/// must find the same rows past retention.
async fn seed(data_dir: &Path) {
    let out = tokio::process::Command::new(EXTHOST)
        .args([
            "seed",
            "--threads",
            THREADS,
            "--messages-per-thread",
            "4",
            "--seed",
            "5",
        ])
        .env("EXTHOST_DATA_DIR", data_dir)
        .env_remove("EXTHOST_CONFIG")
        .env_remove("EXTHOST_DATABASE_URL")
        .output()
        .await
        .expect("run exthost seed");
    assert!(out.status.success(), "exthost seed: {out:?}");
    let db = open(data_dir).await;
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

fn copy_db(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("data dir");
    std::fs::copy(from.join("exthost.db"), to.join("exthost.db")).expect("copy the seeded database");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_run_then_rerun_equals_a_clean_run() {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().expect("temp dir");
    let (seeded, clean, killed) = (
        dir.path().join("seeded"),
        dir.path().join("clean"),
        dir.path().join("killed"),
    );
    seed(&seeded).await;
    // Closed by the last connection, the file holds everything (no WAL beside it).
    assert!(!seeded.join("exthost.db-wal").exists());
    copy_db(&seeded, &clean);
    copy_db(&seeded, &killed);
    let before = open(&seeded).await;
    let shapes_before = thread_shapes(&before).await;
    before.close().await;

    // One clean run.
    let server = Process::serve(EXTHOST, &clean).await;
    let id = add_purge(&server.api, all_on("")).await;
    let run = run_purge(&server.api, &id, false).await;
    assert_eq!(run["state"], "finished", "{run}");
    let idle_threads = run["counts"]["threads"].as_u64().expect("a count");
    server.stop().await;
    let db = open(&clean).await;
    let clean_rows = snapshot(&db).await;
    db.close().await;

    // The same data, the process killed once some threads are gone.
    let server = Process::serve(EXTHOST, &killed).await;
    let id = add_purge(&server.api, all_on("")).await;
    let reply = server
        .api
        .post(&format!("/api/v1/extensions/{id}/purge-runs"), &json!({}))
        .await;
    assert_eq!(reply.status, 202, "{reply:?}");
    let run_id = reply.json()["id"].as_str().expect("run id").to_owned();
    let db = open(&killed).await;
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
    let server = Process::serve(EXTHOST, &killed).await;
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
    let db = open(&killed).await;
    assert_eq!(
        snapshot(&db).await,
        clean_rows,
        "the rerun did not end where a clean run ends"
    );
    db.close().await;
}
