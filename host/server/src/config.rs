//! The server's configuration: defaults, then an optional TOML file, then
//! `EXTHOST_*` environment variables, each overriding the one before. A
//! setting that cannot be parsed is refused with its name.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Everything `exthost serve` needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where to listen, e.g. `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// `sqlite://...`, a file path, or `postgres://...`. Default: `<data_dir>/exthost.db`.
    pub database_url: Option<String>,
    /// Where the SQLite file, the compile cache and the generated secret key live.
    pub data_dir: PathBuf,
    /// The key that encrypts extension secrets at rest. Default: generated once
    /// into `<data_dir>/secret.key`. Several nodes must share one.
    pub secret_key: Option<String>,
    /// The platform's public URL, used in callback URLs shown to admins.
    pub base_url: Option<String>,
    /// The tenant (subdomain) this process serves.
    pub tenant: String,
    /// Limits for every extension.
    pub limits: LimitsConfig,
    /// The largest component an admin may upload, in bytes.
    pub max_upload_bytes: usize,
    /// An admin API token to accept (e.g. provisioned by deployment tooling).
    /// Without one, the first start generates a token and prints it once.
    pub admin_token: Option<String>,
    /// The data purge's schedule and limits.
    pub purge: PurgeConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PurgeConfig {
    /// Seconds between two scheduled purge runs; 0 turns the schedule off
    /// (runs can still be started from the admin API).
    pub interval_secs: u64,
    /// The deadline of one on-purge-tick call, in milliseconds: counting or
    /// deleting a batch over millions of rows takes longer than a request hook
    /// may. Applies to extensions that export on-purge-tick and nothing else.
    pub deadline_ms: u64,
}

impl Default for PurgeConfig {
    fn default() -> Self {
        PurgeConfig {
            interval_secs: 3600,
            deadline_ms: 60_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Per hook call, in milliseconds.
    pub deadline_ms: u64,
    /// Per instance, in MiB.
    pub memory_mib: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            deadline_ms: 500,
            memory_mib: 64,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: None,
            data_dir: PathBuf::from("data"),
            secret_key: None,
            base_url: None,
            tenant: "default".into(),
            limits: LimitsConfig::default(),
            max_upload_bytes: 32 << 20,
            admin_token: None,
            purge: PurgeConfig::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the config file {path} is invalid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {name} is invalid: {message}")]
    Env { name: &'static str, message: String },
}

impl Config {
    /// Defaults, overridden by `file` (if any), overridden by the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.into(),
                    source,
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: path.into(),
                    message: e.to_string(),
                })?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &'static str, v: &str) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            v.parse().map_err(|e: T::Err| ConfigError::Env {
                name,
                message: e.to_string(),
            })
        }
        if let Some(v) = var("EXTHOST_LISTEN") {
            self.listen = parse("EXTHOST_LISTEN", &v)?;
        }
        if let Some(v) = var("EXTHOST_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = var("EXTHOST_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = var("EXTHOST_SECRET_KEY") {
            self.secret_key = Some(v);
        }
        if let Some(v) = var("EXTHOST_ADMIN_TOKEN") {
            self.admin_token = Some(v);
        }
        if let Some(v) = var("EXTHOST_BASE_URL") {
            self.base_url = Some(v);
        }
        if let Some(v) = var("EXTHOST_DEADLINE_MS") {
            self.limits.deadline_ms = parse("EXTHOST_DEADLINE_MS", &v)?;
        }
        if let Some(v) = var("EXTHOST_MEMORY_MIB") {
            self.limits.memory_mib = parse("EXTHOST_MEMORY_MIB", &v)?;
        }
        if let Some(v) = var("EXTHOST_PURGE_INTERVAL_SECS") {
            self.purge.interval_secs = parse("EXTHOST_PURGE_INTERVAL_SECS", &v)?;
        }
        if let Some(v) = var("EXTHOST_PURGE_DEADLINE_MS") {
            self.purge.deadline_ms = parse("EXTHOST_PURGE_DEADLINE_MS", &v)?;
        }
        Ok(())
    }

    /// The database URL in force: the configured one, or a SQLite file in the data dir.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| self.data_dir.join("exthost.db").display().to_string())
    }

    /// The public base URL, without a trailing slash.
    pub fn base_url(&self) -> String {
        let url = self
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen));
        url.trim_end_matches('/').to_string()
    }

    pub fn limits(&self) -> exthost_runtime::Limits {
        exthost_runtime::Limits {
            deadline: Duration::from_millis(self.limits.deadline_ms),
            memory_bytes: self.limits.memory_mib << 20,
            ..exthost_runtime::Limits::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_file_and_names_bad_values() {
        let mut c: Config = toml::from_str("listen = \"0.0.0.0:9000\"\n[limits]\ndeadline_ms = 100").unwrap();
        assert_eq!(c.listen.port(), 9000);
        c.apply_env(|n| (n == "EXTHOST_LISTEN").then(|| "127.0.0.1:7000".to_string()))
            .unwrap();
        assert_eq!(c.listen.port(), 7000);
        assert_eq!(c.limits.deadline_ms, 100);
        let err = c
            .apply_env(|n| (n == "EXTHOST_MEMORY_MIB").then(|| "lots".to_string()))
            .unwrap_err();
        assert!(err.to_string().contains("EXTHOST_MEMORY_MIB"));
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<Config>("listne = \"x\"").is_err());
    }
}
