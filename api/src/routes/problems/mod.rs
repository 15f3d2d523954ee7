//! Problems (SPEC §5): recorded from visits now; the rectification ledger builds on them.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, validate};
use crate::routes::common::{Page, PageQuery, Problem};
use crate::state::State;
use crate::store::entity::problem;
use crate::store::problems;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_problems).service(get_problem);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemView {
    pub id: Uuid,
    pub village_id: Uuid,
    pub group_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    /// visit, cross_check, phone_check, dept_screening, supervision, unannounced, interview, meeting.
    pub source: String,
    /// income, education, medical, housing, drinking_water, policy_not_enjoyed, satisfaction,
    /// cadre_work_style, archive, other.
    pub category: String,
    pub description: String,
    /// fixed_on_spot or open.
    pub status: String,
    pub found_by: Uuid,
    pub found_at: DateTime<Utc>,
    pub visit_id: Option<Uuid>,
    pub evidence_photo_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<problem::Model> for ProblemView {
    fn from(m: problem::Model) -> Self {
        Self {
            id: m.id,
            village_id: m.village_id,
            group_id: m.group_id,
            household_id: m.household_id,
            source: m.source,
            category: m.category,
            description: m.description,
            status: m.status,
            found_by: m.found_by,
            found_at: m.found_at,
            visit_id: m.visit_id,
            evidence_photo_ids: serde_json::from_str(&m.evidence_photo_ids).unwrap_or_default(),
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProblemFilter {
    pub village_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    pub visit_id: Option<Uuid>,
    #[validate(length(max = 40))]
    pub source: Option<String>,
    #[validate(length(max = 40))]
    pub category: Option<String>,
    #[validate(length(max = 40))]
    pub status: Option<String>,
}

/// Problems within the caller's scope, newest first.
#[utoipa::path(tag = "problems", operation_id = "list_problems", security(("bearer" = [])), params(ProblemFilter, PageQuery),
    responses((status = 200, body = Page<ProblemView>), (status = 401, response = Problem), (status = 422, response = Problem)))]
#[get("/problems")]
pub async fn list_problems(
    state: State,
    user: AuthUser,
    q: web::Query<ProblemFilter>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<ProblemView>>> {
    validate(&*q)?;
    validate(&*page)?;
    let f = problems::ListFilter {
        village_id: q.village_id,
        household_id: q.household_id,
        source: q.source.clone(),
        category: q.category.clone(),
        status: q.status.clone(),
        visit_id: q.visit_id,
    };
    let (rows, total) = problems::list(&state.db, &user.access, &f, page.page(), page.per_page()).await?;
    Ok(web::Json(Page::new(rows.into_iter().map(ProblemView::from).collect(), total, &page)))
}

/// One problem.
#[utoipa::path(tag = "problems", operation_id = "get_problem", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ProblemView), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/problems/{id}")]
pub async fn get_problem(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<web::Json<ProblemView>> {
    let p = problems::find_scoped(&state.db, &user.access, *id).await?.ok_or_else(ApiError::not_found)?;
    Ok(web::Json(p.into()))
}
