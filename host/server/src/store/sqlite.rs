//! Opening a SQLite database the way the platform uses it: a WAL file, a pool of
//! readers, and one writer connection that every foreground write goes through,
//! so writers queue in arrival order in the process (sqlx's pool is fair)
//! instead of racing for SQLite's lock. Background work has connections of its
//! own, whose threads run at the lowest CPU priority (`low_priority`): a
//! background writer for purge batches, which gives way to foreground work
//! (`give_way`) and takes turns with the foreground writer through SQLite's lock
//! with short waits (`busy`), and background readers for a purge's reads and
//! the periodic checkpoints. Checkpoints run off the write path: automatic
//! checkpoints are off on every connection and a background task copies the
//! WAL back into the database, so no commit pays for a checkpoint's copy and
//! fsync. It also holds purge batches off for a moment when the WAL has grown,
//! so that the WAL starts over instead of growing through a whole purge; the
//! checkpoints of that hold run at normal priority.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{AnyPool, Connection, Executor, SqliteConnection};
use tokio::sync::Notify;

use super::error::Result;
use super::give_way::GiveWay;
use super::writer::{BackgroundPools, Writer};
use super::{busy, low_priority, sqlite_functions};
use super::{encode_path, invalid_url, new_id};

/// Page cache per connection, in KiB (SQLite's default is 2,000).
const WRITER_CACHE_KIB: i64 = 64 << 10;
const READER_CACHE_KIB: i64 = 8 << 10;

/// The background writer's temporary table of the ids a purge batch works on (see
/// `purge`): made once per connection, so a batch needs no statement to make it.
pub(super) const BATCH_TABLE: &str = "temp.batch_ids";

/// What a pool's connections are for, which decides how each is set up as it
/// opens (with whether its threads are lowered: `low_priority`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Reads: requests', and, lowered, a purge's and the periodic checkpoints'.
    Reader,
    /// Every write but background scripts, one connection.
    Writer,
    /// Background scripts (purge batches), one connection that gives way to
    /// foreground work.
    BackgroundWriter,
}

/// How often the background task checkpoints the WAL.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// WAL frames (of 4 KiB pages: 32 MiB) past which the checkpointer makes the
/// next write start the WAL over (`Checkpointer::start_over`).
const START_OVER_FRAMES: i64 = 8_192;

/// Checkpoints tried under one hold before giving up until the next round.
const START_OVER_TRIES: u32 = 8;

/// The pools of one SQLite database.
pub(super) struct Opened {
    pub readers: AnyPool,
    /// For a purge's reads and the periodic checkpoints: lowered, or `readers`.
    pub background_readers: BackgroundPools,
    pub writer: Writer,
    pub checkpointer: Option<Arc<Checkpointer>>,
}

/// Stops the background checkpoint task when the last `Store` clone goes
/// (or at `Store::close`).
#[derive(Debug)]
pub(super) struct Checkpointer {
    stop: Arc<Notify>,
}

/// What a `PRAGMA wal_checkpoint` reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Checkpoint {
    /// Frames in the WAL when it began.
    frames: i64,
    /// Of those, how many are now copied back into the database.
    copied: i64,
}

/// One PASSIVE checkpoint: it never waits for readers or the writer, copies
/// what it can now and leaves the rest to the next round.
async fn checkpoint(pool: &AnyPool) -> Option<Checkpoint> {
    use sqlx::Row;
    let started = std::time::Instant::now();
    match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(pool).await {
        Ok(row) => {
            // (busy, frames in the WAL, frames copied back)
            let done = Checkpoint {
                frames: row.try_get::<i64, _>(1).unwrap_or(-1),
                copied: row.try_get::<i64, _>(2).unwrap_or(-1),
            };
            // For reading a purge's latency beside its checkpoints.
            tracing::debug!(
                wal_frames = done.frames,
                copied = done.copied,
                elapsed_us = started.elapsed().as_micros() as u64,
                "checkpoint"
            );
            Some(done)
        }
        Err(e) => {
            tracing::warn!(error = %e, "WAL checkpoint failed");
            None
        }
    }
}

impl Checkpointer {
    /// The periodic checkpoints run on `pools.lowered`, at the lowest CPU
    /// priority, while background work does (`low_priority`), and one that
    /// takes too long counts as a starved step. Those inside the hold of
    /// `start_over` always run on `pools.normal`: one that starved there held
    /// the seed's bulk writes off for minutes beside two busy loops
    /// (BENCHMARKS.md, eighth session). A periodic one that starves only
    /// lets the WAL grow meanwhile.
    fn start(pools: BackgroundPools, writer: Writer, start_over_frames: i64) -> Checkpointer {
        let stop = Arc::new(Notify::new());
        let stopped = stop.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = stopped.notified() => break,
                    () = tokio::time::sleep(CHECKPOINT_EVERY) => {}
                }
                let lowered = writer.lowered();
                let pool = pools.pick(lowered);
                if pool.is_closed() {
                    break;
                }
                // A checkpoint takes a core for up to tens of milliseconds.
                writer.stand_aside().await;
                let started = std::time::Instant::now();
                let done = checkpoint(pool).await;
                if lowered {
                    writer.note_background_step(started.elapsed());
                }
                if done.is_some_and(|c| c.frames > start_over_frames) {
                    Self::start_over(&pools.normal, &writer).await;
                }
            }
        });
        Checkpointer { stop }
    }

    /// Let the next write start the WAL over instead of growing it. SQLite
    /// starts over only at a write transaction that began after a checkpoint
    /// had copied every frame back and while none ran. A purge's batches, back
    /// to back, never leave such a moment: each checkpoint ends with the frames
    /// written while it ran still to copy, so one purge grew the WAL past 800 MB
    /// (BENCHMARKS.md). So background scripts are held off (foreground writes
    /// still go) and the WAL checkpointed until one round copied every frame
    /// and the next found nothing new. In the bench's purge a hold lasted
    /// 39-65 ms, mostly an fsync: the purge waits that long, ingest does not.
    async fn start_over(pool: &AnyPool, writer: &Writer) {
        let started = std::time::Instant::now();
        let _held = writer.hold_background().await;
        let mut previous = None;
        let mut tries = 0;
        let done = loop {
            if tries == START_OVER_TRIES {
                break false;
            }
            tries += 1;
            let Some(now) = checkpoint(pool).await else {
                break false;
            };
            // A foreground write during the last round shows as more frames.
            if now.copied == now.frames && previous == Some(now.frames) {
                break true;
            }
            previous = Some(now.frames);
        };
        tracing::debug!(
            done,
            tries,
            elapsed_us = started.elapsed().as_micros() as u64,
            "WAL ready to start over"
        );
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
    // `Store::open` does this too; here it lets this module's tests run alone.
    sqlx::any::install_default_drivers();
    // Before the first connection: it wraps the VFS's page writes too.
    sqlite_functions::register();
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
    let give_way = GiveWay::new();
    let install_give_way = give_way.install_sql();
    let pool_options = |role: Role, lowered: bool| {
        let install_give_way = install_give_way.clone();
        let mut pool = AnyPoolOptions::new().after_connect(move |conn, _| {
            let install_give_way = install_give_way.clone();
            Box::pin(async move {
                // Writers keep a larger page cache: a purge batch dirties thousands
                // of index pages, and with SQLite's default of 2 MB it reads them again.
                let cache_kib = match role {
                    Role::Writer | Role::BackgroundWriter => WRITER_CACHE_KIB,
                    Role::Reader => READER_CACHE_KIB,
                };
                conn.execute(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = -{cache_kib}")))
                    .await?;
                // Lowered first: `give_way`'s progress handler, which hands the
                // core back too, then replaces the one lowering installs.
                if lowered {
                    conn.execute(sqlx::AssertSqlSafe(sqlite_functions::call(low_priority::FUNCTION)))
                        .await?;
                }
                // In memory, the one writer runs background scripts too.
                if role == Role::BackgroundWriter || (in_memory && role == Role::Writer) {
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
                    if matches!(role, Role::Writer | Role::BackgroundWriter) {
                        conn.execute(sqlx::AssertSqlSafe(sqlite_functions::call(busy::FUNCTION)))
                            .await?;
                    }
                    // The background task checkpoints instead (see the module doc).
                    conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                    // A purge starts the WAL over every 32 MB or so and took it
                    // to 82 MB at most (`Checkpointer::start_over`); a limit above
                    // that spares each start-over a truncation, and a WAL that
                    // something longer grew is cut back to it when it starts over.
                    conn.execute("PRAGMA journal_size_limit = 134217728").await?;
                    // No `mmap_size`: a mapped file's page faults waited on the
                    // pages the checkpoint was writing, and each remap as the
                    // file grew took the process-wide mmap lock. pread(2) put
                    // ingest's median at 1.2-1.3 ms against 1.6 (BENCHMARKS.md).
                }
                Ok(())
            })
        });
        // No ping before each use: a SQLite connection is a thread of this
        // process, not a socket that can drop, and the ping is a round trip to
        // that thread which every read, every write and every purge batch
        // waited for. (sqlx still pings once as a connection goes back.)
        pool = pool.test_before_acquire(false);
        if in_memory {
            // An in-memory database lives only as long as some connection to it does.
            pool = pool.min_connections(1).idle_timeout(None).max_lifetime(None);
        }
        pool
    };
    let readers = pool_options(Role::Reader, false).connect_with(options.clone()).await?;
    let writer = pool_options(Role::Writer, false)
        .max_connections(1)
        .connect_with(options.clone())
        .await?;
    // A shared-cache database in memory locks by table, and a connection that
    // meets another's lock fails at once instead of waiting: there the one
    // writer and the readers do the background work too.
    let (background_readers, background_writers) = if in_memory {
        (BackgroundPools::same(&readers), None)
    } else {
        // Two readers: a purge's next find may run beside a checkpoint.
        let background_readers = BackgroundPools {
            lowered: pool_options(Role::Reader, true)
                .max_connections(2)
                .connect_with(options.clone())
                .await?,
            normal: readers.clone(),
        };
        let lowered = pool_options(Role::BackgroundWriter, true)
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        // Opened only if background work starves at the lowest priority.
        let normal = pool_options(Role::BackgroundWriter, false)
            .max_connections(1)
            .connect_lazy_with(options);
        (background_readers, Some(BackgroundPools { lowered, normal }))
    };
    let writer = Writer::new(writer, background_writers, give_way, true);
    let checkpointer = (!in_memory).then(|| {
        Arc::new(Checkpointer::start(
            background_readers.clone(),
            writer.clone(),
            START_OVER_FRAMES,
        ))
    });
    Ok(Opened {
        readers,
        background_readers,
        writer,
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

    /// The WAL's checkpoint sequence number (bytes 12..16 of its header), which
    /// SQLite moves on each time the WAL starts over.
    fn wal_sequence(wal: &std::path::Path) -> u32 {
        use std::io::Read;
        let mut header = [0u8; 16];
        match std::fs::File::open(wal).and_then(|mut f| f.read_exact(&mut header)) {
            Ok(()) => u32::from_be_bytes([header[12], header[13], header[14], header[15]]),
            Err(_) => 0,
        }
    }

    /// Background scripts back to back, as a purge runs its batches, never
    /// leave a moment when the WAL is all copied back; the checkpointer makes
    /// one, so the WAL starts over instead of keeping everything written. The
    /// test counts the WAL's starts over rather than comparing its size with
    /// what was written in a set time: how often a round of the checkpointer
    /// comes depends on the machine and on what else runs (on a fast machine,
    /// beside the other tests, the file had reached 117 of 172 MB written).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn back_to_back_background_scripts_let_the_wal_start_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let opened = open(path.to_str().unwrap()).await.unwrap();
        // The store's own task, with a threshold of 1 MB instead of 32.
        opened.checkpointer.as_ref().unwrap().stop();
        let _small = Checkpointer::start(BackgroundPools::same(&opened.readers), opened.writer.clone(), 256);
        opened.writer.execute("CREATE TABLE t (x BYTEA)").await.unwrap();
        let wal = dir.path().join("c.db-wal");
        let (mut written, mut starts_over, mut sequence) = (0u64, 0, wal_sequence(&wal));
        let started = std::time::Instant::now();
        // Bounds for a WAL that never starts over, so the test ends.
        while starts_over < 3 && written < 512 << 20 && started.elapsed() < std::time::Duration::from_secs(60) {
            let mut turn = opened.writer.background(false).await.unwrap();
            turn.conn
                .execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (randomblob(20000)); COMMIT")
                .await
                .unwrap();
            drop(turn);
            written += 20_000;
            let now = wal_sequence(&wal);
            if now != sequence {
                starts_over += 1;
                sequence = now;
            }
        }
        assert!(
            starts_over >= 3,
            "the WAL started over {starts_over} times in {written} bytes written back to back"
        );
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

    /// Whether the thread of the connection `executor` runs on is at the lowest priority.
    async fn is_low<'e>(executor: impl sqlx::Executor<'e, Database = sqlx::Any>) -> bool {
        call_test_function(low_priority::IS_LOW, executor).await == 1
    }

    /// What the test-only SQL function `function` returns on the connection `executor`.
    async fn call_test_function<'e>(
        function: &std::ffi::CStr,
        executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    ) -> i64 {
        let call = sqlite_functions::call(function);
        sqlx::query_scalar(sqlx::AssertSqlSafe(call))
            .fetch_one(executor)
            .await
            .unwrap()
    }

    /// The background connections' threads make way for any other thread;
    /// the ones requests use are left as they were.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn only_background_connections_run_at_the_lowest_priority() {
        let dir = tempfile::tempdir().unwrap();
        let opened = open(dir.path().join("c.db").to_str().unwrap()).await.unwrap();
        assert!(!is_low(&opened.readers).await, "a reader");
        assert!(!is_low(&opened.writer).await, "the writer");
        assert!(is_low(&opened.background_readers.lowered).await, "a background reader");
        let mut turn = opened.writer.background(false).await.unwrap();
        assert!(is_low(&mut *turn.conn).await, "the background writer");
    }

    /// How often the thread of the connection `executor` runs on handed its core back.
    async fn handed_back<'e>(executor: impl sqlx::Executor<'e, Database = sqlx::Any>) -> i64 {
        call_test_function(low_priority::HANDED_BACK_COUNT, executor).await
    }

    /// A statement of many steps: it counts to 100,000.
    const LONG_STATEMENT: &str =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) SELECT count(*) FROM c";

    /// A lowered connection hands its core back through a long statement
    /// and through a checkpoint's copy, which runs no statement steps; the
    /// connections requests use never do.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn lowered_connections_hand_their_core_back_as_they_work() {
        let dir = tempfile::tempdir().unwrap();
        let opened = open(dir.path().join("c.db").to_str().unwrap()).await.unwrap();
        // The periodic checkpoints would copy the WAL before the one below.
        opened.checkpointer.as_ref().unwrap().stop();
        opened.writer.execute("CREATE TABLE t (x BYTEA)").await.unwrap();
        write_two_megabytes(&opened.writer).await;

        let mut lowered = opened.background_readers.lowered.acquire().await.unwrap();
        let before = handed_back(&mut *lowered).await;
        let counted: i64 = sqlx::query_scalar(LONG_STATEMENT)
            .fetch_one(&mut *lowered)
            .await
            .unwrap();
        assert_eq!(counted, 100_000);
        let after_statement = handed_back(&mut *lowered).await;
        // Each row takes several steps; a hand-back comes every `STEPS`.
        assert!(after_statement - before >= 100, "{before} -> {after_statement}");

        let copied: i64 = {
            use sqlx::Row;
            let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&mut *lowered)
                .await
                .unwrap();
            row.get(2)
        };
        let after_checkpoint = handed_back(&mut *lowered).await;
        // The WAL holds some pages several times (each commit rewrote the
        // table's root); the rows alone fill this many, each written once.
        let pages = 2_000_000 / 4_096;
        assert!(copied >= pages, "{copied} frames copied");
        assert!(
            after_checkpoint - after_statement >= pages / i64::from(low_priority::WRITES) - 2,
            "{copied} frames copied, {after_statement} -> {after_checkpoint} hand-backs"
        );

        let (writer, _foreground) = opened.writer.foreground().await.unwrap();
        let reader = opened.readers.acquire().await.unwrap();
        for (name, mut conn) in [("the writer", writer), ("a reader", reader)] {
            sqlx::query(LONG_STATEMENT).fetch_one(&mut *conn).await.unwrap();
            assert_eq!(handed_back(&mut *conn).await, 0, "{name}");
        }
    }

    /// After a step of background work starved, the next ones run at normal
    /// priority: a purge on a machine kept busy by other work still ends.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn background_work_that_starved_runs_at_normal_priority() {
        let dir = tempfile::tempdir().unwrap();
        let opened = open(dir.path().join("c.db").to_str().unwrap()).await.unwrap();
        opened.writer.note_background_step(Duration::from_millis(10));
        let mut turn = opened.writer.background(false).await.unwrap();
        assert!(is_low(&mut *turn.conn).await, "a short step did not starve");
        drop(turn);
        opened.writer.note_background_step(Duration::from_secs(1));
        assert!(!opened.writer.lowered());
        let mut turn = opened.writer.background(false).await.unwrap();
        assert!(
            !is_low(&mut *turn.conn).await,
            "the background writer after a step starved"
        );
    }

    /// The two writers take turns through SQLite's lock: a foreground write
    /// that meets a background transaction waits for it instead of failing
    /// with "database is locked".
    #[tokio::test]
    async fn a_foreground_write_waits_out_a_background_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let opened = open(dir.path().join("c.db").to_str().unwrap()).await.unwrap();
        opened.writer.execute("CREATE TABLE t (x INTEGER)").await.unwrap();
        let mut background = opened.writer.background(false).await.unwrap();
        background
            .conn
            .execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (1)")
            .await
            .unwrap();
        let commit = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            background.conn.execute("COMMIT").await.unwrap();
            drop(background);
        });
        // It counts the rows it sees: 1 once the background commit is in.
        opened
            .writer
            .execute("INSERT INTO t SELECT count(*) + 10 FROM t")
            .await
            .unwrap();
        commit.await.unwrap();
        let rows: Vec<i64> = sqlx::query_scalar("SELECT x FROM t ORDER BY x")
            .fetch_all(&opened.readers)
            .await
            .unwrap();
        assert_eq!(rows, [1, 11], "the foreground write went before the background commit");
    }

    /// A foreground transaction holds the write lock from its start: had it
    /// begun deferred, the background writer's commit between its read and
    /// its write would make SQLite refuse the write (`SQLITE_BUSY_SNAPSHOT`).
    #[tokio::test]
    async fn a_foreground_transaction_is_not_refused_after_a_background_commit() {
        let dir = tempfile::tempdir().unwrap();
        let opened = open(dir.path().join("c.db").to_str().unwrap()).await.unwrap();
        opened.writer.execute("CREATE TABLE t (x INTEGER)").await.unwrap();
        let mut tx = opened.writer.begin().await.unwrap();
        let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM t")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let writer = opened.writer.clone();
        let background = tokio::spawn(async move {
            let mut turn = writer.background(false).await.unwrap();
            turn.conn
                .execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (1); COMMIT")
                .await
                .unwrap();
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        sqlx::query("INSERT INTO t VALUES ($1)")
            .bind(seen + 10)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        background.await.unwrap();
        let rows: Vec<i64> = sqlx::query_scalar("SELECT x FROM t ORDER BY x")
            .fetch_all(&opened.readers)
            .await
            .unwrap();
        assert_eq!(rows, [1, 10]);
    }
}
