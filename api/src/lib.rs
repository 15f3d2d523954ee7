//! The Changxiao service: HTTP API, persistence, queue and storage. Rules live in `domain`.

pub mod auth;
pub mod authority;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod console;
pub mod crypto;
pub mod delivery;
pub mod demo;
pub mod demo_history;
pub mod error;
pub mod generator;
pub mod media;
pub mod metrics;
pub mod openapi;
pub mod query;
pub mod queue;
pub mod reminders;
pub mod roster;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod state;
pub mod storage;
pub mod store;
pub mod telemetry;
