//! The reminder queue for the RRO and the administrator: its depth, and the dead letters —
//! reminders that failed every attempt — with a replay.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::org::Act;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::queue::Depth;
use crate::routes::common::Problem;
use crate::state::State;
use crate::store::users;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_reminder_queue).service(replay_dead_letter);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetter {
    /// The reminder's key (what makes it delivered once).
    pub key: String,
    pub kind: String,
    pub user_id: Uuid,
    pub title: String,
    pub attempts: u32,
    pub dead_since: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReminderQueue {
    /// `redis`, or `in_process` (no Redis: every pass derives and delivers directly, and a failed
    /// delivery is retried by the next pass, so nothing is dead-lettered).
    pub backend: String,
    pub depth: Depth,
    /// Dead letters for users of the caller's towns, oldest first.
    pub dead_letters: Vec<DeadLetter>,
}

fn queue_down(e: redis::RedisError) -> ApiError {
    ApiError::problem(
        actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
        "queue_unavailable",
        "提醒队列暂时无法访问，请稍后再试",
        format!("Redis: {:?}", e.kind()),
    )
}

/// The dead letters whose user belongs to the caller's towns.
async fn dead_letters_in_reach(state: &State, user: &AuthUser) -> ApiResult<Vec<DeadLetter>> {
    let Some(q) = &state.queue else { return Ok(vec![]) };
    let towns = user.access.towns();
    let letters = q.dead_letters(1000).await.map_err(queue_down)?;
    let mut out = Vec::new();
    for d in letters {
        let Some(r) = d.reminder else { continue };
        let Some(owner) = users::by_id(&state.db, r.user).await? else { continue };
        if owner.town_id.is_some_and(|t| towns.contains(&t)) {
            out.push(DeadLetter {
                key: d.key,
                kind: r.kind.as_str().to_owned(),
                user_id: r.user,
                title: r.title,
                attempts: d.attempts,
                dead_since: d.dead_since,
            });
        }
    }
    Ok(out)
}

/// The queue's depth and its dead letters.
#[utoipa::path(tag = "notifications", operation_id = "get_reminder_queue", security(("bearer" = [])),
    responses((status = 200, body = ReminderQueue), (status = 401, response = Problem), (status = 403, response = Problem), (status = 503, response = Problem)))]
#[get("/reminders/queue")]
pub async fn get_reminder_queue(state: State, user: AuthUser) -> ApiResult<web::Json<ReminderQueue>> {
    user.require(Act::ManageReminders)?;
    let (backend, depth) = match &state.queue {
        Some(q) => ("redis", q.depth().await.map_err(queue_down)?),
        None => ("in_process", Depth::default()),
    };
    let dead_letters = dead_letters_in_reach(&state, &user).await?;
    Ok(web::Json(ReminderQueue { backend: backend.into(), depth, dead_letters }))
}

/// Puts a dead letter back in the queue, due now, with its attempts reset.
#[utoipa::path(tag = "notifications", operation_id = "replay_dead_letter", security(("bearer" = [])), params(("key" = String, Path)),
    responses((status = 204, description = "Queued again"), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem), (status = 503, response = Problem)))]
#[post("/reminders/dead-letters/{key}/replay")]
pub async fn replay_dead_letter(state: State, user: AuthUser, key: web::Path<String>) -> ApiResult<HttpResponse> {
    user.require(Act::ManageReminders)?;
    let Some(q) = &state.queue else { return Err(ApiError::not_found()) };
    if !dead_letters_in_reach(&state, &user).await?.iter().any(|d| d.key == *key) {
        return Err(ApiError::not_found());
    }
    if !q.replay(&key, state.clock.now()).await.map_err(queue_down)? {
        return Err(ApiError::not_found());
    }
    tracing::info!(reminder.key = %key, by = %user.id, "dead letter replayed");
    Ok(HttpResponse::NoContent().finish())
}
