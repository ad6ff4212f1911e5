//! Data purging under load: the real server on SQLite and on PostgreSQL, seeded
//! by `exthost::seed` (threads of N messages, half idle past a 30-day
//! retention, identities, groups, interventions, comments, events, stats,
//! activities), then one real run of the built-in purge extension with every
//! kind on. Reports messages deleted per second over the whole run, and the
//! latency of message ingest (POST /api/v1/messages, paced at `RATE` per second
//! by one client, or at `PURGE_BENCH_RATE`) measured alone first and then
//! during the purge, and on SQLite the largest size the WAL file reached during
//! the purge. Beside those wall-clock numbers, which depend on how busy the
//! machine's host is, it reports the CPU the purge itself used on SQLite, whose
//! database runs in this process (the process's CPU during the run, less what
//! ingest used per request alone), and the share of each phase that the
//! hypervisor gave to other guests (steal, from `/proc/stat`).
//!
//! `cargo run --release -p exthost-tests --example purge_bench -- [threads] [messages-per-thread] [sqlite|postgres|both] [runs]`
//!
//! With more than one run (each on a fresh database) it ends with the p99s of
//! every request of the runs, pooled. One run's p99 during the purge is its
//! 3rd to 6th slowest request: in about a third of the runs of a build whose
//! pooled ratio was 1.7x, that one request was over 2x its run's alone p99
//! (BENCHMARKS.md).
//!
//! With `PURGE_BENCH_TRACE` set, every ingest slower than 6 ms (or than the
//! milliseconds it names) is printed with its end time, to line up with the data calls that
//! `RUST_LOG=exthost::platform::data=debug` logs. With `PURGE_BENCH_SAMPLES=P`
//! every latency (µs) is also appended to `P-alone.txt` and `P-during.txt`,
//! and each run ends with the p99s of all of them: so the runs of several
//! invocations (of two builds by turns, say) can be pooled.

use exthost_tests::purge::{add_purge, all_on, wait_for};
use exthost_tests::server::{self, Db, Options, Server};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Ingest requests per second, both alone and during the purge, unless
/// `PURGE_BENCH_RATE` says otherwise (one client, one request at a time: a
/// rate above what it can reach sends them back to back).
const RATE: u64 = 100;

fn rate() -> u64 {
    std::env::var("PURGE_BENCH_RATE")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(RATE)
}
/// Ingest samples taken alone.
const ALONE: usize = 1_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// This process's CPU time so far (user and system, `/proc/self/stat`).
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the file, in USER_HZ (100 on Linux).
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// The machine's CPU ticks so far: (all, steal), from the `cpu` line of `/proc/stat`.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is within user).
    (ticks.iter().take(8).sum(), ticks.get(7).copied().unwrap_or(0))
}

/// CPU used and steal over one phase of the bench.
struct Meter {
    cpu: Duration,
    machine: (u64, u64),
}

impl Meter {
    fn start() -> Meter {
        Meter {
            cpu: process_cpu(),
            machine: machine_ticks(),
        }
    }

    /// (this process's CPU time, percent of the machine's time stolen) since `start`.
    fn read(&self) -> (Duration, f64) {
        let (all, steal) = machine_ticks();
        let (all, steal) = (all - self.machine.0, steal - self.machine.1);
        (
            process_cpu().saturating_sub(self.cpu),
            100.0 * steal as f64 / all.max(1) as f64,
        )
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The median and the 99th percentile of sorted latencies, in ms.
fn p50_p99(sorted: &[Duration]) -> (f64, f64) {
    (ms(percentile(sorted, 0.5)), ms(percentile(sorted, 0.99)))
}

/// Post messages at `RATE`/s until `stop` (or `limit` samples); returns each latency.
async fn ingest(s: Server, stop: Arc<AtomicBool>, limit: usize) -> Vec<Duration> {
    let mut latencies = Vec::new();
    let mut timer = tokio::time::interval(Duration::from_micros(1_000_000 / rate()));
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n = 0u64;
    // `PURGE_BENCH_TRACE=<ms>` (6 if not a number): trace ingests slower than that.
    let trace = std::env::var("PURGE_BENCH_TRACE")
        .ok()
        .map(|ms| Duration::from_micros((ms.parse::<f64>().unwrap_or(6.0) * 1000.0) as u64));
    while !stop.load(Ordering::SeqCst) && latencies.len() < limit {
        timer.tick().await;
        n += 1;
        // A customer of the seed writing in a thread of its own (recent: never purged).
        let body = json!({
            "channel_id": format!("ch{}", n % 5),
            "author": { "customer": { "identity_id": format!("bench-customer-{}", n % 50) } },
            "body": "hello, where is my order?"
        });
        let started = Instant::now();
        let reply = s.post("/api/v1/messages", &body).await;
        let took = started.elapsed();
        latencies.push(took);
        if trace.is_some_and(|slower_than| took > slower_than) {
            eprintln!(
                "traced ingest: {took:?} ended {:?} id {}",
                std::time::SystemTime::now(),
                reply.json()["id"]
            );
        }
        assert_eq!(reply.status, 201, "{reply:?}");
    }
    latencies.sort();
    if let Some(path) = samples_file(limit == usize::MAX) {
        // One latency (µs) a line, appended, so that runs can be pooled.
        let lines: String = latencies.iter().map(|l| format!("{}\n", l.as_micros())).collect();
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .expect("samples file");
        file.write_all(lines.as_bytes()).expect("write samples");
    }
    latencies
}

/// Where `PURGE_BENCH_SAMPLES` keeps the latencies of one phase.
fn samples_file(during: bool) -> Option<String> {
    let prefix = std::env::var_os("PURGE_BENCH_SAMPLES")?;
    let phase = if during { "during" } else { "alone" };
    Some(format!("{}-{phase}.txt", prefix.to_string_lossy()))
}

/// The samples of every run pooled so far, sorted.
fn pooled(during: bool) -> Vec<Duration> {
    let text = samples_file(during)
        .and_then(|path| std::fs::read_to_string(path).ok())
        .unwrap_or_default();
    let mut all: Vec<Duration> = text
        .lines()
        .filter_map(|l| l.parse().ok())
        .map(Duration::from_micros)
        .collect();
    all.sort();
    all
}

/// The largest size `path` had, looked at every 20 ms until `stop`.
async fn largest_file(path: std::path::PathBuf, stop: Arc<AtomicBool>) -> u64 {
    let mut largest = 0;
    while !stop.load(Ordering::SeqCst) {
        largest = largest.max(std::fs::metadata(&path).map_or(0, |m| m.len()));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    largest
}

/// One run on a fresh database; returns ingest's latencies alone and during
/// the purge, sorted.
async fn bench(s: Server, threads: u64, per_thread: u64) -> (Vec<Duration>, Vec<Duration>) {
    let tenant = s.state.config.tenant.clone();
    let options = exthost::seed::SeedOptions {
        tenant: tenant.clone(),
        threads,
        messages_per_thread: per_thread,
        idle_share: 0.5,
        seed: 1,
        now: exthost::store::now_ms(),
    };
    let started = Instant::now();
    let report = exthost::seed::seed(&s.state.store, &options).await.expect("seed");
    eprintln!(
        "[{:?}] seeded {} messages in {} threads ({} idle, {} of their messages) in {:.1} s",
        s.db,
        report.messages,
        report.threads,
        report.idle_threads,
        report.idle_messages,
        started.elapsed().as_secs_f64()
    );

    // The seed leaves ~1 GB of dirty pages for the kernel to write back over
    // the next half minute; ingest measured meanwhile waits on that disk
    // traffic, alone and during the purge alike. Write them out first, and let
    // the store's checkpoint catch up, so that both phases start settled.
    tokio::time::sleep(Duration::from_secs(1)).await;
    if s.db == Db::Postgres {
        // The seed's WAL volume sets off a checkpoint that PostgreSQL spreads
        // over minutes (`checkpoint_completion_target`), through both phases
        // below; finish it now instead.
        sqlx::query("CHECKPOINT")
            .execute(s.pool())
            .await
            .expect("checkpoint PostgreSQL");
    }
    let synced = std::process::Command::new("sync").status().expect("sync");
    assert!(synced.success(), "sync: {synced}");
    if s.db == Db::Sqlite {
        // The seed's WAL file keeps its size (up to `journal_size_limit`) after
        // it starts over; empty it, so the WAL peak below is the purge's own.
        let busy: i64 = sqlx::query_scalar("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(s.pool())
            .await
            .expect("truncate the WAL");
        if busy != 0 {
            eprintln!("[{:?}] the WAL could not be emptied before the run", s.db);
        }
    }

    let meter = Meter::start();
    let alone = ingest(s.clone(), Arc::new(AtomicBool::new(false)), ALONE).await;
    let (alone_cpu, alone_steal) = meter.read();

    let id = add_purge(&s, all_on("")).await;
    let stop = Arc::new(AtomicBool::new(false));
    let load = tokio::spawn(ingest(s.clone(), stop.clone(), usize::MAX));
    let wal = (s.db == Db::Sqlite).then(|| tokio::spawn(largest_file(s.data_dir.join("exthost.db-wal"), stop.clone())));
    let meter = Meter::start();
    let reply = s.post(&format!("/api/v1/extensions/{id}/purge-runs"), &json!({})).await;
    assert_eq!(reply.status, 202, "{reply:?}");
    let run = wait_for(&s, &id, reply.json()["id"].as_str().expect("run id")).await;
    let messages = run["counts"]["messages"].as_u64().unwrap_or(0);
    let (run_cpu, run_steal) = meter.read();
    stop.store(true, Ordering::SeqCst);
    let during = load.await.expect("ingest task");
    // The purge's own CPU: the run's, less what the same number of ingests
    // used alone (the client and the server's side of them).
    let ingest_cpu = alone_cpu.mul_f64(during.len() as f64 / alone.len().max(1) as f64);
    let purge_cpu = run_cpu.saturating_sub(ingest_cpu);
    // PostgreSQL does its work in its own processes.
    let (purge_cpu, per_cpu_second) = match s.db {
        Db::Sqlite => (
            format!("{:.1}", purge_cpu.as_secs_f64()),
            format!("{:.0}", messages as f64 / purge_cpu.as_secs_f64().max(0.001)),
        ),
        Db::Postgres => ("-".to_owned(), "-".to_owned()),
    };
    let wal_peak = match wal {
        Some(wal) => format!("{:.0}", wal.await.expect("WAL task") as f64 / 1e6),
        None => "-".to_owned(),
    };
    assert_eq!(run["state"], "finished", "{run}");

    let seconds = (run["finished_at"].as_i64().unwrap_or(0) - run["started_at"].as_i64().unwrap_or(0)) as f64 / 1000.0;
    assert_eq!(messages, report.idle_messages, "the run deleted every idle message");
    eprintln!("[{:?}] run: {run}", s.db);
    let ((alone_p50, alone_p99), (during_p50, during_p99)) = (p50_p99(&alone), p50_p99(&during));
    println!(
        "| {:?} | {} | {} | {:.1} | {:.0} | {} | {:.2} | {:.2} | {} | {:.2} | {:.2} | {:.2}x | {} | {} | {} | {:.1} / {:.1} |",
        s.db,
        report.messages,
        messages,
        seconds,
        messages as f64 / seconds.max(0.001),
        alone.len(),
        alone_p50,
        alone_p99,
        during.len(),
        during_p50,
        during_p99,
        during_p99 / alone_p99.max(0.001),
        wal_peak,
        purge_cpu,
        per_cpu_second,
        alone_steal,
        run_steal,
    );
    if samples_file(false).is_some() {
        eprintln!("[{:?}] pooled: {}", s.db, pooled_line(&pooled(false), &pooled(true)));
    }
    (alone, during)
}

/// The pooled figures of sorted latencies, alone and during purges.
fn pooled_line(alone: &[Duration], during: &[Duration]) -> String {
    let ((alone_p50, alone_p99), (during_p50, during_p99)) = (p50_p99(alone), p50_p99(during));
    format!(
        "alone n {} p50 {alone_p50:.2} p99 {alone_p99:.2} ms | during n {} p50 {during_p50:.2} p99 {during_p99:.2} ms | p99 ratio {:.2}x",
        alone.len(),
        during.len(),
        during_p99 / alone_p99.max(0.001),
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    // `RUST_LOG=exthost::platform::data=debug` shows each data call and its time.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let threads: u64 = args.first().map_or(100_000, |a| a.parse().expect("threads"));
    let per_thread: u64 = args.get(1).map_or(10, |a| a.parse().expect("messages per thread"));
    let which = args.get(2).map_or("both", String::as_str);
    let dbs: &[Db] = match which {
        "sqlite" => &[Db::Sqlite],
        "postgres" => &[Db::Postgres],
        _ => &[Db::Sqlite, Db::Postgres],
    };
    println!(
        "| backend | messages | deleted | run s | deleted/s | ingest n alone | p50 ms | p99 ms | n during | p50 ms | p99 ms | p99 ratio | WAL peak MB | purge CPU s | deleted per CPU s | steal % alone / during |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let runs: usize = args.get(3).map_or(1, |a| a.parse().expect("runs")).max(1);
    for db in dbs {
        let all = Arc::new(Mutex::new((Vec::new(), Vec::new())));
        for _ in 0..runs {
            let all = all.clone();
            server::run(*db, Options::default(), move |s| async move {
                let (alone, during) = bench(s, threads, per_thread).await;
                let mut all = all.lock().expect("samples");
                all.0.extend(alone);
                all.1.extend(during);
            })
            .await;
        }
        if runs > 1 {
            let (mut alone, mut during) = std::mem::take(&mut *all.lock().expect("samples"));
            alone.sort();
            during.sort();
            println!("\n{db:?}, pooled over {runs} runs: {}", pooled_line(&alone, &during));
        }
    }
}
