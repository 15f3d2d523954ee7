//! Supervision look-back (回头看, SPEC §8.2): the Discipline Commission looks back on the month's
//! problems, records a finding on each (the records suggest one), and what fails is handed over.

use crate::routes::common::Json;
use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use domain::calendar::{Month, local_date};
use domain::org::Act;
use domain::problem::{Action, Class, LookBack, State, suggest_look_back, transition};
use sea_orm::ActiveValue::Set;
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, FieldError, validate};
use crate::routes::common::Problem;
use crate::state::State as AppState;
use crate::store::entity::{problem, supervision, supervision_finding};
use crate::store::{audit, org, problems, supervisions};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_look_back_candidates)
        .service(get_supervision_report)
        .service(create_supervision)
        .service(get_supervision);
}

fn discipline_only(user: &AuthUser) -> ApiResult<()> {
    user.require(Act::Supervise)
}

fn suggestion(p: &problem::Model, today: NaiveDate) -> LookBack {
    suggest_look_back(
        State::parse(&p.status).unwrap_or(State::Open),
        p.class.as_deref().and_then(Class::parse),
        p.plan.is_some(),
        p.deadline,
        p.claimed_on,
        today,
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM`.
    pub month: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Candidate {
    pub problem_id: Uuid,
    pub village_id: Uuid,
    pub description: String,
    pub status: String,
    pub class: Option<String>,
    pub deadline: Option<NaiveDate>,
    /// cleared, in_progress, decided, overdue, not_rectified or plan_missing, as the records suggest.
    pub suggested: String,
}

/// The month's problems with the finding their records suggest.
#[utoipa::path(tag = "supervisions", operation_id = "list_look_back_candidates", security(("bearer" = [])), params(MonthQuery),
    responses((status = 200, body = Vec<Candidate>), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/supervisions/candidates")]
pub async fn list_look_back_candidates(
    state: AppState,
    user: AuthUser,
    q: web::Query<MonthQuery>,
) -> ApiResult<web::Json<Vec<Candidate>>> {
    discipline_only(&user)?;
    let month: Month = crate::routes::common::month_param(&q.month)?;
    let f = problems::ListFilter { found_between: Some(month.bounds()), ..Default::default() };
    let (rows, _) = problems::list(&state.db, &user.access, &f, 1, 5000).await?;
    let today = local_date(state.clock.now());
    Ok(web::Json(
        rows.into_iter()
            .map(|p| Candidate {
                suggested: suggestion(&p, today).as_str().to_owned(),
                problem_id: p.id,
                village_id: p.village_id,
                description: p.description,
                status: p.status,
                class: p.class,
                deadline: p.deadline,
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct FindingInput {
    pub problem_id: Uuid,
    /// cleared, in_progress, decided, overdue, not_rectified or plan_missing; the records' suggestion
    /// when absent. Only overdue, not_rectified and plan_missing go to the Discipline Commission.
    pub finding: Option<String>,
    #[serde(default)]
    #[validate(length(max = 1000, message = "说明最多1000字"))]
    #[schema(max_length = 1000)]
    pub note: String,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct CreateSupervision {
    #[validate(length(min = 2, max = 100, message = "标题应为2至100字"))]
    #[schema(min_length = 2, max_length = 100)]
    pub title: String,
    pub held_on: NaiveDate,
    /// The month looked back on (`YYYY-MM`), under which the results are reported: by default the
    /// month its problems were found in when they share one, else the month it was held.
    #[schema(example = "2026-11")]
    pub month: Option<String>,
    #[serde(default)]
    #[validate(length(max = 4000, message = "说明最多4000字"))]
    #[schema(max_length = 4000)]
    pub notes: String,
    #[validate(length(min = 1, max = 2000, message = "请至少回头看一个问题"), nested)]
    #[schema(min_items = 1, max_items = 2000)]
    pub findings: Vec<FindingInput>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingView {
    pub problem_id: Uuid,
    pub finding: String,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisionView {
    pub id: Uuid,
    pub title: String,
    pub held_on: NaiveDate,
    pub month: String,
    pub notes: String,
    pub findings: Vec<FindingView>,
    /// Problems this supervision handed to the Discipline Commission.
    pub handed_over: Vec<Uuid>,
}

/// Records a supervision's look-back; every problem found failing is handed over (if not already).
#[utoipa::path(tag = "supervisions", operation_id = "create_supervision", security(("bearer" = [])), request_body = CreateSupervision,
    responses((status = 201, body = SupervisionView), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[post("/supervisions")]
pub async fn create_supervision(
    state: AppState,
    user: AuthUser,
    body: Json<CreateSupervision>,
) -> ApiResult<HttpResponse> {
    discipline_only(&user)?;
    validate(&*body)?;
    let now = state.clock.now();
    let today = local_date(now);
    if body.held_on > today {
        return Err(ApiError::field("held_on", "future", "督查日期不能晚于今天"));
    }
    let asked: Option<Month> = match body.month.as_deref() {
        None => None,
        Some(m) => {
            let m = crate::routes::common::month_param(m)?;
            if m > Month::of_date(body.held_on) {
                return Err(ApiError::field("month", "after_held_on", "回头看的月份不能晚于督查日期所在月份"));
            }
            Some(m)
        }
    };
    let town = user.access.towns().into_iter().next().ok_or_else(|| ApiError::forbidden("no town"))?;
    let txn = state.db.begin().await?;
    let id = Uuid::now_v7();
    let mut found_in = std::collections::BTreeSet::new();
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut handed = Vec::new();
    for (i, f) in body.findings.iter().enumerate() {
        let Some(p) = problems::find_scoped(&txn, &user.access, f.problem_id).await? else {
            errors.push(FieldError::new(
                format!("findings[{i}].problem_id"),
                "not_found",
                "问题不存在或不在您的范围内",
            ));
            continue;
        };
        let finding = match f.finding.as_deref() {
            None => suggestion(&p, today),
            Some(s) => match LookBack::parse(s) {
                Some(x) => x,
                None => {
                    errors.push(FieldError::new(
                        format!("findings[{i}].finding"),
                        "invalid",
                        "结论应为 cleared、in_progress、decided、overdue、not_rectified 或 plan_missing",
                    ));
                    continue;
                }
            },
        };
        found_in.insert(Month::containing(p.found_at));
        let from = State::parse(&p.status).unwrap_or(State::Open);
        if finding.fails() && p.handed_over_at.is_none() && transition(from, Action::HandToDiscipline).is_ok() {
            let mut am: problem::ActiveModel = p.clone().into();
            am.handed_over_at = Set(Some(now));
            problems::save(&txn, am, p.version, now)
                .await?
                .ok_or_else(|| ApiError::conflict("version_conflict", "问题已被他人更新，请重试", "stale"))?;
            problems::record_event(
                &txn,
                problems::NewEvent {
                    problem_id: p.id,
                    action: Action::HandToDiscipline.as_str(),
                    actor_id: Some(user.id),
                    note: &f.note,
                    photo_ids: &[],
                    data: json!({ "supervision_id": id, "finding": finding.as_str() }),
                },
                now,
            )
            .await?;
            handed.push(p.id);
        }
        rows.push(supervision_finding::Model {
            supervision_id: id,
            problem_id: p.id,
            finding: finding.as_str().to_owned(),
            note: f.note.trim().to_owned(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let month = match (asked, found_in.len()) {
        (Some(m), _) => m,
        (None, 1) => found_in.into_iter().next().unwrap_or_else(|| Month::of_date(body.held_on)),
        (None, _) => Month::of_date(body.held_on),
    }
    .to_string();
    let saved = supervisions::insert(
        &txn,
        supervision::Model {
            id,
            town_id: town,
            title: body.title.trim().to_owned(),
            held_on: body.held_on,
            month,
            notes: body.notes.trim().to_owned(),
            created_by: user.id,
            created_at: now,
        },
        rows.clone(),
    )
    .await?;
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(town),
            action: "supervision.create",
            object_type: "supervision",
            object_id: Some(id),
            detail: json!({ "findings": rows.len(), "handed_over": handed.len() }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(SupervisionView {
        id: saved.id,
        title: saved.title,
        held_on: saved.held_on,
        month: saved.month,
        notes: saved.notes,
        findings: rows
            .into_iter()
            .map(|r| FindingView { problem_id: r.problem_id, finding: r.finding, note: r.note })
            .collect(),
        handed_over: handed,
    }))
}

/// One supervision with its findings.
#[utoipa::path(tag = "supervisions", operation_id = "get_supervision", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = SupervisionView), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/supervisions/{id}")]
pub async fn get_supervision(
    state: AppState,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<SupervisionView>> {
    user.require(Act::ReadSupervision)?;
    let towns: Vec<Uuid> = user.access.towns().into_iter().collect();
    let s = supervisions::find(&state.db, *id, &towns).await?.ok_or_else(ApiError::not_found)?;
    let findings = supervisions::findings(&state.db, &[s.id]).await?;
    Ok(web::Json(SupervisionView {
        id: s.id,
        title: s.title,
        held_on: s.held_on,
        month: s.month,
        notes: s.notes,
        findings: findings
            .into_iter()
            .map(|r| FindingView { problem_id: r.problem_id, finding: r.finding, note: r.note })
            .collect(),
        handed_over: vec![],
    }))
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct LookBackCounts {
    pub id: Uuid,
    pub name: String,
    pub looked_back: u64,
    pub cleared: u64,
    pub in_progress: u64,
    pub decided: u64,
    pub overdue: u64,
    pub not_rectified: u64,
    pub plan_missing: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisionReport {
    pub month: String,
    pub supervisions: usize,
    pub by_village: Vec<LookBackCounts>,
    pub by_department: Vec<LookBackCounts>,
}

/// The month's look-back results per village and per responsible department.
#[utoipa::path(tag = "supervisions", operation_id = "get_supervision_report", security(("bearer" = [])), params(MonthQuery),
    responses((status = 200, body = SupervisionReport), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/supervisions/report")]
pub async fn get_supervision_report(
    state: AppState,
    user: AuthUser,
    q: web::Query<MonthQuery>,
) -> ApiResult<web::Json<SupervisionReport>> {
    user.require(Act::ReadSupervision)?;
    let month: Month = crate::routes::common::month_param(&q.month)?;
    let towns: Vec<Uuid> = user.access.towns().into_iter().collect();
    let sups = supervisions::of_month(&state.db, &towns, &month.to_string()).await?;
    let ids: Vec<Uuid> = sups.iter().map(|s| s.id).collect();
    let findings = supervisions::findings(&state.db, &ids).await?;
    let problem_ids: Vec<Uuid> = findings.iter().map(|f| f.problem_id).collect();
    let probs: HashMap<Uuid, problem::Model> =
        problems::by_ids(&state.db, &problem_ids).await?.into_iter().map(|p| (p.id, p)).collect();
    let units = problems::units_of(&state.db, &problem_ids).await?;
    let villages: HashMap<Uuid, String> =
        org::villages(&state.db, &towns).await?.into_iter().map(|v| (v.id, v.name)).collect();
    let depts: HashMap<Uuid, String> =
        org::departments(&state.db, &towns).await?.into_iter().map(|d| (d.id, d.name)).collect();
    let mut by_village: BTreeMap<Uuid, LookBackCounts> = BTreeMap::new();
    let mut by_department: BTreeMap<Uuid, LookBackCounts> = BTreeMap::new();
    let bump = |c: &mut LookBackCounts, f: &str| {
        c.looked_back += 1;
        match LookBack::parse(f) {
            Some(LookBack::Cleared) => c.cleared += 1,
            Some(LookBack::InProgress) => c.in_progress += 1,
            Some(LookBack::Decided) => c.decided += 1,
            Some(LookBack::Overdue) => c.overdue += 1,
            Some(LookBack::NotRectified) => c.not_rectified += 1,
            Some(LookBack::PlanMissing) => c.plan_missing += 1,
            None => tracing::error!(finding = f, "a stored look-back finding is unknown"),
        }
    };
    for f in &findings {
        let Some(p) = probs.get(&f.problem_id) else { continue };
        let v = by_village.entry(p.village_id).or_insert_with(|| LookBackCounts {
            id: p.village_id,
            name: villages.get(&p.village_id).cloned().unwrap_or_default(),
            ..Default::default()
        });
        bump(v, &f.finding);
        for u in units.iter().filter(|u| u.problem_id == p.id && u.unit_kind == "department") {
            let d = by_department.entry(u.unit_id).or_insert_with(|| LookBackCounts {
                id: u.unit_id,
                name: depts.get(&u.unit_id).cloned().unwrap_or_default(),
                ..Default::default()
            });
            bump(d, &f.finding);
        }
    }
    Ok(web::Json(SupervisionReport {
        month: month.to_string(),
        supervisions: sups.len(),
        by_village: by_village.into_values().collect(),
        by_department: by_department.into_values().collect(),
    }))
}
