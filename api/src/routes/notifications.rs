//! The in-app inbox (`GET /notifications`), its unread count, and marking read.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, validate};
use crate::routes::common::{Page, PageQuery, Problem};
use crate::state::State;
use crate::store::notifications;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_notifications)
        .service(get_unread_count)
        .service(mark_notification_read)
        .service(mark_all_notifications_read);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: Uuid,
    /// unvisited_households, list_due, list_missing, cross_check_due, problem_deadline_near,
    /// problem_overdue, discipline_overdue.
    pub kind: String,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    #[serde(default)]
    pub unread_only: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    pub unread: u64,
}

/// The caller's reminders, newest first.
#[utoipa::path(tag = "notifications", operation_id = "list_notifications", security(("bearer" = [])), params(InboxQuery, PageQuery),
    responses((status = 200, body = Page<Notification>), (status = 401, response = Problem), (status = 422, response = Problem)))]
#[get("/notifications")]
pub async fn list_notifications(
    state: State,
    user: AuthUser,
    q: web::Query<InboxQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<Notification>>> {
    validate(&*page)?;
    let (rows, total) = notifications::list(&state.db, user.id, q.unread_only, page.page(), page.per_page()).await?;
    let items = rows
        .into_iter()
        .map(|n| Notification {
            id: n.id,
            kind: n.kind,
            title: n.title,
            body: n.body,
            created_at: n.created_at,
            read_at: n.read_at,
        })
        .collect();
    Ok(web::Json(Page::new(items, total, &page)))
}

/// How many reminders the caller has not read.
#[utoipa::path(tag = "notifications", operation_id = "get_unread_count", security(("bearer" = [])),
    responses((status = 200, body = UnreadCount), (status = 401, response = Problem)))]
#[get("/notifications/unread-count")]
pub async fn get_unread_count(state: State, user: AuthUser) -> ApiResult<web::Json<UnreadCount>> {
    Ok(web::Json(UnreadCount { unread: notifications::unread(&state.db, user.id).await? }))
}

/// Marks one reminder read.
#[utoipa::path(tag = "notifications", operation_id = "mark_notification_read", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204, description = "Read"), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[post("/notifications/{id}/read")]
pub async fn mark_notification_read(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    if !notifications::exists(&state.db, user.id, *id).await? {
        return Err(ApiError::not_found());
    }
    notifications::mark_read(&state.db, user.id, Some(*id), state.clock.now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Marks every reminder of the caller read.
#[utoipa::path(tag = "notifications", operation_id = "mark_all_notifications_read", security(("bearer" = [])),
    responses((status = 204, description = "Read"), (status = 401, response = Problem)))]
#[post("/notifications/read-all")]
pub async fn mark_all_notifications_read(state: State, user: AuthUser) -> ApiResult<HttpResponse> {
    notifications::mark_read(&state.db, user.id, None, state.clock.now()).await?;
    Ok(HttpResponse::NoContent().finish())
}
