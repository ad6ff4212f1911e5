//! Background SQLite connections run their thread at the lowest CPU priority,
//! unless that starved them. A purge takes a core; on a small machine a
//! request, which passes through several threads (the reads, the write, the
//! async workers), then waits for a core at each of them. sqlx runs each SQLite
//! connection on a thread of its own, so a connection that calls `FUNCTION` as
//! it opens puts that thread under `SCHED_IDLE`: it runs only on a core that
//! nothing else wants, and whatever wakes up takes its core at once. Any
//! process may lower its own threads so; raising one back takes a privilege,
//! so nothing does. But on a machine that other work keeps busy such a thread
//! barely runs (a purge beside a build fell from 21,769 to 1,721 deletes/s in
//! BENCHMARKS.md), and a purge must end: a step of background work that takes
//! longer than `STARVED_AFTER` makes the next steps, for `STARVED_FOR`, run on
//! connections at normal priority (`Lowering`). Until then a starved batch
//! holds SQLite's write lock, and a foreground write waits until the batch
//! runs long enough to give way (`give_way`). On other systems the function
//! does nothing.

use std::ffi::{CStr, c_int};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use libsqlite3_sys as ffi;

/// A step of background work (a purge's data call, a periodic checkpoint)
/// longer than this starved: a thread batch takes about 8 ms, one that gave
/// way as often as it may about 160 ms, a checkpoint during a purge up to 60 ms.
const STARVED_AFTER: Duration = Duration::from_millis(500);

/// How long background work runs at normal priority after a step starved.
const STARVED_FOR: Duration = Duration::from_secs(60);

/// Whether background work runs on the lowered connections now, or, for a
/// while after one of its steps starved, on connections at normal priority.
#[derive(Debug)]
pub(super) struct Lowering {
    starved_after: Duration,
    starved_for: Duration,
    /// Until when background work runs at normal priority.
    normal_until: Mutex<Option<Instant>>,
}

impl Default for Lowering {
    fn default() -> Self {
        Lowering::new(STARVED_AFTER, STARVED_FOR)
    }
}

impl Lowering {
    fn new(starved_after: Duration, starved_for: Duration) -> Lowering {
        Lowering {
            starved_after,
            starved_for,
            normal_until: Mutex::new(None),
        }
    }

    /// Whether background work goes to the lowered connections.
    pub fn lowered(&self) -> bool {
        let normal_until = self.normal_until.lock().unwrap_or_else(PoisonError::into_inner);
        normal_until.is_none_or(|until| Instant::now() >= until)
    }

    /// A step of background work took `took`; one that starved raises the
    /// next ones for `starved_for`.
    pub fn note_step(&self, took: Duration) {
        if took < self.starved_after {
            return;
        }
        let until = Instant::now() + self.starved_for;
        let mut normal_until = self.normal_until.lock().unwrap_or_else(PoisonError::into_inner);
        if normal_until.is_none_or(|was| Instant::now() >= was) {
            tracing::info!(
                took_ms = took.as_millis() as u64,
                for_s = self.starved_for.as_secs(),
                "background work starved at the lowest priority; running it at normal priority"
            );
        }
        *normal_until = Some(until);
    }
}

/// The SQL function that lowers the calling connection's thread.
pub(super) const FUNCTION: &CStr = c"exthost_low_priority";

/// `exthost_low_priority()`: returns 1 when the thread is now at the lowest priority.
pub(super) unsafe extern "C" fn lower(
    ctx: *mut ffi::sqlite3_context,
    _argc: c_int,
    _argv: *mut *mut ffi::sqlite3_value,
) {
    let lowered = lower_this_thread();
    // SAFETY: SQLite passes a valid context.
    unsafe { ffi::sqlite3_result_int(ctx, c_int::from(lowered)) };
}

#[cfg(target_os = "linux")]
fn lower_this_thread() -> bool {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: 0 names the calling thread; `param` is valid for the call.
    unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn lower_this_thread() -> bool {
    false
}

/// The SQL function that tells whether the calling connection's thread is
/// at the lowest priority, for the tests.
#[cfg(test)]
pub(super) const IS_LOW: &CStr = c"exthost_is_low_priority";

/// `exthost_is_low_priority()`: 1 when the calling thread is under `SCHED_IDLE`.
#[cfg(test)]
pub(super) unsafe extern "C" fn is_low(
    ctx: *mut ffi::sqlite3_context,
    _argc: c_int,
    _argv: *mut *mut ffi::sqlite3_value,
) {
    #[cfg(target_os = "linux")]
    // SAFETY: 0 names the calling thread.
    let low = unsafe { libc::sched_getscheduler(0) } == libc::SCHED_IDLE;
    #[cfg(not(target_os = "linux"))]
    let low = false;
    // SAFETY: SQLite passes a valid context.
    unsafe { ffi::sqlite3_result_int(ctx, c_int::from(low)) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_that_starved_raises_background_work_for_a_while() {
        let lowering = Lowering::new(Duration::from_millis(500), Duration::from_millis(100));
        assert!(lowering.lowered());
        lowering.note_step(Duration::from_millis(499));
        assert!(lowering.lowered(), "a step shorter than the bound did not starve");
        lowering.note_step(Duration::from_millis(500));
        assert!(!lowering.lowered());
        std::thread::sleep(Duration::from_millis(100));
        assert!(lowering.lowered(), "lowered again once the while has passed");
    }
}
