//! The real `exthost serve` as a child process, for what only a process can
//! show: dying mid-work and starting again on the same data. The test passes
//! the command's path (`env!("CARGO_BIN_EXE_exthost-cli")`, which only a test
//! binary knows). The server listens on a port of its own choosing, read back
//! from its JSON log, and its log is kept for the test's failure messages.

use crate::api::{Api, TOKEN};
use serde_json::Value;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

/// A running `exthost serve`; killed if dropped.
pub struct Process {
    child: tokio::process::Child,
    pub api: Api,
    log: Arc<Mutex<Vec<String>>>,
}

impl Process {
    /// Start `exe serve` on `data_dir` (its keys, and its SQLite file when no
    /// `database_url` is given) with the test token and no scheduled purge,
    /// and wait until it serves.
    pub async fn serve(exe: &str, data_dir: &Path, database_url: Option<&str>) -> Process {
        let mut command = tokio::process::Command::new(exe);
        match database_url {
            Some(url) => command.env("EXTHOST_DATABASE_URL", url),
            None => command.env_remove("EXTHOST_DATABASE_URL"),
        };
        let mut child = command
            .arg("serve")
            .env("EXTHOST_DATA_DIR", data_dir)
            .env("EXTHOST_LISTEN", "127.0.0.1:0")
            .env("EXTHOST_ADMIN_TOKEN", TOKEN)
            .env("EXTHOST_PURGE_INTERVAL_SECS", "0")
            .env("EXTHOST_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .env_remove("EXTHOST_CONFIG")
            .stdin(Stdio::null())
            // The log goes to stdout; a panic's message to stderr, left to the test's.
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("start {exe} serve: {e}"));
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let log = Arc::new(Mutex::new(Vec::new()));
        // The built-in extensions compile at start: minutes on a cold cache
        // with other tests compiling beside it.
        let found = tokio::time::timeout(Duration::from_secs(300), async {
            while let Some(line) = lines.next_line().await.expect("read the server's log") {
                log.lock().expect("log").push(line.clone());
                let entry: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
                if entry["fields"]["message"] == "exthost is serving" {
                    return entry["fields"]["addr"].as_str().map(str::to_owned);
                }
            }
            None
        })
        .await;
        let addr = match found {
            Ok(Some(addr)) => addr.parse().expect("a socket address"),
            other => panic!(
                "exthost serve did not start ({other:?}):\n{}",
                log.lock().expect("log").join("\n")
            ),
        };
        // Keep reading, so the server never blocks on a full pipe.
        let rest = log.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                rest.lock().expect("log").push(line);
            }
        });
        Process {
            child,
            api: Api::new(addr),
            log,
        }
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log").join("\n")
    }

    /// SIGKILL: no shutdown, no rollback by the process, as a crash or an OOM kill.
    pub async fn kill(mut self) {
        self.child.start_kill().expect("kill exthost");
        self.child.wait().await.expect("reap exthost");
    }

    /// SIGTERM, and wait for the clean stop it starts.
    pub async fn stop(mut self) {
        let pid = self.child.id().expect("a running process").to_string();
        let sent = tokio::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {pid}: {sent}");
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("exthost stops within 30 s of SIGTERM")
            .expect("reap exthost");
        assert!(status.success(), "exthost stopped with {status}:\n{}", self.log());
    }
}
