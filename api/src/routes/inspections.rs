//! Leaders' unannounced visits (暗访) and admonishment talks (约谈), SPEC §8.3.
//!
//! Nothing here is visible to village roles: a visit exists only once the leader saves it, and
//! what the village then learns is the problems assigned to it, with a notification.

use crate::routes::common::Json;
use std::collections::{BTreeMap, BTreeSet};

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::calendar::local_date;
use domain::leadership::{self, Lead, VillageRecord};
use domain::org::{Act, Role};
use domain::problem::{Category, Class, Source, State as ProblemState, deadline};
use domain::reminders::{Kind, Reminder};
use domain::{Month, Quarter};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, FieldError, validate};
use crate::routes::common::{Page, PageQuery, Problem};
use crate::state::State;
use crate::store::entity::{admonishment, call_case, problem, unannounced_visit, visit};
use crate::store::{audit, coverage, households, notifications, org, photos, problems, users};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(suggest_unannounced_visits)
        .service(create_unannounced_visit)
        .service(list_unannounced_visits)
        .service(get_unannounced_visit)
        .service(list_admonishment_proposals)
        .service(create_admonishment)
        .service(list_admonishments);
}

// Suggestions ----------------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    pub village_id: Option<Uuid>,
    /// At most this many (default 20).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestedHousehold {
    pub household_id: Uuid,
    pub village_id: Uuid,
    pub head_name: String,
    pub score: u32,
    /// overdue_problem, flagged_visit, unsatisfied, unreachable, not_visited.
    pub leads: Vec<String>,
}

/// Households worth an unannounced visit, "according to this month's visits": overdue problems,
/// visits flagged or rejected, households absent or unreachable by phone, unsatisfied on the phone,
/// target households not visited this quarter. For leaders only.
#[utoipa::path(tag = "inspections", operation_id = "suggest_unannounced_visits", security(("bearer" = [])), params(SuggestQuery),
    responses((status = 200, body = Vec<SuggestedHousehold>), (status = 401, response = Problem), (status = 403, response = Problem)))]
#[get("/unannounced-visits/suggestions")]
pub async fn suggest_unannounced_visits(
    state: State,
    user: AuthUser,
    q: web::Query<SuggestQuery>,
) -> ApiResult<web::Json<Vec<SuggestedHousehold>>> {
    user.require(Act::Inspect)?;
    let now = state.clock.now();
    let today = local_date(now);
    let towns: Vec<Uuid> = user.access.towns_for(Act::Inspect).into_iter().collect();
    let month = Month::containing(now);
    let (m_from, m_to) = month.bounds();
    let mut leads: Vec<(Uuid, Lead)> = vec![];
    let in_scope = |town: Uuid, village: Uuid| towns.contains(&town) && q.village_id.is_none_or(|v| v == village);

    let f = problems::ListFilter { active: Some(true), overdue_on: Some(today), ..Default::default() };
    let (overdue, _) = problems::list(&state.db, &user.access, &f, 1, 10_000).await?;
    leads.extend(
        overdue
            .iter()
            .filter(|p| in_scope(p.town_id, p.village_id))
            .filter_map(|p| p.household_id.map(|h| (h, Lead::OverdueProblem))),
    );
    let month_visits = visit::Entity::find()
        .filter(visit::Column::TownId.is_in(towns.iter().copied()))
        .filter(visit::Column::VisitedAt.gte(m_from))
        .filter(visit::Column::VisitedAt.lt(m_to))
        .all(&state.db)
        .await?;
    for v in month_visits.iter().filter(|v| in_scope(v.town_id, v.village_id)) {
        if v.review == "pending" || v.review == "rejected" {
            leads.push((v.household_id, Lead::FlaggedVisit));
        }
        if domain::visit::Outcome::from_stored(&v.outcome) == domain::visit::Outcome::AbsentAttempted {
            leads.push((v.household_id, Lead::Unreachable));
        }
    }
    let cases =
        call_case::Entity::find().filter(call_case::Column::TownId.is_in(towns.iter().copied())).all(&state.db).await?;
    for c in cases.iter().filter(|c| in_scope(c.town_id, c.village_id)) {
        if c.satisfied == Some(false) {
            leads.push((c.household_id, Lead::Unsatisfied));
        }
        if c.status == "closed" && matches!(c.last_outcome.as_deref(), Some("no_answer" | "busy" | "wrong_number")) {
            leads.push((c.household_id, Lead::Unreachable));
        }
    }
    let inputs =
        state.coverage_inputs.inputs(&state.reports, &user.access, q.village_id, Quarter::containing(now)).await?;
    let visited: BTreeSet<Uuid> = inputs
        .visits()
        .filter(|f| domain::visit::counts_as_visited(f.outcome, f.review))
        .map(|f| f.household)
        .collect();
    // Only a target household is owed a visit: a general household unvisited is no lead.
    leads.extend(
        inputs.households().filter(|t| t.is_target() && !visited.contains(&t.id)).map(|t| (t.id, Lead::NotVisited)),
    );

    let ranked = leadership::suggest(&leads, q.limit.unwrap_or(20).clamp(1, 200));
    let ids: Vec<Uuid> = ranked.iter().map(|s| s.household).collect();
    let hs: BTreeMap<Uuid, (Uuid, String)> = households::by_ids(&state.db, &ids)
        .await?
        .into_iter()
        .filter(|h| in_scope(h.town_id, h.village_id))
        .map(|h| (h.id, (h.village_id, h.head_name)))
        .collect();
    Ok(web::Json(
        ranked
            .into_iter()
            .filter_map(|s| {
                let (village_id, head_name) = hs.get(&s.household)?.clone();
                Some(SuggestedHousehold {
                    household_id: s.household,
                    village_id,
                    head_name,
                    score: s.score,
                    leads: s
                        .leads
                        .iter()
                        .map(|l| serde_json::to_value(l).ok().and_then(|v| v.as_str().map(str::to_owned)))
                        .map(Option::unwrap_or_default)
                        .collect(),
                })
            })
            .collect(),
    ))
}

// Unannounced visits ---------------------------------------------------------------------------

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[schema(as = UnannouncedProblem)]
pub struct FoundProblem {
    /// The household concerned, if any (one of the visit's households).
    pub household_id: Option<Uuid>,
    /// income, education, medical, housing, drinking_water, policy_not_enjoyed, satisfaction,
    /// cadre_work_style, archive, other.
    pub category: String,
    #[validate(length(min = 1, max = 1000, message = "问题描述应为1至1000字"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub description: String,
    /// `small` (due at the month's end) or `large` (give `deadline`).
    pub class: String,
    pub deadline: Option<chrono::NaiveDate>,
    /// The departments concerned (at least one); the village and its work team are always assigned.
    #[validate(length(min = 1, max = 10, message = "请选择相关部门"))]
    #[schema(min_items = 1, max_items = 10)]
    pub department_ids: Vec<Uuid>,
    #[validate(length(max = 500, message = "整改要求不超过500字"))]
    #[schema(max_length = 500)]
    pub measure: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateUnannouncedVisit {
    /// Made on the phone; the same id again returns the visit saved the first time.
    pub client_id: Uuid,
    pub village_id: Uuid,
    #[validate(length(min = 1, max = 20, message = "请选择1至20户"))]
    #[schema(min_items = 1, max_items = 20)]
    pub household_ids: Vec<Uuid>,
    /// When; now when absent.
    pub visited_at: Option<DateTime<Utc>>,
    #[validate(range(min = -90.0, max = 90.0))]
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub latitude: Option<f64>,
    #[validate(range(min = -180.0, max = 180.0))]
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub longitude: Option<f64>,
    #[serde(default)]
    #[validate(length(max = 20, message = "照片不超过20张"))]
    #[schema(max_items = 20)]
    pub photo_ids: Vec<Uuid>,
    /// What was found about the policies the households enjoy.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub policies: String,
    /// What was found about rectification.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub rectification: String,
    /// Households' satisfaction, 1 (very unsatisfied) to 5 (very satisfied).
    #[validate(range(min = 1, max = 5, message = "满意度应为1至5"))]
    #[schema(minimum = 1, maximum = 5)]
    pub satisfaction: Option<i32>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    #[validate(nested)]
    pub problems: Vec<FoundProblem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnannouncedVisit {
    pub id: Uuid,
    pub village_id: Uuid,
    pub leader_id: Uuid,
    pub visited_at: DateTime<Utc>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub household_ids: Vec<Uuid>,
    pub photo_ids: Vec<Uuid>,
    pub policies: String,
    pub rectification: String,
    pub satisfaction: Option<i32>,
    pub notes: String,
    /// The problems found, each assigned to the village, its work team and the departments.
    pub problem_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
}

async fn visit_view(state: &State, v: unannounced_visit::Model) -> ApiResult<UnannouncedVisit> {
    let problem_ids: Vec<Uuid> = problem::Entity::find()
        .filter(problem::Column::UnannouncedVisitId.eq(v.id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    Ok(UnannouncedVisit {
        id: v.id,
        village_id: v.village_id,
        leader_id: v.leader_id,
        visited_at: v.visited_at,
        latitude: v.latitude,
        longitude: v.longitude,
        household_ids: serde_json::from_str(&v.household_ids).unwrap_or_default(),
        photo_ids: serde_json::from_str(&v.photo_ids).unwrap_or_default(),
        policies: v.policies,
        rectification: v.rectification,
        satisfaction: v.satisfaction,
        notes: v.notes,
        problem_ids,
        created_at: v.created_at,
    })
}

/// Saves an unannounced visit made in the field. Problems found are assigned on the spot — to the
/// village (its secretary answers), its work team and the departments named — and they are
/// notified at once. Idempotent by `client_id`.
#[utoipa::path(tag = "inspections", operation_id = "create_unannounced_visit", security(("bearer" = [])), request_body = CreateUnannouncedVisit,
    responses((status = 201, body = UnannouncedVisit), (status = 200, body = UnannouncedVisit, description = "Saved before with this client_id"),
        (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem), (status = 422, response = Problem)))]
#[post("/unannounced-visits")]
pub async fn create_unannounced_visit(
    state: State,
    user: AuthUser,
    body: Json<CreateUnannouncedVisit>,
) -> ApiResult<HttpResponse> {
    user.require(Act::Inspect)?;
    validate(&*body)?;
    let towns = user.access.towns_for(Act::Inspect);
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    if let Some(prev) = unannounced_visit::Entity::find()
        .filter(unannounced_visit::Column::ClientId.eq(body.client_id))
        .one(&txn)
        .await?
    {
        if prev.leader_id != user.id {
            return Err(ApiError::conflict(
                "client_id_reused",
                "该记录编号已被使用",
                "client_id belongs to another visit",
            ));
        }
        drop(txn);
        return Ok(HttpResponse::Ok().json(visit_view(&state, prev).await?));
    }
    let village = org::village(&txn, body.village_id)
        .await?
        .filter(|v| towns.contains(&v.town_id))
        .ok_or_else(ApiError::not_found)?;
    let mut errors = vec![];
    let hs = households::by_ids(&txn, &body.household_ids).await?;
    for (i, h) in body.household_ids.iter().enumerate() {
        if !hs.iter().any(|x| x.id == *h && x.village_id == village.id) {
            errors.push(FieldError::new(format!("household_ids[{i}]"), "not_found", "农户不存在或不在该村"));
        }
    }
    for i in photos::not_owned(&txn, &body.photo_ids, &[user.id]).await? {
        errors.push(FieldError::new(format!("photo_ids[{i}]"), "not_found", "照片不存在或不是您上传的"));
    }
    let visited_at = body.visited_at.unwrap_or(now);
    if visited_at > now + chrono::Duration::minutes(5) {
        errors.push(FieldError::new("visited_at", "future", "暗访时间不能晚于当前时间"));
    }
    let departments = org::departments(&txn, &[village.town_id]).await?;
    let teams: Vec<Uuid> = org::work_teams(&txn, &[village.town_id])
        .await?
        .into_iter()
        .filter(|t| t.village_id == village.id)
        .map(|t| t.id)
        .collect();
    let today = local_date(visited_at);
    let mut planned = vec![];
    for (i, p) in body.problems.iter().enumerate() {
        let at = |f: &str| format!("problems[{i}].{f}");
        let category = Category::parse(&p.category);
        if category.is_none() {
            errors.push(FieldError::new(at("category"), "invalid", "问题类型不正确"));
        }
        if p.household_id.is_some_and(|h| !body.household_ids.contains(&h)) {
            errors.push(FieldError::new(at("household_id"), "not_in_visit", "该户不在本次暗访的农户中"));
        }
        for (j, d) in p.department_ids.iter().enumerate() {
            if !departments.iter().any(|x| x.id == *d) {
                errors.push(FieldError::new(format!("problems[{i}].department_ids[{j}]"), "not_found", "部门不存在"));
            }
        }
        let class = match Class::parse(&p.class) {
            Some(c @ (Class::Small | Class::Large)) => Some(c),
            _ => {
                errors.push(FieldError::new(at("class"), "invalid", "暗访问题分类应为 small 或 large"));
                None
            }
        };
        let due = class.and_then(|c| match deadline(c, today, p.deadline, &[]) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(FieldError::new(at("deadline"), "invalid", e.message_zh()));
                None
            }
        });
        if let (Some(category), Some(class), Some(due)) = (category, class, due) {
            planned.push((p, category, class, due));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let v = unannounced_visit::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(body.client_id),
        town_id: Set(village.town_id),
        village_id: Set(village.id),
        leader_id: Set(user.id),
        visited_at: Set(visited_at),
        latitude: Set(body.latitude),
        longitude: Set(body.longitude),
        household_ids: Set(serde_json::to_string(&body.household_ids).unwrap_or_else(|_| "[]".into())),
        photo_ids: Set(serde_json::to_string(&body.photo_ids).unwrap_or_else(|_| "[]".into())),
        policies: Set(body.policies.trim().to_owned()),
        rectification: Set(body.rectification.trim().to_owned()),
        satisfaction: Set(body.satisfaction),
        notes: Set(body.notes.trim().to_owned()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    // Who answers: the village secretary (the responsible person), the work team leader, the departments' staff.
    let secretary = users::with_role(&txn, Role::VillageSecretary, &[village.id]).await?.first().map(|(u, _)| *u);
    for (p, category, class, due) in planned {
        let mut units: Vec<(String, Uuid)> = vec![("village".into(), village.id)];
        units.extend(teams.iter().map(|t| ("work_team".to_owned(), *t)));
        units.extend(p.department_ids.iter().map(|d| ("department".to_owned(), *d)));
        let group_id = p.household_id.and_then(|h| hs.iter().find(|x| x.id == h)).and_then(|h| h.group_id);
        let measure = p.measure.as_deref().map(str::trim).filter(|m| !m.is_empty()).unwrap_or("按暗访要求整改");
        let saved = problems::insert_assigned(
            &txn,
            problems::NewProblem {
                town_id: village.town_id,
                village_id: village.id,
                group_id,
                household_id: p.household_id,
                source: Source::Unannounced,
                category,
                description: p.description.trim().to_owned(),
                status: ProblemState::Open,
                found_by: user.id,
                found_at: visited_at,
                visit_id: None,
                evidence_photo_ids: body.photo_ids.clone(),
                call_attempt_id: None,
                unannounced_visit_id: Some(v.id),
            },
            problems::OnTheSpot { class, deadline: due, units: &units, responsible: secretary, measure },
            user.id,
            now,
        )
        .await?;
        let holders: [(Role, &[Uuid]); 3] = [
            (Role::VillageSecretary, &[village.id]),
            (Role::WorkTeamLeader, &teams),
            (Role::DeptStaff, &p.department_ids),
        ];
        notifications::tell_roles(&txn, &holders, now, |u| Reminder {
            user: u,
            kind: Kind::ProblemAssigned,
            key: format!("problem_assigned:{}:{u}", saved.id),
            title: "领导暗访发现问题，已交办".into(),
            body: format!(
                "{}：{}。整改期限{}，请按要求整改。",
                village.name,
                saved.description.chars().take(60).collect::<String>(),
                due
            ),
        })
        .await?;
    }
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(village.town_id),
            action: "unannounced_visit.create",
            object_type: "unannounced_visit",
            object_id: Some(v.id),
            detail: json!({ "village_id": village.id, "households": body.household_ids.len(), "problems": body.problems.len() }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(visit_view(&state, v).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitQuery {
    /// `YYYY-MM`.
    pub month: Option<String>,
    pub village_id: Option<Uuid>,
}

/// Unannounced visits in the caller's towns, newest first. For leaders and the RRO, never villages.
#[utoipa::path(tag = "inspections", operation_id = "list_unannounced_visits", security(("bearer" = [])), params(VisitQuery, PageQuery),
    responses((status = 200, body = Page<UnannouncedVisit>), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/unannounced-visits")]
pub async fn list_unannounced_visits(
    state: State,
    user: AuthUser,
    q: web::Query<VisitQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<UnannouncedVisit>>> {
    user.require(Act::ReadInspections)?;
    validate(&*page)?;
    let towns: Vec<Uuid> = user.access.towns_for(Act::ReadInspections).into_iter().collect();
    let mut query = unannounced_visit::Entity::find().filter(unannounced_visit::Column::TownId.is_in(towns));
    if let Some(m) = &q.month {
        let month: Month = crate::routes::common::month_param(m)?;
        let (from, to) = month.bounds();
        query = query
            .filter(unannounced_visit::Column::VisitedAt.gte(from))
            .filter(unannounced_visit::Column::VisitedAt.lt(to));
    }
    if let Some(v) = q.village_id {
        query = query.filter(unannounced_visit::Column::VillageId.eq(v));
    }
    use sea_orm::QueryOrder;
    let (rows, total) = crate::store::paged(
        &state.db,
        query.order_by_desc(unannounced_visit::Column::VisitedAt).order_by_asc(unannounced_visit::Column::Id),
        page.page(),
        page.per_page(),
    )
    .await?;
    let mut items = vec![];
    for r in rows {
        items.push(visit_view(&state, r).await?);
    }
    Ok(web::Json(Page::new(items, total, &page)))
}

/// One unannounced visit.
#[utoipa::path(tag = "inspections", operation_id = "get_unannounced_visit", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = UnannouncedVisit), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem)))]
#[get("/unannounced-visits/{id}")]
pub async fn get_unannounced_visit(
    state: State,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<UnannouncedVisit>> {
    user.require(Act::ReadInspections)?;
    let towns: Vec<Uuid> = user.access.towns_for(Act::ReadInspections).into_iter().collect();
    let v = unannounced_visit::Entity::find_by_id(*id)
        .filter(unannounced_visit::Column::TownId.is_in(towns))
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(visit_view(&state, v).await?))
}

// Admonishment talks ---------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// `YYYY-MM`.
    pub month: String,
    pub town_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdmonishmentProposal {
    pub village_id: Uuid,
    pub village_name: String,
    pub problems: u32,
    pub problems_per_100: f64,
    pub overdue_share: Option<f64>,
    pub median_days_to_close: Option<f64>,
    pub reason: String,
    /// A talk was recorded for this village and month.
    pub acted_on: bool,
    pub admonishment_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdmonishmentProposals {
    pub month: String,
    /// The rule and its thresholds, in words.
    pub rule: String,
    pub proposals: Vec<AdmonishmentProposal>,
    /// Every village's figures against the rule, proposed or not, most problems per 100 households
    /// first: a village coming close shows before it is proposed.
    pub villages: Vec<VillageStanding>,
}

/// A village's figures against the admonishment rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct VillageStanding {
    pub village_id: Uuid,
    pub village_name: String,
    pub problems: u32,
    pub problems_per_100: f64,
    pub overdue_share: Option<f64>,
    pub median_days_to_close: Option<f64>,
    /// Meets the "problems prominent" test.
    pub prominent: bool,
    /// Meets the "rectification slow" test.
    pub slow: bool,
    /// Both: proposed.
    pub proposed: bool,
}

fn towns_of(user: &AuthUser, act: Act, requested: Option<Uuid>) -> ApiResult<Uuid> {
    user.town_for(act, requested)
}

/// The villages the rule proposes for an admonishment talk this month, and which were acted on.
#[utoipa::path(tag = "inspections", operation_id = "list_admonishment_proposals", security(("bearer" = [])), params(PeriodQuery),
    responses((status = 200, body = AdmonishmentProposals), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/admonishments/proposals")]
pub async fn list_admonishment_proposals(
    state: State,
    user: AuthUser,
    q: web::Query<PeriodQuery>,
) -> ApiResult<web::Json<AdmonishmentProposals>> {
    let town = towns_of(&user, Act::ReadInspections, q.town_id)?;
    let month: Month = crate::routes::common::month_param(&q.month)?;
    let rule = state.settings.admonishment;
    let (from, to) = month.bounds();
    let period_end = month.last_day();
    let villages = org::villages(&state.db, &[town]).await?;
    let all = problem::Entity::find().filter(problem::Column::TownId.eq(town)).all(&state.db).await?;
    let targets = coverage::target_households(&state.db, &domain::Access::town_wide(town), None).await?;
    let mut records = vec![];
    for v in &villages {
        let mine: Vec<&problem::Model> = all.iter().filter(|p| p.village_id == v.id).collect();
        let found: Vec<&&problem::Model> = mine.iter().filter(|p| p.found_at >= from && p.found_at < to).collect();
        let active: Vec<&&problem::Model> = mine
            .iter()
            .filter(|p| p.found_at < to && p.closed_at.is_none_or(|c| c >= to) && p.status != "decided")
            .collect();
        let overdue = active
            .iter()
            .filter(|p| {
                let state = ProblemState::parse(&p.status).unwrap_or(ProblemState::Open);
                domain::problem::is_overdue(state, p.deadline, p.claimed_on, period_end)
            })
            .count();
        let days: Vec<i64> = mine
            .iter()
            .filter_map(|p| p.closed_at.filter(|c| *c >= from && *c < to).map(|c| (c - p.found_at).num_days()))
            .collect();
        records.push(VillageRecord {
            village: v.id,
            target_households: u32::try_from(targets.iter().filter(|t| t.village == v.id && t.is_target()).count())
                .unwrap_or(0),
            problems: u32::try_from(found.len()).unwrap_or(0),
            active: u32::try_from(active.len()).unwrap_or(0),
            overdue: u32::try_from(overdue).unwrap_or(0),
            days_to_close: days,
        });
    }
    let talks = admonishment::Entity::find()
        .filter(admonishment::Column::TownId.eq(town))
        .filter(admonishment::Column::Period.eq(month.to_string()))
        .all(&state.db)
        .await?;
    let name_of = |id: Uuid| villages.iter().find(|v| v.id == id).map(|v| v.name.clone()).unwrap_or_default();
    let mut standings: Vec<VillageStanding> = records
        .iter()
        .map(|r| {
            let s = leadership::standing(&rule, r);
            VillageStanding {
                village_id: s.village,
                village_name: name_of(s.village),
                problems: s.problems,
                problems_per_100: s.problems_per_100,
                overdue_share: s.overdue_share,
                median_days_to_close: s.median_days_to_close,
                prominent: s.prominent,
                slow: s.slow,
                proposed: s.proposed,
            }
        })
        .collect();
    standings.sort_by(|a, b| b.problems_per_100.total_cmp(&a.problems_per_100).then(a.village_id.cmp(&b.village_id)));
    let proposals = leadership::propose(&rule, &records)
        .into_iter()
        .map(|p| {
            let talk = talks.iter().find(|t| t.village_id == p.village);
            AdmonishmentProposal {
                village_id: p.village,
                village_name: villages.iter().find(|v| v.id == p.village).map(|v| v.name.clone()).unwrap_or_default(),
                problems: p.problems,
                problems_per_100: p.problems_per_100,
                overdue_share: p.overdue_share,
                median_days_to_close: p.median_days_to_close,
                reason: p.reason,
                acted_on: talk.is_some(),
                admonishment_id: talk.map(|t| t.id),
            }
        })
        .collect();
    Ok(web::Json(AdmonishmentProposals {
        month: month.to_string(),
        rule: format!(
            "问题突出：当月发现问题不少于{}个且每百户不少于{}个；整改迟缓：月末整改中问题逾期占比不低于{:.0}%，或当月销号问题整改用时中位数不少于{}天。两者同时满足的村列入约谈建议。",
            rule.min_problems,
            rule.min_problems_per_100,
            rule.min_overdue_share * 100.0,
            rule.min_median_days_to_close
        ),
        proposals,
        villages: standings,
    }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateAdmonishment {
    pub village_id: Uuid,
    /// The month it answers for, `YYYY-MM`.
    pub month: String,
    pub held_at: DateTime<Utc>,
    /// Who attended (the village secretary, the work team leader…).
    #[validate(length(min = 1, max = 20, message = "请填写参加人员"))]
    #[schema(min_items = 1, max_items = 20)]
    pub attendees: Vec<String>,
    #[validate(length(min = 1, max = 5000, message = "请填写约谈要点"))]
    #[schema(min_length = 1, max_length = 5000)]
    pub points: String,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    #[serde(default)]
    pub follow_up: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Admonishment {
    pub id: Uuid,
    pub village_id: Uuid,
    pub month: String,
    pub held_at: DateTime<Utc>,
    pub leader_id: Uuid,
    pub attendees: Vec<String>,
    pub points: String,
    pub follow_up: String,
}

impl From<admonishment::Model> for Admonishment {
    fn from(a: admonishment::Model) -> Self {
        Self {
            id: a.id,
            village_id: a.village_id,
            month: a.period,
            held_at: a.held_at,
            leader_id: a.leader_id,
            attendees: serde_json::from_str(&a.attendees).unwrap_or_default(),
            points: a.points,
            follow_up: a.follow_up,
        }
    }
}

/// The main leader records an admonishment talk.
#[utoipa::path(tag = "inspections", operation_id = "create_admonishment", security(("bearer" = [])), request_body = CreateAdmonishment,
    responses((status = 201, body = Admonishment), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem), (status = 422, response = Problem)))]
#[post("/admonishments")]
pub async fn create_admonishment(
    state: State,
    user: AuthUser,
    body: Json<CreateAdmonishment>,
) -> ApiResult<HttpResponse> {
    user.require(Act::Admonish)?;
    validate(&*body)?;
    let towns = user.access.towns_for(Act::Admonish);
    let village = org::village(&state.db, body.village_id)
        .await?
        .filter(|v| towns.contains(&v.town_id))
        .ok_or_else(ApiError::not_found)?;
    let month: Month = crate::routes::common::month_param(&body.month)?;
    let now = state.clock.now();
    let a = admonishment::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(village.town_id),
        village_id: Set(village.id),
        period: Set(month.to_string()),
        held_at: Set(body.held_at),
        leader_id: Set(user.id),
        attendees: Set(serde_json::to_string(&body.attendees).unwrap_or_else(|_| "[]".into())),
        points: Set(body.points.trim().to_owned()),
        follow_up: Set(body.follow_up.trim().to_owned()),
        created_at: Set(now),
    }
    .insert(&state.db)
    .await?;
    audit::record(
        &state.db,
        Some(&user),
        audit::Event {
            town_id: Some(village.town_id),
            action: "admonishment.create",
            object_type: "admonishment",
            object_id: Some(a.id),
            detail: json!({ "village_id": village.id, "month": a.period }),
        },
        now,
    )
    .await?;
    Ok(HttpResponse::Created().json(Admonishment::from(a)))
}

/// Admonishment talks recorded in a month.
#[utoipa::path(tag = "inspections", operation_id = "list_admonishments", security(("bearer" = [])), params(PeriodQuery),
    responses((status = 200, body = Vec<Admonishment>), (status = 401, response = Problem), (status = 403, response = Problem)))]
#[get("/admonishments")]
pub async fn list_admonishments(
    state: State,
    user: AuthUser,
    q: web::Query<PeriodQuery>,
) -> ApiResult<web::Json<Vec<Admonishment>>> {
    let town = towns_of(&user, Act::ReadInspections, q.town_id)?;
    let month = crate::routes::common::month_param(&q.month)?;
    let rows = admonishment::Entity::find()
        .filter(admonishment::Column::TownId.eq(town))
        .filter(admonishment::Column::Period.eq(month.to_string()))
        .all(&state.db)
        .await?;
    Ok(web::Json(rows.into_iter().map(Admonishment::from).collect()))
}
