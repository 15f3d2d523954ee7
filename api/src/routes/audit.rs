//! `GET /audit`: the audit trail, for the RRO and the town admin.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use domain::org::Act;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::AuthUser;
use crate::error::{ApiResult, validate};
use crate::routes::common::{Page, PageQuery, Problem};
use crate::state::State;
use crate::store::audit;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit);
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// e.g. `household.reveal`, `household.read`, `auth.login`.
    #[validate(length(max = 64))]
    #[param(max_length = 64)]
    pub action: Option<String>,
    pub object_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub town_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<Uuid>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// Entries of the audit trail in the caller's towns, newest first.
#[utoipa::path(tag = "audit", operation_id = "list_audit", security(("bearer" = [])), params(AuditQuery, PageQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/audit")]
pub async fn list_audit(
    state: State,
    user: AuthUser,
    q: web::Query<AuditQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<AuditEntry>>> {
    user.require(Act::ReadAudit)?;
    validate(&*q)?;
    validate(&*page)?;
    let towns: Vec<Uuid> = user.access.towns_for(Act::ReadAudit).into_iter().collect();
    let filter = audit::Filter {
        action: q.action.clone(),
        object_id: q.object_id,
        actor_id: q.actor_id,
        from: q.from,
        to: q.to,
    };
    // Reads this instance answered are in the log before it is listed (a database that is down
    // answers the list below with 503).
    state.read_log.flush().await;
    let (rows, total) = audit::list(&state.db, &towns, &filter, page.page(), page.per_page()).await?;
    let items = rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            at: r.at,
            town_id: r.town_id,
            actor_id: r.actor_id,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            ip: r.ip,
            request_id: r.request_id,
            detail: serde_json::from_str(&r.detail).unwrap_or_default(),
        })
        .collect();
    Ok(web::Json(Page::new(items, total, &page)))
}
