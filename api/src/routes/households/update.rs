//! `PATCH /households/{id}`: partial update, recorded in the household's history.

use crate::routes::common::Json;
use actix_web::{patch, web};
use domain::calendar::local_date;
use domain::org::Act;
use sea_orm::TransactionTrait;
use serde_json::json;
use uuid::Uuid;

use super::json::{Household, UpdateHousehold};
use super::refs::{check_refs, draft_of, view};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, validate};
use crate::routes::common::Problem;
use crate::state::State;
use crate::store::{audit, households};

/// Changes the fields present in the body.
#[utoipa::path(
    tag = "households",
    operation_id = "update_household",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = UpdateHousehold,
    responses(
        (status = 200, body = Household),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    )
)]
#[patch("/households/{id}")]
pub async fn update_household(
    state: State,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UpdateHousehold>,
) -> ApiResult<web::Json<Household>> {
    user.require(Act::WriteHousehold)?;
    validate(&*body)?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let existing =
        households::find_scoped(&txn, &user.access, Act::WriteHousehold, *id).await?.ok_or_else(ApiError::not_found)?;
    if body.version.is_some_and(|v| v != existing.version) {
        return Err(ApiError::conflict(
            "version_conflict",
            "该农户信息已被他人修改，请刷新后再改",
            "the household changed since the given version",
        ));
    }
    let old = draft_of(&txn, &existing, &state.cipher).await?;
    let new = body.into_inner().apply(&old, local_date(now)).map_err(ApiError::Validation)?;
    let town_id = check_refs(&txn, &user, &new).await?;
    if town_id != existing.town_id {
        return Err(ApiError::field("village_id", "other_town", "不能把农户移到其他镇"));
    }
    if new.id_number != old.id_number {
        let hash = state.cipher.keyed_hash(new.id_number.as_str());
        if households::by_id_hash(&txn, town_id, &hash).await?.is_some() {
            return Err(ApiError::conflict(
                "household_exists",
                "本镇已有该身份证号的农户",
                "another household has this ID number",
            ));
        }
    }
    let updated = households::update(&txn, &existing, &old, &new, &state.cipher, Some(user.id), now).await?;
    let model = match updated {
        Some(m) => {
            audit::record(
                &txn,
                Some(&user),
                audit::Event {
                    town_id: Some(town_id),
                    action: "household.update",
                    object_type: "household",
                    object_id: Some(m.id),
                    detail: json!({ "version": m.version }),
                },
                now,
            )
            .await?;
            m
        }
        None => existing,
    };
    let town = model.town_id;
    let dto = view(&txn, model, state.clock.now()).await?;
    txn.commit().await?;
    state.households_changed(town);
    Ok(web::Json(dto))
}
