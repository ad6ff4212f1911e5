//! Composition: configuration → store → runtime → registry → router, and the
//! listener with graceful shutdown. `app()` is the whole platform as a
//! `Router`, so tests can drive it with or without a socket.

use crate::api;
use crate::bootstrap::{self, BootstrapError, FirstStart};
use crate::config::Config;
use crate::pipeline;
use crate::platform::data::{PurgeFaults, StoreData};
use crate::platform::kv::StoreKv;
use crate::platform::purge;
use crate::platform::registry::Place;
use crate::platform::{Registry, RegistryError};
use crate::secrets::{SecretBox, SecretError};
use crate::state::AppState;
use crate::store::{Store, StoreError};
use crate::web;
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use exthost_runtime::{HostServices, Observer, Runtime, RuntimeConfig, RuntimeError};
use serde_json::json;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::mpsc;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("secret key: {0}")]
    Secret(#[from] SecretError),
    #[error("extension runtime: {0}")]
    Runtime(#[from] RuntimeError),
    #[error("extensions: {0}")]
    Registry(#[from] RegistryError),
    #[error("first start: {0}")]
    Bootstrap(#[from] BootstrapError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
}

/// Quarantines become audit events, written by a task (the runtime's callback is sync).
struct AuditQuarantine(mpsc::UnboundedSender<(String, String)>);

impl Observer for AuditQuarantine {
    fn quarantined(&self, extension_id: &str, reason: &str) {
        let _ = self.0.send((extension_id.to_string(), reason.to_string()));
    }
}

/// Open everything the platform needs; returns the state and, on a first start, the admin credentials.
pub async fn build(config: Config) -> Result<(Arc<AppState>, Option<FirstStart>), StartError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
        path: config.data_dir.display().to_string(),
        source,
    })?;
    let store = Store::open(&config.database_url()).await?;
    let secrets = SecretBox::from_config(config.secret_key.as_deref(), &config.data_dir)?;
    let (tx, mut quarantines) = mpsc::unbounded_channel();
    let purge_faults = Arc::new(PurgeFaults::default());
    let handle = tokio::runtime::Handle::current();
    let runtime = Runtime::new(RuntimeConfig {
        cache_dir: Some(config.data_dir.join("cache")),
        // The upload limit is enforced at the HTTP layer; the runtime's own
        // (larger) cap also covers the built-ins installed at start.
        default_limits: config.limits(),
        services: HostServices {
            observer: Arc::new(AuditQuarantine(tx)),
            kv: Some(Arc::new(StoreKv::new(store.clone(), handle.clone()))),
            data: Some(Arc::new(StoreData::new(store.clone(), handle, purge_faults.clone()))),
            ..HostServices::default()
        },
        ..RuntimeConfig::default()
    })?;
    let place = Place {
        tenant: config.tenant.clone(),
        base_url: config.base_url(),
        limits: config.limits(),
        purge_deadline: std::time::Duration::from_millis(config.purge.deadline_ms),
    };
    let registry = Registry::open(runtime, store.clone(), secrets, place).await?;
    let first = bootstrap::ensure_admin(&store, &config.tenant, config.admin_token.as_deref()).await?;
    let state = Arc::new(AppState {
        config,
        store,
        registry,
        purger: purge::Purger::default(),
        purge_faults,
    });
    state.purger.recover(&state).await?;
    purge::schedule(
        Arc::downgrade(&state),
        std::time::Duration::from_secs(state.config.purge.interval_secs),
    );
    let weak = Arc::downgrade(&state);
    tokio::spawn(async move {
        while let Some((id, reason)) = quarantines.recv().await {
            let Some(state) = weak.upgrade() else { break };
            let payload = json!({ "id": id, "reason": reason });
            if let Err(e) = state.registry.audit("extension.quarantined", None, payload).await {
                tracing::error!(error = %e, "could not record a quarantine");
            }
        }
    });
    Ok((state, first))
}

/// The whole platform as a router: the pipeline wraps every route and the fallback.
pub fn app(state: Arc<AppState>) -> Router {
    let api = api::router(state.config.max_upload_bytes);
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .nest("/api/v1", api)
        .merge(web::router())
        .fallback(|| async {
            let body = json!({ "error": { "code": "not_found", "message": "no such route" } });
            (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pipeline::on_request,
        ))
        .with_state(state)
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    pub first_start: Option<FirstStart>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Wait until the server stops (after the shutdown signal, open requests finished).
    pub async fn wait(self) -> std::io::Result<()> {
        self.task.await.map_err(std::io::Error::other)?
    }
}

/// Bind `config.listen` and serve until `shutdown` resolves.
pub async fn start(
    mut config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Running, StartError> {
    let listen = config.listen;
    // Bind first: with port 0 only the bound address says where the platform
    // is, and extensions get the base URL in `init`.
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| StartError::Bind { addr: listen, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| StartError::Bind { addr: listen, source })?;
    if config.base_url.is_none() {
        config.base_url = Some(format!("http://{addr}"));
    }
    let (state, first_start) = build(config).await?;
    let service = app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move { axum::serve(listener, service).with_graceful_shutdown(shutdown).await });
    Ok(Running {
        addr,
        state,
        first_start,
        task,
    })
}
