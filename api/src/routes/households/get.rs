//! `GET /households/{id}` and its change history. Every read is logged (who read which household).
//!
//! A household is answered from memory when it was read in the last few seconds
//! (`AppState::households`, forgotten by every household write through this instance): a cadre
//! opens the same households again and again on a visit round. The reader's reach is checked on
//! every read, by the same rule as the scoped queries (`Access::reaches_household`).

use std::sync::Arc;
use std::time::Instant;

use actix_web::http::header::ContentType;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
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
pub async fn get_household(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    user.require(Act::ReadHousehold)?;
    let h = answered(&state, *id).await?.ok_or_else(ApiError::not_found)?;
    if !user.access.reaches_household(Act::ReadHousehold, *id, h.town_id, h.village_id, h.group_id) {
        return Err(ApiError::not_found());
    }
    state
        .read_log
        .record(
            &user,
            audit::Event {
                town_id: Some(h.town_id),
                action: "household.read",
                object_type: "household",
                object_id: Some(*id),
                detail: json!({}),
            },
            state.clock.now(),
        )
        .await?;
    Ok(HttpResponse::Ok().content_type(ContentType::json()).body(h.body.clone()))
}

/// A household as answered (masked, serialized), with the place its readers' reach is checked on.
#[derive(Debug)]
pub struct Answered {
    pub town_id: Uuid,
    pub village_id: Uuid,
    pub group_id: Option<Uuid>,
    body: Bytes,
}

/// The household from memory, or read and kept: whoever reads it, since the reach is checked after.
async fn answered(state: &State, id: Uuid) -> ApiResult<Option<Arc<Answered>>> {
    if let Some(h) = state.households.get(&id, Instant::now()) {
        return Ok(Some(h));
    }
    let generation = state.households.generation();
    let Some(m) = households::by_id(&state.db, id).await? else { return Ok(None) };
    let (town_id, village_id, group_id) = (m.town_id, m.village_id, m.group_id);
    let body =
        serde_json::to_vec(&view(&state.db, m, state.clock.now()).await?).map_err(|e| ApiError::Internal(e.into()))?;
    let h = Arc::new(Answered { town_id, village_id, group_id, body: Bytes::from(body) });
    state.households.put(id, h.clone(), generation, Instant::now());
    Ok(Some(h))
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
