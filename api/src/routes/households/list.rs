//! `GET /households`: the caller's households, filtered and paged.

use actix_web::{get, web};
use domain::org::Act;
use domain::{RiskStatus, Tag};
use serde_json::json;

use super::json::{Household, HouseholdFilter};
use super::refs::views;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, validate};
use crate::routes::common::{Page, PageQuery, Problem};
use crate::state::State;
use crate::store::{audit, households};

/// Households within the caller's scope. ID numbers and phones are masked.
#[utoipa::path(
    tag = "households",
    operation_id = "list_households",
    security(("bearer" = [])),
    params(HouseholdFilter, PageQuery),
    responses((status = 200, body = Page<Household>), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem))
)]
#[get("/households")]
pub async fn list_households(
    state: State,
    user: AuthUser,
    filter: web::Query<HouseholdFilter>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<Household>>> {
    user.require(Act::ReadHousehold)?;
    validate(&*filter)?;
    validate(&*page)?;
    let f = households::ListFilter {
        village_id: filter.village_id,
        group_id: filter.group_id,
        tag: match filter.tag.as_deref() {
            None => None,
            Some(t) => Some(Tag::parse_any(t).ok_or_else(|| ApiError::field("tag", "unknown_tag", "户类型不正确"))?),
        },
        cadre_id: filter.cadre_id,
        risk_status: match filter.risk_status.as_deref() {
            None => None,
            Some(r) => Some(
                RiskStatus::parse(r)
                    .ok_or_else(|| ApiError::field("risk_status", "invalid_risk_status", "风险状态不正确"))?,
            ),
        },
        q: filter.q.clone(),
    };
    let (rows, total) = households::list(&state.db, &user.access, &f, page.page(), page.per_page()).await?;
    let ids: Vec<_> = rows.iter().map(|r| r.id).collect();
    audit::record(
        &state.db,
        Some(&user),
        audit::Event {
            town_id: None,
            action: "household.list",
            object_type: "household",
            object_id: None,
            detail: json!({ "ids": ids }),
        },
        state.clock.now(),
    )
    .await?;
    Ok(web::Json(Page::new(views(&state.db, rows, state.clock.now()).await?, total, &page)))
}
