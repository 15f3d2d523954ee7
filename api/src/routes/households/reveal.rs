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
use crate::store::{audit, households, notifications};
use domain::org::Role;
use domain::reminders::{Kind, Reminder};

/// Shows the full ID number and phone numbers, to those who work with the household (the RRO, the
/// village secretary, the work team and its cadres); each reveal is written to the audit trail first.
/// A user may reveal at most `CHANGXIAO_REVEALS_PER_USER_PER_HOUR` in an hour (counted from the audit
/// trail, so every instance counts alike); past it the reveal is refused (429) and the RRO is told.
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
        (status = 429, response = Problem),
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
    let now = state.clock.now();
    let limit = state.settings.reveals_per_user_per_hour;
    let hour_ago = now - chrono::Duration::hours(1);
    if audit::count_by_actor(&txn, user.id, "household.reveal", hour_ago).await? >= u64::from(limit) {
        drop(txn);
        tell_the_office(&state, &user, m.town_id, limit).await?;
        return Err(ApiError::Exhausted {
            code: "reveal_limit_reached",
            message: format!("您一小时内查看完整身份证号和电话已达{limit}次上限，请稍后再试；乡村振兴办已收到提醒"),
            retry_after_seconds: 3600,
        });
    }
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
        now,
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

/// Tells the town's RRO that a user reached the reveal limit: once an hour for that user.
async fn tell_the_office(state: &State, user: &AuthUser, town: Uuid, limit: u32) -> ApiResult<()> {
    let now = state.clock.now();
    let hour = now.format("%Y-%m-%dT%H");
    notifications::tell_roles(&state.db, &[(Role::RroStaff, &[town])], now, |rro| Reminder {
        user: rro,
        kind: Kind::RevealLimit,
        key: format!("reveal_limit:{}:{hour}:{rro}", user.id),
        title: "查看完整身份信息次数超限".to_owned(),
        body: format!(
            "{}（{}）一小时内查看农户完整身份证号和电话已达{limit}次，已被暂停，请核实。",
            user.display_name, user.username
        ),
    })
    .await?;
    Ok(())
}
