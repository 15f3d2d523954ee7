//! The in-app inbox (`GET /notifications`), its unread count, and marking read.

use crate::routes::common::Json;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, FieldError, validate};
use crate::routes::common::{Page, PageQuery, Problem};
use crate::state::State;
use crate::store::notifications;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_notifications)
        .service(get_unread_count)
        .service(mark_notification_read)
        .service(mark_all_notifications_read)
        .service(list_subscriptions)
        .service(report_subscriptions);
}

/// A WeChat subscribe-message template the caller can consent to, and how many one-time consents
/// the server holds for it (one message each).
#[derive(Debug, Serialize, ToSchema)]
pub struct Subscription {
    /// The reminder kind the template carries.
    pub kind: String,
    pub template_id: String,
    pub remaining: i32,
}

/// What `wx.requestSubscribeMessage` answered, passed on as it is: template id → `accept`,
/// `reject`, `ban` or `filter`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubscribeResults {
    #[schema(value_type = std::collections::BTreeMap<String, String>, example = json!({ "tmpl-unvisited": "accept" }))]
    pub results: std::collections::BTreeMap<String, String>,
}

async fn subscriptions_of(state: &State, user: Uuid) -> ApiResult<Vec<Subscription>> {
    let Some(wx) = state.wechat.settings() else { return Ok(vec![]) };
    let held = notifications::consents(&state.db, user).await?;
    Ok(wx
        .templates
        .iter()
        .map(|(kind, t)| Subscription {
            kind: kind.clone(),
            template_id: t.clone(),
            remaining: held.get(t).copied().unwrap_or(0),
        })
        .collect())
}

/// The subscribe-message templates the mini-program should ask the caller to consent to, with the
/// consents held. Empty when WeChat messages are not configured.
#[utoipa::path(tag = "notifications", operation_id = "list_subscriptions", security(("bearer" = [])),
    responses((status = 200, body = Vec<Subscription>), (status = 401, response = Problem)))]
#[get("/notifications/subscriptions")]
pub async fn list_subscriptions(state: State, user: AuthUser) -> ApiResult<web::Json<Vec<Subscription>>> {
    Ok(web::Json(subscriptions_of(&state, user.id).await?))
}

/// Reports the caller's answer to `wx.requestSubscribeMessage`: each `accept` is one more message
/// the server may send with that template. Unknown template ids and answers are refused per field.
#[utoipa::path(tag = "notifications", operation_id = "report_subscriptions", security(("bearer" = [])), request_body = SubscribeResults,
    responses((status = 200, body = Vec<Subscription>), (status = 400, response = Problem), (status = 401, response = Problem), (status = 422, response = Problem)))]
#[post("/notifications/subscriptions")]
pub async fn report_subscriptions(
    state: State,
    user: AuthUser,
    body: Json<SubscribeResults>,
) -> ApiResult<web::Json<Vec<Subscription>>> {
    let known: Vec<String> =
        state.wechat.settings().map(|s| s.templates.values().cloned().collect()).unwrap_or_default();
    let mut errors = Vec::new();
    if body.results.len() > 20 {
        errors.push(FieldError::new("results", "length", "一次最多报告20个模板"));
    }
    for (template, answer) in &body.results {
        if !known.contains(template) {
            errors.push(FieldError::new(
                format!("results.{template}"),
                "unknown_template",
                "不是本系统使用的订阅消息模板",
            ));
        } else if !["accept", "reject", "ban", "filter"].contains(&answer.as_str()) {
            errors.push(FieldError::new(format!("results.{template}"), "one_of", "应为 accept、reject、ban 或 filter"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Rejected { code: "invalid_subscriptions", message: "订阅结果有误".into(), errors });
    }
    let now = state.clock.now();
    for (template, answer) in &body.results {
        match answer.as_str() {
            "accept" => notifications::add_consents(&state.db, user.id, template, Some(1), now).await?,
            // The user turned the template off: nothing may be sent with it.
            "ban" => notifications::add_consents(&state.db, user.id, template, None, now).await?,
            _ => {}
        }
    }
    Ok(web::Json(subscriptions_of(&state, user.id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: Uuid,
    /// unvisited_households, list_due, list_missing, cross_check_due, problem_deadline_near,
    /// calls_pending, callback_due, problem_assigned, must_know_due, must_know_missing, archives_due,
    /// archives_missing, joint_meeting_due, party_meeting_due,
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
