//! `POST /households`: idempotent with `Idempotency-Key`.

use crate::routes::common::Json;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post};
use domain::calendar::local_date;
use domain::org::Act;
use sea_orm::TransactionTrait;
use serde_json::json;

use super::json::{CreateHousehold, Household};
use super::refs::{check_refs, view};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, validate};
use crate::routes::common::{IdempotencyKey, Problem, idempotency_begin, idempotency_finish};
use crate::state::State;
use crate::store::{audit, households};

/// Adds a household. A repeat with the same `Idempotency-Key` returns the first answer.
#[utoipa::path(
    tag = "households",
    operation_id = "create_household",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a repeated submission return the first result")),
    request_body = CreateHousehold,
    responses(
        (status = 201, body = Household),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    )
)]
#[post("/households")]
pub async fn create_household(
    state: State,
    user: AuthUser,
    key: IdempotencyKey,
    body: Json<CreateHousehold>,
) -> ApiResult<HttpResponse> {
    user.require(Act::WriteHousehold)?;
    validate(&*body)?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    if let Some(replay) = idempotency_begin(&txn, user.id, &key, "POST /households", &*body, now).await? {
        return Ok(replay);
    }
    let draft = body.into_inner().into_draft(local_date(now)).map_err(ApiError::Validation)?;
    let town_id = check_refs(&txn, &user, &draft).await?;
    let hash = state.cipher.keyed_hash(draft.id_number.as_str());
    if households::by_id_hash(&txn, town_id, &hash).await?.is_some() {
        return Err(ApiError::conflict(
            "household_exists",
            "本镇已有该身份证号的农户，请勿重复录入",
            "a household with this ID number exists in the town",
        ));
    }
    let model = households::insert(&txn, town_id, &draft, &state.cipher, Some(user.id), now).await?;
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(town_id),
            action: "household.create",
            object_type: "household",
            object_id: Some(model.id),
            detail: json!({}),
        },
        now,
    )
    .await?;
    let dto = view(&txn, model, state.clock.now()).await?;
    let res = idempotency_finish(&txn, user.id, &key, StatusCode::CREATED, &dto).await?;
    txn.commit().await?;
    state.households_changed(town_id);
    Ok(res)
}
