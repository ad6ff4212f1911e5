//! Background writes that give way to foreground ones on SQLite. SQLite lets
//! one connection write at a time, so a request that needs to write while a
//! purge batch runs would wait out the whole batch, and a batch stalled by the
//! machine (a checkpoint's fsync, a core taken away) stalls every request
//! behind it. The background writer connection carries a progress handler that
//! interrupts the statement it is running when that statement belongs to a
//! background script and foreground work has waited `GRACE`: SQLite rolls the
//! batch back, the foreground write goes, and the batch is tried again
//! (`store::purge`). The grace lets a batch that is about to end do so, since
//! an interrupted batch is work thrown away. Foreground work is a write waiting
//! for the writer or for SQLite's lock, and a request being served, from its
//! start (`Store::serving`); background work stands aside until none is in
//! progress (`stand_aside`). The handler is installed through an SQL function
//! (`sqlite_functions`). PostgreSQL gives each write a connection of its own,
//! so nothing there gives way; its purges still stand aside.

use std::collections::HashMap;
use std::ffi::{CStr, c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use libsqlite3_sys as ffi;

/// SQLite VM steps between two looks at whether to give way.
const STEPS: c_int = super::low_priority::STEPS;

/// How long a foreground write waits before the background script gives way:
/// a batch that ends within the grace is not thrown away. 2 ms (most of a
/// 50-thread batch) put the median ingest during a purge at 3.7-4.5 ms
/// against 1.5-2.0 ms alone; 200 µs put it at 2.3-2.9 ms, with no loss of
/// deletes per second that the bench could see: a batch tried again finds
/// its pages in the cache and goes faster (BENCHMARKS.md).
const GRACE: Duration = Duration::from_micros(200);

/// How long background work stands aside for foreground work at most before
/// it goes anyway, so that a purge under a constant stream of requests still
/// ends: each of its steps waits at most this long.
const STAND_ASIDE_AT_MOST: Duration = Duration::from_millis(10);

/// The SQL function that installs the handler, and the name the connection
/// keeps its reference to the `GiveWay` under.
pub(super) const FUNCTION: &CStr = c"exthost_give_way";

/// Whether a background script is on the writer, and the foreground work it
/// gives way to.
#[derive(Debug)]
pub(super) struct GiveWay {
    id: u64,
    /// A background script is running on the connection.
    background: AtomicBool,
    /// Foreground writes waiting for (or holding) the connection, and
    /// requests being served.
    waiting: Mutex<usize>,
    /// Since when (µs after `EPOCH`) some foreground work has waited; 0: none.
    waiting_since: AtomicU64,
    /// Background scripts that gave way, for the log and the tests.
    gave_way: AtomicU64,
    /// Wakes those standing aside when `waiting` falls to 0.
    quiet: tokio::sync::Notify,
}

/// The live `GiveWay`s by id, for the SQL function to find: SQL can name a
/// number, never a pointer.
static REGISTRY: LazyLock<Mutex<HashMap<u64, Weak<GiveWay>>>> = LazyLock::new(Default::default);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl GiveWay {
    pub fn new() -> Arc<GiveWay> {
        let give_way = Arc::new(GiveWay {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            background: AtomicBool::new(false),
            waiting: Mutex::new(0),
            waiting_since: AtomicU64::new(0),
            gave_way: AtomicU64::new(0),
            quiet: tokio::sync::Notify::new(),
        });
        let mut registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
        registry.retain(|_, live| live.strong_count() > 0);
        registry.insert(give_way.id, Arc::downgrade(&give_way));
        give_way
    }

    /// The statement that makes the connection running it give way for `self`.
    pub fn install_sql(&self) -> String {
        format!("SELECT {}({})", FUNCTION.to_str().unwrap_or_default(), self.id)
    }

    /// Count a foreground write as waiting until the guard drops.
    pub fn foreground(self: &Arc<Self>) -> Foreground {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        if *waiting == 0 {
            self.waiting_since.store(micros_since_epoch().max(1), Ordering::SeqCst);
        }
        *waiting += 1;
        Foreground(self.clone())
    }

    /// Mark the connection's current script as one that gives way, until the
    /// guard drops. Only one script runs on the writer at a time.
    pub fn background(self: &Arc<Self>) -> Background {
        self.background.store(true, Ordering::SeqCst);
        Background(self.clone())
    }

    /// Wait until no foreground write waits and no request is served, or
    /// `STAND_ASIDE_AT_MOST` has passed.
    pub async fn stand_aside(&self) {
        self.stand_aside_at_most(STAND_ASIDE_AT_MOST).await;
    }

    async fn stand_aside_at_most(&self, at_most: Duration) {
        let deadline = tokio::time::Instant::now() + at_most;
        loop {
            let quiet = self.quiet.notified();
            tokio::pin!(quiet);
            // Registered before the count is read, so that foreground work
            // ending in between still wakes this waiter.
            quiet.as_mut().enable();
            if *self.waiting.lock().unwrap_or_else(PoisonError::into_inner) == 0 {
                return;
            }
            if tokio::time::timeout_at(deadline, quiet).await.is_err() {
                return;
            }
        }
    }

    /// Count a script that gave way; returns how many have.
    pub fn note_gave_way(&self) -> u64 {
        self.gave_way.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn should_give_way(&self) -> bool {
        if !self.background.load(Ordering::Relaxed) {
            return false;
        }
        let since = self.waiting_since.load(Ordering::Relaxed);
        since != 0 && micros_since_epoch().saturating_sub(since) >= GRACE.as_micros() as u64
    }
}

/// Microseconds on a monotonic clock, for the handler to compare cheaply.
fn micros_since_epoch() -> u64 {
    static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);
    EPOCH.elapsed().as_micros() as u64
}

/// Foreground work (a write waiting for the writer, or a request being
/// served) until dropped.
pub struct Foreground(Arc<GiveWay>);

impl Drop for Foreground {
    fn drop(&mut self) {
        let mut waiting = self.0.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        *waiting -= 1;
        if *waiting == 0 {
            self.0.waiting_since.store(0, Ordering::SeqCst);
            self.0.quiet.notify_waiters();
        }
    }
}

pub(super) struct Background(Arc<GiveWay>);

impl Drop for Background {
    fn drop(&mut self) {
        self.0.background.store(false, Ordering::SeqCst);
    }
}

/// Whether `e` is SQLite's "interrupted": the script gave way.
pub(super) fn gave_way(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == ffi::SQLITE_INTERRUPT.to_string())
}

/// `exthost_give_way(id)`: install the handler for `GiveWay` `id` on the
/// connection that calls it.
pub(super) unsafe extern "C" fn install(
    ctx: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite passes `argc` (1, as registered) values in `argv`.
    let id = unsafe {
        if argc != 1 {
            ffi::sqlite3_result_error(ctx, c"exthost_give_way takes one argument".as_ptr(), -1);
            return;
        }
        ffi::sqlite3_value_int64(*argv)
    };
    let found = REGISTRY
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&(id as u64))
        .and_then(Weak::upgrade);
    let Some(give_way) = found else {
        // SAFETY: a valid context and a NUL-terminated message.
        unsafe { ffi::sqlite3_result_error(ctx, c"no such writer".as_ptr(), -1) };
        return;
    };
    let raw = Arc::into_raw(give_way).cast_mut().cast::<c_void>();
    // SAFETY: the connection keeps `raw` as client data, which holds the `Arc`'s
    // count until the connection closes (or a second install replaces it, after
    // the handler has moved to the new pointer), so the handler never sees a
    // freed `GiveWay`.
    unsafe {
        let db = ffi::sqlite3_context_db_handle(ctx);
        ffi::sqlite3_progress_handler(db, STEPS, Some(handler), raw);
        ffi::sqlite3_set_clientdata(db, FUNCTION.as_ptr(), raw, Some(release));
        ffi::sqlite3_result_int(ctx, 1);
    }
}

/// Non-zero interrupts the running statement.
unsafe extern "C" fn handler(raw: *mut c_void) -> c_int {
    // SAFETY: `raw` came from `Arc::into_raw` in `install` and is kept alive by
    // the connection's client data.
    let give_way = unsafe { &*raw.cast::<GiveWay>() };
    // This handler replaced the one a lowered connection hands its core back from.
    super::low_priority::give_the_core_back();
    c_int::from(give_way.should_give_way())
}

unsafe extern "C" fn release(raw: *mut c_void) {
    // SAFETY: the one reference `install` handed to the connection.
    drop(unsafe { Arc::from_raw(raw.cast::<GiveWay>()) });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn standing_aside_ends_at_once_without_foreground_work() {
        let give_way = GiveWay::new();
        let started = Instant::now();
        give_way.stand_aside_at_most(Duration::from_secs(60)).await;
        assert!(started.elapsed() < Duration::from_secs(30));
    }

    #[tokio::test]
    async fn standing_aside_lasts_until_the_last_foreground_work_ends() {
        let give_way = GiveWay::new();
        let first = give_way.foreground();
        let second = give_way.foreground();
        let (ended_tx, ended_rx) = tokio::sync::oneshot::channel();
        let work = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            drop(first);
            tokio::time::sleep(Duration::from_millis(50)).await;
            ended_tx.send(Instant::now()).unwrap();
            drop(second);
        });
        give_way.stand_aside_at_most(Duration::from_secs(60)).await;
        let aside_until = Instant::now();
        assert!(
            aside_until >= ended_rx.await.unwrap(),
            "went on while foreground work remained"
        );
        work.await.unwrap();
    }

    #[tokio::test]
    async fn standing_aside_gives_up_after_at_most() {
        let give_way = GiveWay::new();
        let _forever = give_way.foreground();
        let started = Instant::now();
        give_way.stand_aside_at_most(Duration::from_millis(20)).await;
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(20), "{waited:?}");
        assert!(waited < Duration::from_secs(30), "{waited:?}");
    }
}
