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
//! runs long enough to give way (`give_way`). A lowered thread also hands its
//! core back every few tens of microseconds (`give_the_core_back`): Linux's
//! EEVDF scheduler treats `SCHED_IDLE` as a small weight, not as a class below
//! the others, so once picked such a thread kept its core until the next tick
//! (4 ms at 250 Hz) while a request's thread waited there, runnable
//! (BENCHMARKS.md, twentieth session). On other systems the function does
//! nothing.

use std::cell::Cell;
use std::ffi::{CStr, c_int, c_void};
use std::sync::{Mutex, OnceLock, PoisonError};
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

/// SQLite VM steps between two hand-backs of a lowered connection's core
/// (tens of microseconds of a delete, as in `give_way`). A connection with the
/// give-way handler hands it back from that handler instead.
pub(super) const STEPS: c_int = 1_000;

/// Pages a lowered checkpoint writes between two hand-backs (a page takes a
/// few microseconds to write into the page cache).
pub(super) const WRITES: u32 = 8;

/// `exthost_low_priority()`: returns 1 when the thread is now at the lowest
/// priority, and from then on the connection hands its core back every
/// `STEPS` (a progress handler, which `give_way` replaces with its own).
pub(super) unsafe extern "C" fn lower(
    ctx: *mut ffi::sqlite3_context,
    _argc: c_int,
    _argv: *mut *mut ffi::sqlite3_value,
) {
    let lowered = lower_this_thread();
    // SAFETY: SQLite passes a valid context of a call on an open connection.
    unsafe {
        if lowered {
            let db = ffi::sqlite3_context_db_handle(ctx);
            ffi::sqlite3_progress_handler(db, STEPS, Some(hand_back), std::ptr::null_mut());
        }
        ffi::sqlite3_result_int(ctx, c_int::from(lowered));
    }
}

thread_local! {
    /// This thread is a lowered connection's.
    static LOWERED: Cell<bool> = const { Cell::new(false) };
    /// Pages this thread wrote since it last handed its core back.
    static WRITTEN: Cell<u32> = const { Cell::new(0) };
}

#[cfg(test)]
thread_local! {
    /// Times this thread handed its core back.
    static HANDED_BACK: Cell<u64> = const { Cell::new(0) };
}

#[cfg(target_os = "linux")]
fn lower_this_thread() -> bool {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: 0 names the calling thread; `param` is valid for the call.
    let lowered = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) == 0 };
    LOWERED.set(lowered);
    lowered
}

/// On a lowered thread, let the scheduler pick again. A `SCHED_IDLE` thread
/// that was picked while a normal one on its core had run past its share
/// keeps the core until something makes the scheduler pick again: a sleep, a
/// wakeup there, or the tick. The work a lowered connection does (a purge's
/// statements, a checkpoint's copy) rarely sleeps, so it asks. The call
/// returns at once when nothing else waits for the core.
pub(super) fn give_the_core_back() {
    if !LOWERED.get() {
        return;
    }
    #[cfg(test)]
    HANDED_BACK.set(HANDED_BACK.get() + 1);
    #[cfg(target_os = "linux")]
    // SAFETY: takes no arguments.
    unsafe {
        libc::sched_yield();
    }
}

/// The progress handler of a lowered connection without `give_way`'s.
unsafe extern "C" fn hand_back(_: *mut c_void) -> c_int {
    give_the_core_back();
    0
}

/// pwrite(2)'s signature, as SQLite's unix VFS calls it.
type Pwrite = unsafe extern "C" fn(c_int, *const c_void, usize, libc::off_t) -> isize;

/// The VFS's own pwrite, which `pwrite_handing_back` wraps.
static PWRITE: OnceLock<Pwrite> = OnceLock::new();

/// A checkpoint copies the WAL back page by page without a VM step, so no
/// progress handler runs meanwhile: its writes hand the core back instead.
unsafe extern "C" fn pwrite_handing_back(fd: c_int, buf: *const c_void, len: usize, at: libc::off_t) -> isize {
    // Set before the wrapper is installed.
    let Some(pwrite) = PWRITE.get() else {
        return -1;
    };
    // SAFETY: SQLite's own arguments, passed on to the call it meant.
    let written = unsafe { pwrite(fd, buf, len, at) };
    if LOWERED.get() {
        let pages = WRITTEN.get() + 1;
        if pages == WRITES {
            WRITTEN.set(0);
            give_the_core_back();
        } else {
            WRITTEN.set(pages);
        }
    }
    written
}

/// Route the unix VFS's page writes through `pwrite_handing_back`, for every
/// connection opened from now on. Called once, before the store opens any
/// (`sqlite_functions::register`); `false` when the VFS has no pwrite to wrap.
pub(super) fn wrap_page_writes() -> bool {
    // SAFETY: the default VFS lives as long as the process. SQLite names the
    // call "pwrite64" or "pwrite" as it was built, and the wrapper has its
    // signature; SQLite takes the pointer untyped.
    unsafe {
        let vfs = ffi::sqlite3_vfs_find(std::ptr::null());
        let Some(vfs) = vfs.as_ref() else {
            return false;
        };
        let (Some(get), Some(set)) = (vfs.xGetSystemCall, vfs.xSetSystemCall) else {
            return false;
        };
        let vfs = std::ptr::from_ref(vfs).cast_mut();
        for name in [c"pwrite64", c"pwrite"] {
            let Some(found) = get(vfs, name.as_ptr()) else {
                continue;
            };
            let _ = PWRITE.set(std::mem::transmute::<unsafe extern "C" fn(), Pwrite>(found));
            let own: Pwrite = pwrite_handing_back;
            let wrapper = std::mem::transmute::<Pwrite, unsafe extern "C" fn()>(own);
            return set(vfs, name.as_ptr(), Some(wrapper)) == ffi::SQLITE_OK;
        }
        false
    }
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

/// The SQL function that tells how often the calling connection's thread
/// handed its core back, for the tests.
#[cfg(test)]
pub(super) const HANDED_BACK_COUNT: &CStr = c"exthost_handed_back";

/// `exthost_handed_back()`: the calling thread's hand-backs so far.
#[cfg(test)]
pub(super) unsafe extern "C" fn handed_back(
    ctx: *mut ffi::sqlite3_context,
    _argc: c_int,
    _argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite passes a valid context.
    unsafe { ffi::sqlite3_result_int64(ctx, HANDED_BACK.get() as i64) };
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
