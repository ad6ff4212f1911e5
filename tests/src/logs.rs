//! The test process's log, captured in memory so a test can assert what the
//! server never writes (a secret). Installed once per test binary, before any
//! server starts, at TRACE for the exthost crates and the HTTP and SQL stacks.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Everything the process logs, as bytes.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    /// What has been logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

/// The captured log, installed on first call.
pub fn captured() -> &'static Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let filter = "info,exthost=trace,exthost_runtime=trace,exthost_tests=trace,sqlx=trace,axum=trace";
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(logs.clone())
            .with_ansi(false)
            .init();
        logs
    })
}
