//! The SQL functions through which the store reaches a SQLite connection's raw
//! handle, since sqlx's `Any` driver hands none out: every SQLite connection of
//! the process gets them from `sqlite3_auto_extension`, and a connection is
//! given a role by calling them as it opens (`sqlite::open`). Each function's
//! work lives in the module of its job: the give-way handler (`give_way`), the
//! busy handler (`busy`) and the thread priority (`low_priority`), which also
//! wraps the VFS's page writes here.

use std::ffi::{CStr, c_char, c_int};
use std::ptr;
use std::sync::Once;

use libsqlite3_sys as ffi;

use super::{busy, give_way, low_priority};

/// A function's C signature, as SQLite calls it.
type Function = unsafe extern "C" fn(*mut ffi::sqlite3_context, c_int, *mut *mut ffi::sqlite3_value);

/// Every function: its name, how many arguments it takes, and its body.
const FUNCTIONS: &[(&CStr, c_int, Function)] = &[
    (give_way::FUNCTION, 1, give_way::install),
    (busy::FUNCTION, 0, busy::install),
    (low_priority::FUNCTION, 0, low_priority::lower),
    #[cfg(test)]
    (low_priority::IS_LOW, 0, low_priority::is_low),
    #[cfg(test)]
    (low_priority::HANDED_BACK_COUNT, 0, low_priority::handed_back),
];

/// Give every SQLite connection opened from now on the functions, and the
/// page writes that let a lowered checkpoint hand its core back
/// (`low_priority`).
pub(super) fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: `entry` has the signature SQLite calls entry points with.
        unsafe { ffi::sqlite3_auto_extension(Some(entry)) };
        if !low_priority::wrap_page_writes() {
            tracing::warn!("SQLite's page writes could not be wrapped; lowered checkpoints keep their core");
        }
    });
}

unsafe extern "C" fn entry(
    db: *mut ffi::sqlite3,
    _error: *mut *mut c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    for &(name, arguments, body) in FUNCTIONS {
        // SAFETY: `db` is the connection being opened; DIRECTONLY keeps triggers
        // and views (which a schema could carry) from calling the function.
        let rc = unsafe {
            ffi::sqlite3_create_function_v2(
                db,
                name.as_ptr(),
                arguments,
                ffi::SQLITE_UTF8 | ffi::SQLITE_DIRECTONLY,
                ptr::null_mut(),
                Some(body),
                None,
                None,
                None,
            )
        };
        if rc != ffi::SQLITE_OK {
            return rc;
        }
    }
    ffi::SQLITE_OK
}

/// The statement that calls `name` without arguments.
pub(super) fn call(name: &CStr) -> String {
    format!("SELECT {}()", name.to_str().unwrap_or_default())
}
