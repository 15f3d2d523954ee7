//! `GET /visits` (the review queue is `?review=pending`), `GET /visits/{id}`, and the monthly counts
//! per visitor that the cadre assessment starts from.

use actix_web::{get, web};
use domain::calendar::Month;
use domain::coverage::monthly_visits;
use domain::org::Act;
use domain::visit::{Review, VisitKind};
use uuid::Uuid;

use super::json::{MonthQuery, MonthlyCount, Visit, VisitFilter};
use super::view::{view, views};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, validate};
use crate::routes::common::{Page, PageQuery, Problem};
use crate::state::State;
use crate::store::{users, visits};

/// Visits within the caller's scope (and the caller's own), newest first.
#[utoipa::path(tag = "visits", operation_id = "list_visits", security(("bearer" = [])), params(VisitFilter, PageQuery),
    responses((status = 200, body = Page<Visit>), (status = 401, response = Problem), (status = 422, response = Problem)))]
#[get("/visits")]
pub async fn list_visits(
    state: State,
    user: AuthUser,
    q: web::Query<VisitFilter>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<Visit>>> {
    validate(&*q)?;
    validate(&*page)?;
    if let Some(k) = q.kind.as_deref()
        && VisitKind::parse(k).is_none()
    {
        return Err(ApiError::field("kind", "invalid", "走访类型不正确"));
    }
    if let Some(m) = q.month.as_deref()
        && m.parse::<Month>().is_err()
    {
        return Err(ApiError::field("month", "invalid", "月份格式应为 2026-11"));
    }
    if let Some(r) = q.review.as_deref()
        && Review::parse(r).is_none()
    {
        return Err(ApiError::field("review", "invalid", "审核状态不正确"));
    }
    let f = visits::ListFilter {
        household_id: q.household_id,
        village_id: q.village_id,
        visitor_id: if q.mine == Some(true) { Some(user.id) } else { q.visitor_id },
        kind: q.kind.clone(),
        month: q.month.clone(),
        flagged: q.flagged,
        review: q.review.clone(),
    };
    let (rows, total) = visits::list(&state.db, &user.access, &f, page.page(), page.per_page()).await?;
    Ok(web::Json(Page::new(views(&state.db, rows).await?, total, &page)))
}

/// One visit.
#[utoipa::path(tag = "visits", operation_id = "get_visit", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Visit), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/visits/{id}")]
pub async fn get_visit(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<web::Json<Visit>> {
    let v =
        visits::find_scoped(&state.db, &user.access, Act::ReadHousehold, *id).await?.ok_or_else(ApiError::not_found)?;
    Ok(web::Json(view(&state.db, v).await?))
}

/// Visits that count and households reached per visitor in a month, over the visits of the
/// households within the caller's scope: the figures of the cadres' monthly sheets (SPEC §10).
#[utoipa::path(tag = "visits", operation_id = "list_monthly_visit_counts", security(("bearer" = [])), params(MonthQuery),
    responses((status = 200, body = Vec<MonthlyCount>), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/visits/monthly-counts")]
pub async fn list_monthly_visit_counts(
    state: State,
    user: AuthUser,
    q: web::Query<MonthQuery>,
) -> ApiResult<web::Json<Vec<MonthlyCount>>> {
    user.require(Act::ReadHousehold)?;
    let month = match q.month.as_deref() {
        None => Month::containing(state.clock.now()),
        Some(m) => crate::routes::common::month_param(m)?,
    };
    let (from, to) = month.bounds();
    let facts = visits::facts(&state.db, visits::of_households(&user.access), from, to, visits::Visitors::Read).await?;
    let counts = monthly_visits(month, &facts);
    let ids: Vec<Uuid> = counts.keys().copied().collect();
    let mut names = users::names(&state.db, &ids).await?;
    Ok(web::Json(
        counts
            .into_iter()
            .map(|(user_id, c)| MonthlyCount {
                display_name: names.remove(&user_id).unwrap_or_default(),
                user_id,
                visits: c.visits,
                households: c.households,
                absent_attempts: c.absent_attempts,
            })
            .collect(),
    ))
}
