//! The exthost platform: it embeds `exthost-runtime` and gives extensions a
//! platform to act on: storage (SQLite or PostgreSQL), the admin API, the
//! request pipeline and, in time, login, message ingest and the scheduler.
//! `server::start` runs it; `server::app` is the router for tests.

pub mod api;
pub mod bootstrap;
pub mod config;
pub mod pipeline;
pub mod platform;
pub mod plugin_check;
pub mod scaffold;
pub mod secrets;
pub mod seed;
pub mod server;
pub mod state;
pub mod store;
pub mod web;
