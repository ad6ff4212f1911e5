//! How a SQLite writer waits for the other one. A database file has two writer
//! connections, the foreground one and the background one that runs purge
//! batches (`sqlite`), and SQLite lets one write at a time: the other gets
//! "busy" and calls its busy handler. The one sqlx installs (`busy_timeout`)
//! sleeps in growing steps up to 100 ms, so a request whose write met a purge
//! batch would sleep on long after the batch gave way (`give_way`), which takes
//! a few hundred microseconds. This handler tries again every `STEP` at first
//! instead, for as long as sqlx's timeout allowed.

use std::ffi::{CStr, c_int, c_void};
use std::ptr;
use std::time::Duration;

use libsqlite3_sys as ffi;

/// The SQL function that installs the handler on the connection calling it.
pub(super) const FUNCTION: &CStr = c"exthost_short_busy_waits";

/// How long the handler sleeps between two of its first `SHORT_TRIES` tries:
/// about what a background batch takes to notice a waiting write and roll back.
const STEP: Duration = Duration::from_micros(50);

/// Tries at `STEP` (2 ms in all), after which the handler sleeps `LONG_STEP`:
/// a writer still waiting waits for a whole transaction, and waking 20,000
/// times a second for it would be a core's work for nothing.
const SHORT_TRIES: u32 = 40;
const LONG_STEP: Duration = Duration::from_millis(1);

/// How long a write waits in all before SQLite reports "database is locked",
/// as with sqlx's default `busy_timeout`.
const AT_MOST: Duration = Duration::from_secs(5);

/// `exthost_short_busy_waits()`: install the handler on the calling connection.
pub(super) unsafe extern "C" fn install(
    ctx: *mut ffi::sqlite3_context,
    _argc: c_int,
    _argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite passes a valid context of a function call on an open connection.
    unsafe {
        let db = ffi::sqlite3_context_db_handle(ctx);
        let rc = ffi::sqlite3_busy_handler(db, Some(handler), ptr::null_mut());
        ffi::sqlite3_result_int(ctx, c_int::from(rc == ffi::SQLITE_OK));
    }
}

/// Called with how many times it was called for this wait; non-zero tries again.
unsafe extern "C" fn handler(_: *mut c_void, tries: c_int) -> c_int {
    match sleep_before(u32::try_from(tries).unwrap_or(0)) {
        Some(step) => {
            // SQLite's connection thread, which has nothing else to do meanwhile.
            std::thread::sleep(step);
            1
        }
        None => 0,
    }
}

/// How long to sleep before try `tries + 1`; `None` once the wait has lasted `AT_MOST`.
fn sleep_before(tries: u32) -> Option<Duration> {
    let (step, waited) = if tries < SHORT_TRIES {
        (STEP, STEP * tries)
    } else {
        (LONG_STEP, STEP * SHORT_TRIES + LONG_STEP * (tries - SHORT_TRIES))
    };
    (waited < AT_MOST).then_some(step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_steps_first_then_long_ones_until_the_timeout() {
        assert_eq!(sleep_before(0), Some(STEP));
        assert_eq!(sleep_before(SHORT_TRIES - 1), Some(STEP));
        assert_eq!(sleep_before(SHORT_TRIES), Some(LONG_STEP));
        let slept: Duration = (0..).map_while(sleep_before).sum();
        assert!(slept >= AT_MOST && slept < AT_MOST + LONG_STEP, "{slept:?}");
    }
}
