//! `GET /households/{id}` and its change history. Every read is logged (who read which household).

use actix_web::{get, web};
use domain::org::Act;
use serde_json::json;
use uuid::Uuid;

use super::json::{Household, HouseholdChange};
use super::refs::view;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::routes::common::Problem;
use crate::state::State;
use crate::store::{audit, households};

/// One household (masked).
#[utoipa::path(
    tag = "households",
    operation_id = "get_household",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Household), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem))
)]
#[get("/households/{id}")]
pub async fn get_household(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<web::Json<Household>> {
    user.require(Act::ReadHousehold)?;
    let m = households::find_scoped(&state.db, &user.access, Act::ReadHousehold, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    state
        .read_log
        .record(
            &user,
            audit::Event {
                town_id: Some(m.town_id),
                action: "household.read",
                object_type: "household",
                object_id: Some(m.id),
                detail: json!({}),
            },
            state.clock.now(),
        )
        .await?;
    Ok(web::Json(view(&state.db, m).await?))
}

/// Every change to a household, oldest first.
#[utoipa::path(
    tag = "households",
    operation_id = "list_household_history",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<HouseholdChange>), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem))
)]
#[get("/households/{id}/history")]
pub async fn list_household_history(
    state: State,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<HouseholdChange>>> {
    user.require(Act::ReadHousehold)?;
    let m = households::find_scoped(&state.db, &user.access, Act::ReadHousehold, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let rows = households::history(&state.db, m.id).await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|r| HouseholdChange {
                id: r.id,
                at: r.at,
                actor_id: r.actor_id,
                changes: serde_json::from_str(&r.changes).unwrap_or_default(),
            })
            .collect(),
    ))
}
