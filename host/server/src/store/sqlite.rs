//! Opening a SQLite database the way the platform uses it: a WAL file, a pool of
//! readers, and one writer connection that every write goes through, so writers
//! queue in arrival order in the process (sqlx's pool is fair) instead of racing
//! for SQLite's lock, whose busy handler sleeps in growing steps and lets a long
//! writer starve a short one; a purge batch on the writer gives way to a write
//! that arrives while it runs (`give_way`). Checkpoints run off the write path: automatic
//! checkpoints are off on every connection and a background task copies the WAL
//! back into the database, so no commit pays for a checkpoint's copy and fsync.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{AnyPool, Connection, Executor, SqliteConnection};
use tokio::sync::Notify;

use super::error::Result;
use super::give_way::{self, GiveWay};
use super::writer::Writer;
use super::{encode_path, invalid_url, new_id};

/// Page cache per connection, in KiB (SQLite's default is 2,000).
const WRITER_CACHE_KIB: i64 = 64 << 10;
const READER_CACHE_KIB: i64 = 8 << 10;

/// The writer's own temporary table of the ids a purge batch works on (see
/// `purge`): made once per connection, so a batch needs no statement to make it.
pub(super) const BATCH_TABLE: &str = "temp.batch_ids";

/// How often the background task checkpoints the WAL.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// The pools of one SQLite database.
pub(super) struct Opened {
    pub readers: AnyPool,
    pub writer: Writer,
    pub checkpointer: Option<Arc<Checkpointer>>,
}

/// Stops the background checkpoint task when the last `Store` clone goes
/// (or at `Store::close`).
#[derive(Debug)]
pub(super) struct Checkpointer {
    stop: Arc<Notify>,
}

impl Checkpointer {
    fn start(pool: AnyPool) -> Checkpointer {
        let stop = Arc::new(Notify::new());
        let stopped = stop.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = stopped.notified() => break,
                    () = tokio::time::sleep(CHECKPOINT_EVERY) => {}
                }
                if pool.is_closed() {
                    break;
                }
                // PASSIVE never waits for readers or the writer: it copies what it
                // can now and leaves the rest to the next round.
                let started = std::time::Instant::now();
                match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&pool).await {
                    Ok(row) => {
                        use sqlx::Row;
                        // (busy, frames in the WAL, frames copied back), for reading
                        // a purge's latency beside its checkpoints.
                        tracing::debug!(
                            wal_frames = row.try_get::<i64, _>(1).unwrap_or(-1),
                            copied = row.try_get::<i64, _>(2).unwrap_or(-1),
                            elapsed_us = started.elapsed().as_micros() as u64,
                            "checkpoint"
                        );
                    }
                    Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
                }
            }
        });
        Checkpointer { stop }
    }

    pub fn stop(&self) {
        // A permit is kept if the task is not waiting right now.
        self.stop.notify_one();
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}

pub(super) async fn open(url: &str) -> Result<Opened> {
    // The Any driver takes only a URL, and hands the SQLite driver back everything
    // after `sqlite:` as the file name and its parameters.
    let (any_url, in_memory) = match url.strip_prefix("sqlite:") {
        Some(rest) if rest.trim_start_matches("//").starts_with(":memory:") => {
            // `:memory:` would give each pooled connection a database of its own;
            // one named shared-cache database is seen by all of them.
            let name = format!("file:exthost-memory-{}", new_id());
            (format!("sqlite:{name}?mode=memory&cache=shared"), true)
        }
        Some(_) => (url.to_owned(), url.contains("mode=memory")),
        None => (format!("sqlite:{}?mode=rwc", encode_path(url)), false),
    };

    // A URL cannot ask for WAL. WAL is a property of the file, though, so one direct
    // connection sets it (creating the file if needed) and every pooled connection
    // opened afterwards inherits it.
    if !in_memory {
        let direct = SqliteConnectOptions::from_str(&any_url)
            .map_err(|e| invalid_url(url, e))?
            .journal_mode(SqliteJournalMode::Wal);
        SqliteConnection::connect_with(&direct).await?.close().await?;
    }

    let options = AnyConnectOptions::from_str(&any_url).map_err(|e| invalid_url(url, e))?;
    give_way::register();
    let give_way = GiveWay::new();
    let install_give_way = give_way.install_sql();
    let pool_options = |cache_kib: i64, writer: bool| {
        let install_give_way = install_give_way.clone();
        let mut pool = AnyPoolOptions::new().after_connect(move |conn, _| {
            let install_give_way = install_give_way.clone();
            Box::pin(async move {
                conn.execute(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = -{cache_kib}")))
                    .await?;
                if writer {
                    conn.execute(sqlx::AssertSqlSafe(format!(
                        "CREATE TABLE IF NOT EXISTS {BATCH_TABLE} (id TEXT PRIMARY KEY)"
                    )))
                    .await?;
                    conn.execute(sqlx::AssertSqlSafe(install_give_way)).await?;
                }
                // With WAL, NORMAL loses at most the last commits on power loss and never
                // corrupts; FULL would fsync on every commit.
                conn.execute("PRAGMA synchronous = NORMAL").await?;
                if !in_memory {
                    // The background task checkpoints instead (see the module doc).
                    conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                    // A WAL grown by a long purge shrinks back once it is reset.
                    conn.execute("PRAGMA journal_size_limit = 67108864").await?;
                    // No `mmap_size`: a mapped file's page faults waited on the
                    // pages the checkpoint was writing, and each remap as the
                    // file grew took the process-wide mmap lock. pread(2) put
                    // ingest's median at 1.2-1.3 ms against 1.6 (BENCHMARKS.md).
                }
                Ok(())
            })
        });
        if in_memory {
            // An in-memory database lives only as long as some connection to it does.
            pool = pool.min_connections(1).idle_timeout(None).max_lifetime(None);
        }
        pool
    };
    let readers = pool_options(READER_CACHE_KIB, false)
        .connect_with(options.clone())
        .await?;
    // The writer keeps a larger page cache: a purge batch dirties thousands of
    // index pages, and with SQLite's default of 2 MB it reads them again.
    let writer = pool_options(WRITER_CACHE_KIB, true)
        .max_connections(1)
        .connect_with(options)
        .await?;
    let checkpointer = (!in_memory).then(|| Arc::new(Checkpointer::start(readers.clone())));
    Ok(Opened {
        readers,
        writer: Writer::new(writer, give_way),
        checkpointer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2 MB of rows, one commit each, into the WAL.
    async fn write_two_megabytes(writer: &Writer) {
        for _ in 0..200 {
            sqlx::query("INSERT INTO t VALUES ($1)")
                .bind(vec![7u8; 10_000])
                .execute(writer)
                .await
                .unwrap();
        }
    }

    /// SQLite as `.cargo/config.toml` has it built: each connection with a
    /// page cache of its own, and no memory counting, so no connection waits
    /// on a process-wide mutex that another holds.
    #[tokio::test]
    async fn sqlite_is_built_without_process_wide_cache_and_memory_locks() {
        let dir = tempfile::tempdir().unwrap();
        let opened = open(dir.path().join("c.db").to_str().unwrap()).await.unwrap();
        let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options")
            .fetch_all(&opened.readers)
            .await
            .unwrap();
        let hint = "libsqlite3-sys was built without LIBSQLITE3_FLAGS from .cargo/config.toml";
        assert!(
            !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "{hint}: {options:?}"
        );
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{hint}: {options:?}"
        );
    }

    #[tokio::test]
    async fn commits_never_checkpoint_and_the_task_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let opened = open(path.to_str().unwrap()).await.unwrap();
        let auto: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(&opened.writer)
            .await
            .unwrap();
        assert_eq!(auto, 0);
        opened.writer.execute("CREATE TABLE t (x BYTEA)").await.unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        // Only a checkpoint copies the WAL's pages into the file.
        write_two_megabytes(&opened.writer).await;
        let mut grown = false;
        for _ in 0..100 {
            if std::fs::metadata(&path).unwrap().len() > before + 1_000_000 {
                grown = true;
                break;
            }
            tokio::time::sleep(CHECKPOINT_EVERY / 4).await;
        }
        assert!(grown, "the database file never received the WAL's pages");
    }

    #[tokio::test]
    async fn without_the_task_the_wal_keeps_its_pages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let opened = open(path.to_str().unwrap()).await.unwrap();
        if let Some(c) = &opened.checkpointer {
            c.stop();
        }
        opened.writer.execute("CREATE TABLE t (x BYTEA)").await.unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        write_two_megabytes(&opened.writer).await;
        tokio::time::sleep(CHECKPOINT_EVERY * 3).await;
        // No commit checkpointed on its own: the file is as it was.
        assert!(std::fs::metadata(&path).unwrap().len() < before + 1_000_000);
    }
}
