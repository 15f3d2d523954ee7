//! `POST /households/{id}/reveal`: the full ID number and phones, for a stated reason, audited.

use crate::routes::common::Json;
use actix_web::{post, web};
use domain::org::Act;
use sea_orm::TransactionTrait;
use serde_json::json;
use uuid::Uuid;

use super::json::{RevealRequest, Revealed};
use super::refs::draft_of;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, validate};
use crate::routes::common::Problem;
use crate::state::State;
use crate::store::{audit, households};

/// Shows the full ID number and phone numbers. Allowed to the office, the village, its cadres,
/// call takers and the Discipline Commission; each reveal is written to the audit trail first.
#[utoipa::path(
    tag = "households",
    operation_id = "reveal_household",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = RevealRequest,
    responses(
        (status = 200, body = Revealed),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 422, response = Problem),
    )
)]
#[post("/households/{id}/reveal")]
pub async fn reveal_household(
    state: State,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<RevealRequest>,
) -> ApiResult<web::Json<Revealed>> {
    user.require(Act::RevealHousehold)?;
    validate(&*body)?;
    let txn = state.db.begin().await?;
    let m = households::find_scoped(&txn, &user.access, Act::RevealHousehold, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let d = draft_of(&txn, &m, &state.cipher).await?;
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(m.town_id),
            action: "household.reveal",
            object_type: "household",
            object_id: Some(m.id),
            detail: json!({ "reason": body.reason.trim(), "fields": ["id_number", "phones"] }),
        },
        state.clock.now(),
    )
    .await?;
    // The audit record is committed before the data leaves.
    txn.commit().await?;
    Ok(web::Json(Revealed {
        household_id: m.id,
        id_number: d.id_number.as_str().to_owned(),
        phones: d.phones.iter().map(|p| p.as_str().to_owned()).collect(),
    }))
}
