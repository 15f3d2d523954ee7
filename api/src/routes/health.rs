//! Liveness, readiness and metrics.

use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::State;
use crate::store;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` while the process serves.
    pub status: String,
}

/// Readiness of each dependency.
#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ok` when every configured dependency answers; `degraded` when only Redis does not (the API
    /// serves, reminders wait); `unavailable` when the database does not.
    pub status: String,
    /// `ok` or `down`.
    pub database: String,
    /// `ok`, `down`, or `not_configured` (reminders run in-process).
    pub redis: String,
}

/// The process is up.
#[utoipa::path(tag = "health", operation_id = "get_healthz", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok".into() })
}

/// The database and, when configured, Redis answer. 503 when the database does not; Redis down is
/// `degraded` (the API serves, reminders wait for Redis) and still 200.
#[utoipa::path(
    tag = "health",
    operation_id = "get_readyz",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness, description = "The database does not answer"))
)]
#[get("/readyz")]
pub async fn readyz(state: State) -> HttpResponse {
    let database = store::ping(&state.db).await;
    let redis = match &state.redis {
        None => None,
        Some(conn) => {
            let mut conn = conn.clone();
            let pong: Result<String, _> =
                tokio::time::timeout(std::time::Duration::from_secs(2), redis::cmd("PING").query_async(&mut conn))
                    .await
                    .unwrap_or_else(|_| Err(redis::RedisError::from((redis::ErrorKind::Io, "timeout"))));
            Some(pong.is_ok())
        }
    };
    // Without the database nothing works; without Redis the API serves and only reminders wait.
    let ok = database;
    let body = Readiness {
        status: match (database, redis) {
            (false, _) => "unavailable",
            (true, Some(false)) => "degraded",
            _ => "ok",
        }
        .into(),
        database: if database { "ok" } else { "down" }.into(),
        redis: match redis {
            None => "not_configured",
            Some(true) => "ok",
            Some(false) => "down",
        }
        .into(),
    };
    if ok { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(tag = "health", operation_id = "get_metrics", responses((status = 200, content_type = "text/plain", body = String)))]
#[get("/metrics")]
pub async fn metrics(state: State) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render())
}
