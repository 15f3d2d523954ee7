//! `POST /problems`: a problem found outside the flows that record their own (supervision,
//! unannounced visit, interview, meeting). Idempotent on the client's `client_id`.

use crate::routes::common::Json;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post};
use domain::calendar::local_date;
use domain::org::Act;
use domain::problem::{Category, Source, State};
use sea_orm::TransactionTrait;
use serde_json::json;

use super::json::{CreateProblem, ProblemView};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, FieldError, validate};
use crate::routes::common::{IdempotencyKey, Problem, idempotency_begin, idempotency_finish};
use crate::state::State as AppState;
use crate::store::{households, org, photos, problems};

/// Records a problem for the ledger. It starts open, waiting for the RRO to assign it.
#[utoipa::path(tag = "problems", operation_id = "create_problem", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a repeated submission return the first result")),
    request_body = CreateProblem,
    responses((status = 201, body = ProblemView), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[post("/problems")]
pub async fn create_problem(
    state: AppState,
    user: AuthUser,
    key: IdempotencyKey,
    body: Json<CreateProblem>,
) -> ApiResult<HttpResponse> {
    user.require(Act::RecordProblem)?;
    validate(&*body)?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    // The client id doubles as an idempotency key when no header is sent.
    let effective = IdempotencyKey(key.0.clone().or_else(|| Some(format!("problem:{}", body.client_id))));
    if let Some(replay) = idempotency_begin(&txn, user.id, &effective, "POST /problems", &*body, now).await? {
        return Ok(replay);
    }
    let mut errors = Vec::new();
    let src = Source::parse(&body.source);
    match src.map(|s| s.recorded_by()) {
        None | Some(None) => errors.push(FieldError::new(
            "source",
            "invalid",
            "问题来源不正确（走访、交叉抽查、电话抽查和部门筛查发现的问题由各自流程登记）",
        )),
        // The source carries authority: it is the flow's, and only its holders file under it.
        Some(Some(act)) if !user.access.may(act) => errors.push(FieldError::new(
            "source",
            "not_allowed",
            format!("您不能登记这一来源的问题（需由有权“{}”的人员登记）", act.what_zh()),
        )),
        Some(Some(_)) => {}
    }
    let category = Category::parse(&body.category);
    if category.is_none() {
        errors.push(FieldError::new("category", "invalid", "问题类型不正确"));
    }
    let reach = user.access.reach(Act::RecordProblem);
    let place = match (body.household_id, body.village_id) {
        (Some(h), _) => households::find_scoped(&txn, &user.access, Act::RecordProblem, h)
            .await?
            .map(|h| (h.town_id, h.village_id, h.group_id, Some(h.id))),
        (None, Some(v)) => org::village(&txn, v)
            .await?
            .filter(|v| reach.covers(v.town_id, v.id, None))
            .map(|v| (v.town_id, v.id, None, None)),
        (None, None) => None,
    };
    if place.is_none() {
        errors.push(FieldError::new(
            if body.household_id.is_some() { "household_id" } else { "village_id" },
            "not_found",
            "农户或村不存在，或不在您的范围内",
        ));
    }
    for i in photos::not_owned(&txn, &body.photo_ids, &[user.id]).await? {
        errors.push(FieldError::new(format!("photo_ids[{i}]"), "not_found", "照片不存在或不是您上传的"));
    }
    let found_at = body.found_at.unwrap_or(now);
    if found_at > now + chrono::Duration::minutes(5) {
        errors.push(FieldError::new("found_at", "future", "发现时间不能晚于当前时间"));
    }
    // A month already closed takes a late entry only with its reason, as a visit does.
    let closed = domain::Month::containing(found_at).is_closed(state.settings.month_closing_day, now);
    if closed && body.late_reason.as_deref().is_none_or(|r| r.trim().chars().count() < 2) {
        errors.push(FieldError::new("late_reason", "required", "发现时间所在月份已关账，补录需填写原因"));
    }
    let (Some(src), Some(category), Some((town_id, village_id, group_id, household_id)), true) =
        (src, category, place, errors.is_empty())
    else {
        return Err(ApiError::Validation(errors));
    };
    let p = super::record_found(
        &txn,
        &user,
        problems::NewProblem {
            town_id,
            village_id,
            group_id,
            household_id,
            source: src,
            category,
            description: body.description.trim().to_owned(),
            status: State::Open,
            found_by: user.id,
            found_at,
            visit_id: None,
            evidence_photo_ids: body.photo_ids.clone(),
            call_attempt_id: None,
            unannounced_visit_id: None,
        },
        json!({ "source": src.as_str(), "late_reason": body.late_reason.as_deref().filter(|_| closed) }),
        now,
    )
    .await?;
    let dto = super::list::views_on(&txn, vec![p], local_date(now)).await?.remove(0);
    let res = idempotency_finish(&txn, user.id, &effective, StatusCode::CREATED, &dto).await?;
    txn.commit().await?;
    Ok(res)
}
