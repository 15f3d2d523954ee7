//! The lifecycle of a problem: assign, report progress, claim completion, verify or send back,
//! hand over to the Discipline Commission, record the Party committee's decision. Every step is
//! checked by `domain::problem::transition` and recorded as an event, in one transaction.

use crate::routes::common::Json;
use actix_web::{post, web};
use chrono::{DateTime, Utc};
use domain::authority::Relation;
use domain::calendar::local_date;
use domain::org::Act;
use domain::problem::{Action, Class, State, deadline, transition};
use sea_orm::ActiveValue::Set;
use sea_orm::TransactionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use super::json::{AssignRequest, CompletionRequest, DecideRequest, NoteRequest, ProblemView, Verdict, VerifyRequest};
use super::list::views;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, FieldError, validate};
use crate::routes::common::Problem;
use crate::state::State as AppState;
use crate::store::entity::problem;
use crate::store::{audit, meetings, org, photos, problems, users};
use domain::meetings::{MeetingKind, may_settle_leftover};

/// How the caller stands to the problem, for the authority table: its finder, the one who claimed
/// it done, its responsible person or a member of one of its units (a cadre's village grant does not
/// make them the village committee).
pub(super) async fn relations<C: sea_orm::ConnectionTrait>(
    txn: &C,
    user: &AuthUser,
    p: &problem::Model,
) -> ApiResult<Vec<Relation>> {
    let mut out = vec![];
    if p.found_by == user.id {
        out.push(Relation::Finder);
    }
    if p.claimed_by == Some(user.id) {
        out.push(Relation::Claimant);
    }
    if answers_for(txn, user, p).await? {
        out.push(Relation::ResponsibleUnit);
    }
    Ok(out)
}

/// Whether the caller answers for the problem: its responsible person or a member of one of its units.
async fn answers_for<C: sea_orm::ConnectionTrait>(txn: &C, user: &AuthUser, p: &problem::Model) -> ApiResult<bool> {
    if p.responsible_user_id == Some(user.id) {
        return Ok(true);
    }
    let units = problems::units_of(txn, &[p.id]).await?;
    Ok(units.iter().any(|u| u.unit_kind.parse().is_ok_and(|kind| user.access.answers_for_unit(kind, u.unit_id))))
}

/// Applies one step: loads the problem within scope, checks the transition, lets `change` fill
/// in the new fields, saves with the version check, records the event and the audit entry.
#[expect(clippy::too_many_arguments, reason = "one step of the lifecycle, with its parts")]
async fn step(
    state: &AppState,
    user: &AuthUser,
    id: Uuid,
    action: Action,
    note: &str,
    photo_ids: &[Uuid],
    data: Value,
    units: Option<&[(String, Uuid)]>,
    change: impl FnOnce(&problem::Model, &mut problem::ActiveModel, DateTime<Utc>) -> ApiResult<()>,
) -> ApiResult<ProblemView> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let p = problems::find_scoped(&txn, &user.access, id).await?.ok_or_else(ApiError::not_found)?;
    let from = State::parse(&p.status).unwrap_or(State::Open);
    let to = transition(from, action)
        .map_err(|e| ApiError::conflict("illegal_transition", &e.message_zh(), &e.to_string()))?;
    user.authorize(action.act(), &relations(&txn, user, &p).await?)?;
    let errors: Vec<FieldError> = photos::not_owned(&txn, photo_ids, &[user.id])
        .await?
        .into_iter()
        .map(|i| FieldError::new(format!("photo_ids[{i}]"), "not_found", "照片不存在或不是您上传的"))
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut am: problem::ActiveModel = p.clone().into();
    am.status = Set(to.as_str().to_owned());
    change(&p, &mut am, now)?;
    let saved = problems::save(&txn, am, p.version, now).await?.ok_or_else(|| {
        ApiError::conflict("version_conflict", "该问题已被他人更新，请刷新后重试", "the problem changed meanwhile")
    })?;
    if let Some(units) = units {
        problems::set_units(&txn, p.id, units).await?;
    }
    problems::record_event(
        &txn,
        problems::NewEvent {
            problem_id: p.id,
            action: action.as_str(),
            actor_id: Some(user.id),
            note,
            photo_ids,
            data: data.clone(),
        },
        now,
    )
    .await?;
    audit::record(
        &txn,
        Some(user),
        audit::Event {
            town_id: Some(p.town_id),
            action: &format!("problem.{}", action.as_str()),
            object_type: "problem",
            object_id: Some(p.id),
            detail: data,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(views(state, vec![saved]).await?.remove(0))
}

/// Assigns (or re-assigns) a problem: class, deadline, responsible units and person, measure.
/// A `special` problem needs a plan with milestones; a `small` one is due at the end of the month.
#[utoipa::path(tag = "problems", operation_id = "assign_problem", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = AssignRequest,
    responses((status = 200, body = ProblemView), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/problems/{id}/assign")]
pub async fn assign_problem(
    state: AppState,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<AssignRequest>,
) -> ApiResult<web::Json<ProblemView>> {
    user.require(Act::AssignProblem)?;
    validate(&*body)?;
    let today = local_date(state.clock.now());
    let class = Class::parse(&body.class)
        .ok_or_else(|| ApiError::field("class", "invalid", "问题分类应为 small、large 或 special"))?;
    let milestones: Vec<chrono::NaiveDate> =
        body.plan.iter().flat_map(|p| p.milestones.iter().map(|m| m.date)).collect();
    let due = deadline(class, today, body.deadline, &milestones).map_err(|e| {
        ApiError::field(
            if matches!(e, domain::problem::DeadlineError::SpecialNeedsPlan) { "plan" } else { "deadline" },
            "invalid",
            e.message_zh(),
        )
    })?;
    // Units must exist in the caller's towns; the person must be an active user of the town.
    let towns: Vec<Uuid> = user.access.towns().into_iter().collect();
    let villages = org::villages(&state.db, &towns).await?;
    let teams = org::work_teams(&state.db, &towns).await?;
    let depts = org::departments(&state.db, &towns).await?;
    let mut errors = Vec::new();
    for (i, u) in body.units.iter().enumerate() {
        let ok = match u.kind.as_str() {
            "village" => villages.iter().any(|v| v.id == u.id),
            "work_team" => teams.iter().any(|t| t.id == u.id),
            "department" => depts.iter().any(|d| d.id == u.id),
            _ => false,
        };
        if !ok {
            errors.push(FieldError::new(format!("units[{i}]"), "not_found", "责任单位不存在"));
        }
    }
    if let Some(person) = body.responsible_user_id
        && users::by_id(&state.db, person)
            .await?
            .is_none_or(|u| !u.active || u.town_id.is_none_or(|t| !towns.contains(&t)))
    {
        errors.push(FieldError::new("responsible_user_id", "not_found", "责任人不存在"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let units: Vec<(String, Uuid)> = body.units.iter().map(|u| (u.kind.clone(), u.id)).collect();
    let plan = body.plan.as_ref().map(|p| serde_json::to_string(p).unwrap_or_default());
    let version = body.version;
    let data = json!({ "class": class.as_str(), "deadline": due, "units": body.units, "responsible_user_id": body.responsible_user_id, "measure": body.measure });
    let dto = step(&state, &user, *id, Action::Assign, &body.measure, &[], data, Some(&units), |p, am, _| {
        if version.is_some_and(|v| v != p.version) {
            return Err(ApiError::conflict("version_conflict", "该问题已被他人更新，请刷新后重试", "stale version"));
        }
        am.class = Set(Some(class.as_str().to_owned()));
        am.deadline = Set(Some(due));
        am.responsible_user_id = Set(body.responsible_user_id);
        am.measure = Set(Some(body.measure.trim().to_owned()));
        am.plan = Set(plan);
        Ok(())
    })
    .await?;
    Ok(web::Json(dto))
}

/// The responsible unit reports progress, with photos.
#[utoipa::path(tag = "problems", operation_id = "report_problem_progress", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NoteRequest,
    responses((status = 200, body = ProblemView), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/problems/{id}/progress")]
pub async fn report_problem_progress(
    state: AppState,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<NoteRequest>,
) -> ApiResult<web::Json<ProblemView>> {
    validate(&*body)?;
    let dto = step(
        &state,
        &user,
        *id,
        Action::ReportProgress,
        &body.note,
        &body.photo_ids,
        json!({}),
        None,
        |_, _, _| Ok(()),
    )
    .await?;
    Ok(web::Json(dto))
}

/// The responsible unit says the problem is rectified, with evidence (at least one photo).
#[utoipa::path(tag = "problems", operation_id = "claim_problem_completion", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = CompletionRequest,
    responses((status = 200, body = ProblemView), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/problems/{id}/complete")]
pub async fn claim_problem_completion(
    state: AppState,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<CompletionRequest>,
) -> ApiResult<web::Json<ProblemView>> {
    validate(&*body)?;
    if body.photo_ids.is_empty() {
        return Err(ApiError::field("photo_ids", "required", "申报整改完成需上传整改后的照片"));
    }
    let me = user.id;
    let dto = step(
        &state,
        &user,
        *id,
        Action::ClaimCompletion,
        &body.note,
        &body.photo_ids,
        json!({}),
        None,
        |_, am, now| {
            am.claimed_by = Set(Some(me));
            am.claimed_at = Set(Some(now));
            am.claimed_on = Set(Some(local_date(now)));
            Ok(())
        },
    )
    .await?;
    Ok(web::Json(dto))
}

/// Verifies a claimed completion (closing the problem) or sends it back. Not by the claimer.
#[utoipa::path(tag = "problems", operation_id = "verify_problem", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = VerifyRequest,
    responses((status = 200, body = ProblemView), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/problems/{id}/verify")]
pub async fn verify_problem(
    state: AppState,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<VerifyRequest>,
) -> ApiResult<web::Json<ProblemView>> {
    validate(&*body)?;
    let action = if body.verdict == Verdict::Accept { Action::Verify } else { Action::SendBack };
    let dto =
        step(&state, &user, *id, action, &body.note, &[], json!({ "verdict": body.verdict }), None, |_, am, now| {
            if action == Action::Verify {
                am.closed_at = Set(Some(now));
            } else {
                am.claimed_by = Set(None);
                am.claimed_at = Set(None);
                am.claimed_on = Set(None);
            }
            Ok(())
        })
        .await?;
    Ok(web::Json(dto))
}

/// Hands a problem to the Discipline Commission (交由镇纪委处理): overdue, or not rectified.
#[utoipa::path(tag = "problems", operation_id = "hand_over_problem", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NoteRequest,
    responses((status = 200, body = ProblemView), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/problems/{id}/hand-over")]
pub async fn hand_over_problem(
    state: AppState,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<NoteRequest>,
) -> ApiResult<web::Json<ProblemView>> {
    user.require(Act::HandOverProblem)?;
    validate(&*body)?;
    let dto = step(
        &state,
        &user,
        *id,
        Action::HandToDiscipline,
        &body.note,
        &body.photo_ids,
        json!({}),
        None,
        |p, am, now| {
            if p.handed_over_at.is_some() {
                return Err(ApiError::conflict("already_handed_over", "该问题已交由镇纪委处理", "already handed over"));
            }
            am.handed_over_at = Set(Some(now));
            Ok(())
        },
    )
    .await?;
    Ok(web::Json(dto))
}

/// Records the quarterly Party committee meeting's decision on a problem that cannot be rectified.
#[utoipa::path(tag = "problems", operation_id = "decide_problem", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = DecideRequest,
    responses((status = 200, body = ProblemView), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/problems/{id}/decide")]
pub async fn decide_problem(
    state: AppState,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<DecideRequest>,
) -> ApiResult<web::Json<ProblemView>> {
    validate(&*body)?;
    let decision = body.decision.trim().to_owned();
    // The committee's decision is recorded against its meeting, on a leftover of a past quarter.
    let meeting = meetings::find_in(&state.db, body.meeting_id, &user.access.towns())
        .await?
        .ok_or_else(|| ApiError::field("meeting_id", "not_found", "会议不存在，请先记录党委会议"))?;
    let kind = MeetingKind::parse(&meeting.kind)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("meeting {} has an unknown kind", meeting.id)))?;
    let held_on = local_date(meeting.held_at);
    let data = json!({ "meeting_id": meeting.id });
    let dto = step(&state, &user, *id, Action::Decide, &decision, &[], data, None, |p, am, now| {
        if p.town_id != meeting.town_id {
            return Err(ApiError::field("meeting_id", "not_found", "会议不存在，请先记录党委会议"));
        }
        may_settle_leftover(kind, held_on, local_date(p.found_at))
            .map_err(|r| ApiError::field("meeting_id", r.code(), r.message_zh()))?;
        am.decided_at = Set(Some(now));
        am.decision = Set(Some(decision.clone()));
        Ok(())
    })
    .await?;
    Ok(web::Json(dto))
}

/// Reopens a closed problem (it was not really rectified); its history is kept.
#[utoipa::path(tag = "problems", operation_id = "reopen_problem", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NoteRequest,
    responses((status = 200, body = ProblemView), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/problems/{id}/reopen")]
pub async fn reopen_problem(
    state: AppState,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<NoteRequest>,
) -> ApiResult<web::Json<ProblemView>> {
    validate(&*body)?;
    let dto = step(&state, &user, *id, Action::Reopen, &body.note, &body.photo_ids, json!({}), None, |_, am, _| {
        am.closed_at = Set(None);
        am.claimed_by = Set(None);
        am.claimed_at = Set(None);
        am.claimed_on = Set(None);
        Ok(())
    })
    .await?;
    Ok(web::Json(dto))
}
