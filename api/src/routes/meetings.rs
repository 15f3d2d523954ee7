//! Meetings (SPEC §6): the agenda pack prepared from the records, minutes, attendees and decisions
//! that set measures, owners and deadlines on problems (written to the ledger's history), and the
//! meetings not held in their month or quarter.

use crate::routes::common::Json;
use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::calendar::{is_date_shaped, local_date};
use domain::meetings::{MeetingKind, missed};
use domain::org::{Act, Place, Role};
use domain::problem::{State as ProblemState, is_overdue};
use domain::{Month, Quarter};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, FieldError, validate};
use crate::routes::common::{IdempotencyKey, Problem, idempotency_begin, idempotency_finish};
use crate::state::State;
use crate::store::entity::{meeting, problem, problem_unit, screening};
use crate::store::{audit, notifications, org, problems, users};
use domain::reminders::{Kind, Reminder};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_meeting_agenda)
        .service(create_meeting)
        .service(list_meetings)
        .service(list_missed_meetings)
        .service(get_meeting);
}

fn kind_of(s: &str) -> ApiResult<MeetingKind> {
    MeetingKind::parse(s).ok_or_else(|| {
        ApiError::field("kind", "one_of", "会议类型应为 joint_monthly、party_quarterly、expanded 或 village_quarterly")
    })
}

// The agenda pack ------------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgendaQuery {
    /// `joint_monthly` or `party_quarterly`.
    pub kind: String,
    /// For the joint meeting: `YYYY-MM`.
    pub month: Option<String>,
    /// For the Party committee meeting: `YYYY-Qn`.
    pub quarter: Option<String>,
    pub town_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VillageProblems {
    pub village_id: Uuid,
    pub village_name: String,
    /// Count by status (open, assigned, completion_claimed, closed…).
    pub by_status: BTreeMap<String, u32>,
    pub problem_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentRectification {
    pub department_id: Uuid,
    pub department_name: String,
    pub total: u32,
    pub closed: u32,
    pub active: u32,
    pub overdue: u32,
    pub problem_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaItem {
    pub problem_id: Uuid,
    pub village_id: Uuid,
    pub description: String,
    pub status: String,
    pub deadline: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningItem {
    pub screening_id: Uuid,
    pub department_id: Uuid,
    pub rows: i32,
    pub matched: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarterReport {
    pub quarter: String,
    pub target_households: usize,
    pub visited: usize,
    pub coverage: Option<f64>,
    /// Problems found in the quarter, by status.
    pub problems_by_status: BTreeMap<String, u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaPack {
    pub kind: String,
    pub period: String,
    /// Joint meeting: this month's problems by village and status.
    pub problems_by_village: Vec<VillageProblems>,
    /// Joint meeting: last quarter's problems and how each department rectified them.
    pub last_quarter_by_department: Vec<DepartmentRectification>,
    /// Overdue problems today.
    pub overdue: Vec<AgendaItem>,
    /// Joint meeting: this month's department screenings.
    pub screenings: Vec<ScreeningItem>,
    /// Party committee meeting: the quarter's report.
    pub report: Option<QuarterReport>,
    /// Party committee meeting: last quarter's problems still not rectified (to decide on).
    pub unrectified_last_quarter: Vec<AgendaItem>,
}

fn item(p: &problem::Model) -> AgendaItem {
    AgendaItem {
        problem_id: p.id,
        village_id: p.village_id,
        description: p.description.clone(),
        status: p.status.clone(),
        deadline: p.deadline,
    }
}

fn active(p: &problem::Model) -> bool {
    ProblemState::parse(&p.status).is_some_and(ProblemState::is_active)
}

/// The agenda pack, prepared from the records.
#[utoipa::path(tag = "meetings", operation_id = "get_meeting_agenda", security(("bearer" = [])), params(AgendaQuery),
    responses((status = 200, body = AgendaPack), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/meetings/agenda")]
pub async fn get_meeting_agenda(
    state: State,
    user: AuthUser,
    q: web::Query<AgendaQuery>,
) -> ApiResult<web::Json<AgendaPack>> {
    user.require(Act::ManageMeetings)?;
    let town = user.town_for(Act::ManageMeetings, q.town_id)?;
    let kind = kind_of(&q.kind)?;
    let now = state.clock.now();
    let today = local_date(now);
    let all = problem::Entity::find().filter(problem::Column::TownId.eq(town)).all(&state.db).await?;
    let overdue: Vec<AgendaItem> = all
        .iter()
        .filter(|p| {
            let s = ProblemState::parse(&p.status).unwrap_or(ProblemState::Open);
            is_overdue(s, p.deadline, p.claimed_on, today)
        })
        .map(item)
        .collect();
    match kind {
        MeetingKind::JointMonthly => {
            let month = crate::routes::common::month_param(q.month.as_deref().unwrap_or_default())?;
            let (from, to) = month.bounds();
            let villages = org::villages(&state.db, &[town]).await?;
            let problems_by_village = villages
                .iter()
                .map(|v| {
                    let mine: Vec<&problem::Model> =
                        all.iter().filter(|p| p.village_id == v.id && p.found_at >= from && p.found_at < to).collect();
                    let mut by_status = BTreeMap::new();
                    for p in &mine {
                        *by_status.entry(p.status.clone()).or_insert(0) += 1;
                    }
                    VillageProblems {
                        village_id: v.id,
                        village_name: v.name.clone(),
                        by_status,
                        problem_ids: mine.iter().map(|p| p.id).collect(),
                    }
                })
                .collect();
            let (lq_from, lq_to) = month.quarter().prev().bounds();
            let last_quarter: Vec<&problem::Model> =
                all.iter().filter(|p| p.found_at >= lq_from && p.found_at < lq_to).collect();
            let ids: Vec<Uuid> = last_quarter.iter().map(|p| p.id).collect();
            let units = problem_unit::Entity::find()
                .filter(problem_unit::Column::ProblemId.is_in(ids))
                .filter(problem_unit::Column::UnitKind.eq("department"))
                .all(&state.db)
                .await?;
            let departments = org::departments(&state.db, &[town]).await?;
            let last_quarter_by_department = departments
                .iter()
                .filter_map(|d| {
                    let theirs: Vec<&&problem::Model> = last_quarter
                        .iter()
                        .filter(|p| units.iter().any(|u| u.problem_id == p.id && u.unit_id == d.id))
                        .collect();
                    (!theirs.is_empty()).then(|| DepartmentRectification {
                        department_id: d.id,
                        department_name: d.name.clone(),
                        total: theirs.len() as u32,
                        closed: theirs
                            .iter()
                            .filter(|p| ProblemState::parse(&p.status).is_some_and(ProblemState::is_rectified))
                            .count() as u32,
                        active: theirs.iter().filter(|p| active(p)).count() as u32,
                        overdue: theirs.iter().filter(|p| overdue.iter().any(|o| o.problem_id == p.id)).count() as u32,
                        problem_ids: theirs.iter().map(|p| p.id).collect(),
                    })
                })
                .collect();
            let screenings = screening::Entity::find()
                .filter(screening::Column::TownId.eq(town))
                .filter(screening::Column::Month.eq(month.to_string()))
                .all(&state.db)
                .await?
                .into_iter()
                .map(|s| ScreeningItem {
                    screening_id: s.id,
                    department_id: s.department_id,
                    rows: s.rows,
                    matched: s.matched,
                })
                .collect();
            Ok(web::Json(AgendaPack {
                kind: kind.as_str().into(),
                period: month.to_string(),
                problems_by_village,
                last_quarter_by_department,
                overdue,
                screenings,
                report: None,
                unrectified_last_quarter: vec![],
            }))
        }
        MeetingKind::PartyQuarterly => {
            let quarter: Quarter = q
                .quarter
                .as_deref()
                .unwrap_or_default()
                .parse()
                .map_err(|_| ApiError::field("quarter", "invalid", "季度格式应为 2026-Q4"))?;
            let (from, to) = quarter.bounds();
            let access = domain::Access::town_wide(town);
            let inputs = state.coverage_inputs.inputs(&state.reports, &access, None, quarter).await?;
            let cov = &inputs.coverage;
            let mut problems_by_status = BTreeMap::new();
            for p in all.iter().filter(|p| p.found_at >= from && p.found_at < to) {
                *problems_by_status.entry(p.status.clone()).or_insert(0) += 1;
            }
            let (lq_from, lq_to) = quarter.prev().bounds();
            let unrectified_last_quarter =
                all.iter().filter(|p| p.found_at >= lq_from && p.found_at < lq_to && active(p)).map(item).collect();
            let total = cov.total.targets as usize;
            let covered = cov.total.visited as usize;
            Ok(web::Json(AgendaPack {
                kind: kind.as_str().into(),
                period: quarter.to_string(),
                problems_by_village: vec![],
                last_quarter_by_department: vec![],
                overdue,
                screenings: vec![],
                report: Some(QuarterReport {
                    quarter: quarter.to_string(),
                    target_households: total,
                    visited: covered,
                    coverage: (total > 0).then(|| covered as f64 / total as f64),
                    problems_by_status,
                }),
                unrectified_last_quarter,
            }))
        }
        _ => Err(ApiError::field("kind", "one_of", "议程只为部门联席会和党委专题会准备")),
    }
}

// Recording ------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct Decision {
    pub problem_id: Uuid,
    /// A new measure for the problem.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub measure: Option<String>,
    /// A new responsible person.
    pub responsible_user_id: Option<Uuid>,
    /// A new deadline.
    pub deadline: Option<NaiveDate>,
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct CreateMeeting {
    /// Made by the client when the record is written; sent again (a double click, a retry on a
    /// weak line), the first meeting is answered and no second is recorded. `Idempotency-Key` does
    /// the same.
    pub client_id: Option<Uuid>,
    /// `joint_monthly`, `party_quarterly`, `expanded` or `village_quarterly`.
    pub kind: String,
    /// For a village's quarterly meeting.
    pub village_id: Option<Uuid>,
    pub held_at: DateTime<Utc>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub title: Option<String>,
    #[validate(length(min = 1, max = 100, message = "请填写参会人员"))]
    #[schema(min_items = 1, max_items = 100)]
    pub attendees: Vec<String>,
    #[validate(length(min = 1, max = 50000, message = "请填写会议纪要"))]
    #[schema(min_length = 1, max_length = 50000)]
    pub minutes: String,
    #[serde(default)]
    #[validate(length(max = 200), nested)]
    #[schema(max_items = 200)]
    pub decisions: Vec<Decision>,
    /// Why a meeting of a month already closed is recorded only now (required then).
    #[validate(length(max = 500))]
    #[schema(max_length = 500, nullable = false)]
    pub late_reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Meeting {
    pub id: Uuid,
    pub kind: String,
    pub village_id: Option<Uuid>,
    /// The month or quarter it answers for.
    pub period: String,
    pub held_at: DateTime<Utc>,
    pub title: String,
    pub attendees: Vec<String>,
    pub minutes: String,
    pub decisions: Vec<Decision>,
    pub recorded_by: Uuid,
}

impl From<meeting::Model> for Meeting {
    fn from(m: meeting::Model) -> Self {
        Self {
            id: m.id,
            kind: m.kind,
            village_id: m.village_id,
            period: m.period,
            held_at: m.held_at,
            title: m.title,
            attendees: serde_json::from_str(&m.attendees).unwrap_or_default(),
            minutes: m.minutes,
            decisions: serde_json::from_str(&m.decisions).unwrap_or_default(),
            recorded_by: m.recorded_by,
        }
    }
}

/// Records a meeting: minutes, attendees, and decisions. A decision changes a problem's measure,
/// responsible person or deadline where the recorder may assign the problem, and the ledger's history
/// says which meeting decided it; a village meeting's decision is recorded as a proposal. A meeting
/// does not decide on a problem found after it, and one of a closed month needs `late_reason`.
#[utoipa::path(tag = "meetings", operation_id = "create_meeting", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a repeated submission return the first result")),
    request_body = CreateMeeting,
    responses((status = 201, body = Meeting), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/meetings")]
pub async fn create_meeting(
    state: State,
    user: AuthUser,
    key: IdempotencyKey,
    body: Json<CreateMeeting>,
) -> ApiResult<HttpResponse> {
    validate(&*body)?;
    let key = IdempotencyKey(key.0.clone().or_else(|| body.client_id.map(|c| format!("meeting:{c}"))));
    let kind = kind_of(&body.kind)?;
    let (town, village) = match (kind, body.village_id) {
        (MeetingKind::VillageQuarterly, Some(v)) => {
            let v = org::village(&state.db, v).await?.ok_or_else(ApiError::not_found)?;
            let own = user
                .access
                .acts_at(Act::ManageMeetings, |p| matches!(p, Place::Village { village, .. } if *village == v.id))
                || user.access.towns_for(Act::ManageMeetings).contains(&v.town_id);
            if !own {
                return Err(ApiError::not_found());
            }
            (v.town_id, Some(v.id))
        }
        (MeetingKind::VillageQuarterly, None) => {
            return Err(ApiError::field("village_id", "required", "村级季度专题会需选择村"));
        }
        (_, Some(_)) => return Err(ApiError::field("village_id", "not_allowed", "镇级会议不选择村")),
        (_, None) => (user.town_for(Act::ManageMeetings, None)?, None),
    };
    let now = state.clock.now();
    if !domain::meetings::may_be_held_at(body.held_at, now) {
        return Err(ApiError::field("held_at", "range", "会议时间应在长效机制开始之后，且不晚于明天"));
    }
    let held_on = local_date(body.held_at);
    let mut errors = vec![];
    // A meeting of a month already closed (it would fill that month's missed meeting) is a late
    // entry: recorded with its reason, as a visit is.
    let late = domain::Month::of_date(held_on).is_closed(state.settings.month_closing_day, now);
    if late && body.late_reason.as_deref().is_none_or(|r| r.trim().chars().count() < 2) {
        errors.push(FieldError::new("late_reason", "required", "会议所在月份已关账，补录需填写原因"));
    }
    // A decision changes a problem only where the recorder may assign it; a village's decision is
    // a proposal, recorded on the problem for the RRO to take up or not.
    let assigns = user.access.reach(Act::AssignProblem);
    let txn = state.db.begin().await?;
    if let Some(replay) = idempotency_begin(&txn, user.id, &key, "POST /meetings", &*body, now).await? {
        return Ok(replay);
    }
    let mut targets = vec![];
    for (i, d) in body.decisions.iter().enumerate() {
        match problems::find_scoped(&txn, &user.access, d.problem_id).await? {
            Some(p) if p.town_id == town && village.is_none_or(|v| v == p.village_id) => {
                if let Err(r) = domain::meetings::may_decide_on(local_date(p.found_at), held_on) {
                    errors.push(FieldError::new(format!("decisions[{i}].problem_id"), r.code(), r.message_zh()));
                }
                if !active(&p) {
                    errors.push(FieldError::new(
                        format!("decisions[{i}].problem_id"),
                        "not_active",
                        "该问题已不在整改中",
                    ));
                }
                if d.deadline.is_some_and(|dl| dl < local_date(body.held_at)) {
                    errors.push(FieldError::new(
                        format!("decisions[{i}].deadline"),
                        "past",
                        "整改期限不能早于会议日期",
                    ));
                }
                targets.push(p);
            }
            _ => errors.push(FieldError::new(format!("decisions[{i}].problem_id"), "not_found", "问题不存在")),
        }
        if let Some(u) = d.responsible_user_id
            && users::by_id(&txn, u).await?.is_none_or(|x| !x.active || x.town_id != Some(town))
        {
            errors.push(FieldError::new(format!("decisions[{i}].responsible_user_id"), "not_found", "责任人不存在"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let m = meeting::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(town),
        kind: Set(kind.as_str().into()),
        village_id: Set(village),
        period: Set(kind.period_of(held_on)),
        held_at: Set(body.held_at),
        title: Set(body.title.clone().unwrap_or_else(|| format!("{}（{}）", kind.label(), kind.period_of(held_on)))),
        attendees: Set(serde_json::to_string(&body.attendees).unwrap_or_else(|_| "[]".into())),
        minutes: Set(body.minutes.clone()),
        decisions: Set(serde_json::to_string(&body.decisions).unwrap_or_else(|_| "[]".into())),
        recorded_by: Set(user.id),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    for (d, p) in body.decisions.iter().zip(targets) {
        if !assigns.covers(p.town_id, p.village_id, p.group_id) {
            problems::record_event(
                &txn,
                problems::NewEvent {
                    problem_id: p.id,
                    action: "meeting_proposal",
                    actor_id: Some(user.id),
                    note: &d.note,
                    photo_ids: &[],
                    data: json!({ "meeting_id": m.id, "meeting_kind": kind.as_str(), "measure": d.measure,
                        "responsible_user_id": d.responsible_user_id, "deadline": d.deadline }),
                },
                now,
            )
            .await?;
            // The office that may accept it hears of it.
            let what = p.description.chars().take(40).collect::<String>();
            let deadline = d.deadline.map(|dl| format!("，整改期限改为{dl}")).unwrap_or_default();
            notifications::tell_roles(&txn, &[(Role::RroStaff, &[town])], now, |rro| Reminder {
                user: rro,
                kind: Kind::MeetingProposal,
                key: format!("meeting_proposal:{}:{}:{rro}", m.id, p.id),
                title: "村级会议提议待采纳".into(),
                body: format!("{}提议调整问题“{what}”{deadline}，请在问题台账中采纳或不采纳。", m.title),
            })
            .await?;
            continue;
        }
        let decided = problems::Decided {
            measure: d.measure.as_deref(),
            responsible: d.responsible_user_id,
            deadline: d.deadline,
        };
        problems::apply_decided(&txn, &p, decided, now).await?.ok_or_else(|| {
            ApiError::conflict("version_conflict", "该问题已被他人更新，请刷新后重试", "the problem changed meanwhile")
        })?;
        problems::record_event(
            &txn,
            problems::NewEvent {
                problem_id: p.id,
                action: "meeting_decision",
                actor_id: Some(user.id),
                note: &d.note,
                photo_ids: &[],
                data: json!({ "meeting_id": m.id, "meeting_kind": kind.as_str(), "measure": d.measure,
                    "responsible_user_id": d.responsible_user_id, "deadline": d.deadline,
                    "previous_deadline": p.deadline }),
            },
            now,
        )
        .await?;
    }
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(town),
            action: "meeting.create",
            object_type: "meeting",
            object_id: Some(m.id),
            detail: json!({ "kind": kind.as_str(), "period": m.period, "decisions": body.decisions.len(),
                "late_reason": body.late_reason.as_deref().filter(|_| late) }),
        },
        now,
    )
    .await?;
    let answer =
        idempotency_finish(&txn, user.id, &key, actix_web::http::StatusCode::CREATED, &Meeting::from(m)).await?;
    txn.commit().await?;
    Ok(answer)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    pub kind: Option<String>,
    /// `YYYY-MM` or `YYYY-Qn`.
    pub period: Option<String>,
    pub town_id: Option<Uuid>,
}

/// The town's meetings the caller may read: every one for town roles, a village's own for its roles,
/// the town's for departments.
#[utoipa::path(tag = "meetings", operation_id = "list_meetings", security(("bearer" = [])), params(MeetingQuery),
    responses((status = 200, body = Vec<Meeting>), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/meetings")]
pub async fn list_meetings(
    state: State,
    user: AuthUser,
    q: web::Query<MeetingQuery>,
) -> ApiResult<web::Json<Vec<Meeting>>> {
    let town = user.any_town(q.town_id)?;
    let mut query = meeting::Entity::find().filter(meeting::Column::TownId.eq(town));
    if let Some(k) = &q.kind {
        query = query.filter(meeting::Column::Kind.eq(kind_of(k)?.as_str()));
    }
    if let Some(p) = &q.period {
        if p.parse::<Month>().is_err() && p.parse::<Quarter>().is_err() && !is_date_shaped(p) {
            return Err(ApiError::field("period", "invalid", "期间应为月份、季度或日期，如 2026-11、2026-Q4"));
        }
        query = query.filter(meeting::Column::Period.eq(p.clone()));
    }
    let rows = query.order_by_asc(meeting::Column::HeldAt).all(&state.db).await?;
    Ok(web::Json(
        rows.into_iter().filter(|m| user.access.reads_meeting(m.town_id, m.village_id)).map(Meeting::from).collect(),
    ))
}

/// One meeting.
#[utoipa::path(tag = "meetings", operation_id = "get_meeting", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Meeting), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/meetings/{id}")]
pub async fn get_meeting(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<web::Json<Meeting>> {
    let m = meeting::Entity::find_by_id(*id)
        .one(&state.db)
        .await?
        .filter(|m| user.access.reads_meeting(m.town_id, m.village_id))
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(Meeting::from(m)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MissedQuery {
    pub town_id: Option<Uuid>,
    /// Count from this date (never before the town's go-live day); by default from that day.
    pub since: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MissedMeeting {
    pub kind: String,
    /// For a village's quarterly meeting.
    pub village_id: Option<Uuid>,
    pub period: String,
}

/// Months and quarters that ended without their meeting: the joint meeting every month, the Party
/// committee meeting every quarter, each village's meeting every quarter.
#[utoipa::path(tag = "meetings", operation_id = "list_missed_meetings", security(("bearer" = [])), params(MissedQuery),
    responses((status = 200, body = Vec<MissedMeeting>), (status = 401, response = Problem), (status = 403, response = Problem)))]
#[get("/meetings/missed")]
pub async fn list_missed_meetings(
    state: State,
    user: AuthUser,
    q: web::Query<MissedQuery>,
) -> ApiResult<web::Json<Vec<MissedMeeting>>> {
    let town = user.any_town(q.town_id)?;
    let now = state.clock.now();
    // Nothing could be missed before the town went live (nor before the mechanism began).
    let live = org::live_from(&state.db, town).await?.day();
    let since = q.since.map_or(live, |s| s.max(live));
    let held = meeting::Entity::find().filter(meeting::Column::TownId.eq(town)).all(&state.db).await?;
    let periods = |kind: MeetingKind, village: Option<Uuid>| -> Vec<String> {
        held.iter().filter(|m| m.kind == kind.as_str() && m.village_id == village).map(|m| m.period.clone()).collect()
    };
    let mut out = vec![];
    for kind in [MeetingKind::JointMonthly, MeetingKind::PartyQuarterly] {
        out.extend(missed(kind, since, now, &periods(kind, None)).into_iter().map(|period| MissedMeeting {
            kind: kind.as_str().into(),
            village_id: None,
            period,
        }));
    }
    for v in org::villages(&state.db, &[town]).await? {
        let kind = MeetingKind::VillageQuarterly;
        out.extend(missed(kind, since, now, &periods(kind, Some(v.id))).into_iter().map(|period| MissedMeeting {
            kind: kind.as_str().into(),
            village_id: Some(v.id),
            period,
        }));
    }
    Ok(web::Json(out))
}
