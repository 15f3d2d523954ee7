//! Assessments (SPEC §10) and the dashboard (SPEC §12).
//!
//! Every figure comes with the ids of the records it counts, or the API path that lists them, so
//! it can be explained to the cadre or the village it rates.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use domain::assessment::{GoodBar, ScorePart, VillageFigures, good_bars, month_visited, village_score};
use domain::calendar::{LiveFrom, local_date, mechanism_start};
use domain::lists::{ListKind, Period, Timeliness, timeliness};
use domain::meetings::{Review, archive_standing};
use domain::org::{Act, Role};
use domain::visit::{Outcome as VisitOutcome, Review as VisitReview, counts_as_visited};
use domain::{Month, Quarter};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::routes::common::Problem;
use crate::state::State;
use crate::store::entity::{archive_submission, call_attempt, call_case, interview, interview_result, problem, visit};
use crate::store::{lists, org, problems, users, visits};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_cadre_assessments)
        .service(list_village_assessments)
        .service(get_dashboard)
        .service(get_mobile_dashboard);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM`.
    pub month: String,
    pub town_id: Option<Uuid>,
}

/// A visit that counts (SPEC §4), with who made it.
struct CountedVisit {
    id: Uuid,
    at: DateTime<Utc>,
    visitors: Vec<Uuid>,
}

/// Counted visits in [from, to) of a town.
async fn counted_visits(
    state: &State,
    town: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ApiResult<Vec<CountedVisit>> {
    let rows = visit::Entity::find()
        .filter(visit::Column::TownId.eq(town))
        .filter(visit::Column::VisitedAt.gte(from))
        .filter(visit::Column::VisitedAt.lt(to))
        .all(&state.db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|v| v.id).collect();
    let mut visitors = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        visitors.extend(visits::visitors_of(&state.db, chunk).await?);
    }
    Ok(rows
        .into_iter()
        .filter(|v| {
            counts_as_visited(
                VisitOutcome::from_stored(&v.outcome),
                VisitReview::parse(&v.review).unwrap_or(VisitReview::Pending),
            )
        })
        .map(|v| CountedVisit { id: v.id, at: v.visited_at, visitors: visitors.remove(&v.id).unwrap_or_default() })
        .collect())
}

// Cadres ---------------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthVisited {
    pub month: String,
    /// `true` visited, `false` over without a visit, absent while the month is not over.
    pub visited: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CadreSheet {
    pub user_id: Uuid,
    pub name: String,
    pub month: String,
    /// Household visits this month that count (ids below).
    pub visits: usize,
    pub visit_ids: Vec<Uuid>,
    /// The target households the cadre answers for (linked, or in their groups) and of them those
    /// visited in this quarter's window: the same rule and figures as `GET /coverage` by cadre.
    pub households_target: usize,
    pub households_covered: usize,
    pub covered_household_ids: Vec<Uuid>,
    pub unvisited_household_ids: Vec<Uuid>,
    /// Problems the cadre found this month, and of them closed.
    pub problems_found: usize,
    pub problems_closed: usize,
    pub problem_ids: Vec<Uuid>,
    /// Phone spot-check calls made this month.
    pub calls: u64,
    /// Whether the month may be rated "good" (好).
    pub good_allowed: bool,
    /// `allowed`, `no_visit_this_month`, `two_months_without_visits_in_quarter`.
    pub good_bar: String,
    /// Why not, in Chinese.
    pub reason: Option<String>,
    pub quarter_months: Vec<MonthVisited>,
}

/// The monthly assessment sheet of each cadre responsible for groups (驻村包社干部): visits,
/// households covered, problems found and closed, calls, and the "good" bar with its reason (SPEC §10:
/// no visit in the month bars it; two months of the quarter without visits bar every month of it).
/// A cadre sees their own sheet; the RRO and the leaders every cadre's.
#[utoipa::path(tag = "assessments", operation_id = "list_cadre_assessments", security(("bearer" = [])), params(MonthQuery),
    responses((status = 200, body = Vec<CadreSheet>), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/assessments/cadres")]
pub async fn list_cadre_assessments(
    state: State,
    user: AuthUser,
    q: web::Query<MonthQuery>,
) -> ApiResult<web::Json<Vec<CadreSheet>>> {
    let month = crate::routes::common::month_param(&q.month)?;
    let (town, only) = match user.town_for(Act::ReadTownFigures, q.town_id) {
        Ok(t) => (t, None),
        Err(_) if user.access.may(Act::ReadOwnAssessment) => {
            let me = users::by_id(&state.db, user.id).await?.and_then(|u| u.town_id).ok_or_else(ApiError::not_found)?;
            (me, Some(user.id))
        }
        Err(e) => return Err(e),
    };
    let now = state.clock.now();
    let today = local_date(now);
    let quarter = month.quarter();
    let (q_from, q_to) = quarter.bounds();
    let (m_from, m_to) = month.bounds();
    let villages: Vec<Uuid> = org::villages(&state.db, &[town]).await?.into_iter().map(|v| v.id).collect();
    let teams: Vec<Uuid> = org::work_teams(&state.db, &[town]).await?.into_iter().map(|t| t.id).collect();
    let scopes: Vec<Uuid> = villages.iter().chain(teams.iter()).copied().collect();
    let cadres: BTreeSet<Uuid> = users::with_role(&state.db, Role::Cadre, &scopes)
        .await?
        .into_iter()
        .map(|(u, _)| u)
        .filter(|u| only.is_none_or(|o| o == *u))
        .collect();
    let visits = counted_visits(&state, town, q_from, q_to).await?;
    let inputs = state.coverage_inputs.inputs(&state.reports, &domain::Access::town_wide(town), None, quarter).await?;
    let found = problem::Entity::find()
        .filter(problem::Column::TownId.eq(town))
        .filter(problem::Column::FoundAt.gte(m_from))
        .filter(problem::Column::FoundAt.lt(m_to))
        .all(&state.db)
        .await?;
    let cadre_ids: Vec<Uuid> = cadres.iter().copied().collect();
    let names = users::names(&state.db, &cadre_ids).await?;
    let calls_made: Vec<Uuid> = call_attempt::Entity::find()
        .filter(call_attempt::Column::CallerId.is_in(cadre_ids.clone()))
        .filter(call_attempt::Column::CalledAt.gte(m_from))
        .filter(call_attempt::Column::CalledAt.lt(m_to))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|a| a.caller_id)
        .collect();
    let live = org::live_from(&state.db, town).await?;
    let mut out = vec![];
    for c in cadres {
        let name = names.get(&c).cloned().unwrap_or_default();
        let mine: Vec<&CountedVisit> = visits.iter().filter(|v| v.visitors.contains(&c)).collect();
        let months = quarter.months();
        let visited: Vec<Option<bool>> =
            months.iter().map(|m| month_visited(*m, mine.iter().any(|v| m.contains(v.at)), today, live)).collect();
        let bars = good_bars([visited[0], visited[1], visited[2]]);
        let idx = usize::try_from(month.position_in_quarter()).unwrap_or(1).saturating_sub(1).min(2);
        let bar = bars[idx];
        let this_month: Vec<Uuid> = mine.iter().filter(|v| month.contains(v.at)).map(|v| v.id).collect();
        let problems: Vec<&problem::Model> = found.iter().filter(|p| p.found_by == c).collect();
        let calls = calls_made.iter().filter(|x| **x == c).count() as u64;
        let covered = domain::coverage::of_cadre(c, inputs.households(), &inputs.coverage);
        let unvisited: Vec<Uuid> = covered.targets.iter().filter(|h| !covered.visited.contains(h)).copied().collect();
        out.push(CadreSheet {
            user_id: c,
            name,
            month: month.to_string(),
            visits: this_month.len(),
            visit_ids: this_month,
            households_target: covered.targets.len(),
            households_covered: covered.visited.len(),
            covered_household_ids: covered.visited,
            unvisited_household_ids: unvisited,
            problems_found: problems.len(),
            problems_closed: problems
                .iter()
                .filter(|p| domain::problem::State::parse(&p.status).is_some_and(domain::problem::State::is_rectified))
                .count(),
            problem_ids: problems.iter().map(|p| p.id).collect(),
            calls,
            good_allowed: bar == GoodBar::Allowed,
            good_bar: serde_json::to_value(bar).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            reason: bar.reason_zh().map(str::to_owned),
            quarter_months: months
                .iter()
                .zip(visited)
                .map(|(m, v)| MonthVisited { month: m.to_string(), visited: v })
                .collect(),
        });
    }
    Ok(web::Json(out))
}

// Villages -------------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct VillageSheet {
    pub village_id: Uuid,
    pub name: String,
    pub month: String,
    /// Out of 100, by `method`; absent when nothing could be measured.
    pub score: Option<f64>,
    #[schema(value_type = Vec<Object>)]
    pub parts: Vec<ScorePart>,
    pub coverage_targets: u64,
    pub coverage_visited: u64,
    /// Problems being rectified at the month's end (now, for the month under way), and of them
    /// those past their deadline then; with their ids.
    pub problems_active: usize,
    pub active_problem_ids: Vec<Uuid>,
    pub problems_overdue: usize,
    pub overdue_problem_ids: Vec<Uuid>,
    /// The month's routine feedback list: `on_time`, `late`, `pending`, `missing`, or `not_owed`
    /// (due before the town went live).
    pub list_timeliness: String,
    pub satisfied: usize,
    pub unsatisfied: usize,
    pub interviewees: usize,
    pub interviewees_named: usize,
    pub method: String,
    /// Where each figure's records are listed.
    pub links: BTreeMap<String, String>,
}

const METHOD: &str = "满分100分：本季度入户覆盖率30分、问题整改（1−逾期占比）20分、问题反馈清单报送及时性15分（按时1、逾期0.5、未报0）、\
电话抽查满意率20分、访谈未被点名人员占比15分；无可计量的项目不计入，其余按比例折算为100分。";

/// Each village's sheet for the month: the mechanism's figures, the score and how it is computed,
/// and links to the records counted. The town's office sees every village; a village's secretary,
/// work team leader and information officer see their own.
#[utoipa::path(tag = "assessments", operation_id = "list_village_assessments", security(("bearer" = [])), params(MonthQuery),
    responses((status = 200, body = Vec<VillageSheet>), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/assessments/villages")]
pub async fn list_village_assessments(
    state: State,
    user: AuthUser,
    q: web::Query<MonthQuery>,
) -> ApiResult<web::Json<Vec<VillageSheet>>> {
    // The town's office sees every village; a village's own people see their village.
    let (town, only) = match user.town_for(Act::ReadTownFigures, q.town_id) {
        Ok(t) => (t, None),
        Err(_) if user.access.may(Act::ReadOwnVillageSheet) => {
            let reach = user.access.reach(Act::ReadOwnVillageSheet);
            let town = user.any_town(q.town_id)?;
            (town, Some(reach.villages))
        }
        Err(e) => return Err(e),
    };
    let month = crate::routes::common::month_param(&q.month)?;
    let now = state.clock.now();
    let quarter = month.quarter();
    let (_, m_to) = month.bounds();
    let as_of = month.last_day().min(local_date(now));
    let access = domain::Access::town_wide(town);
    let inputs = state.coverage_inputs.inputs(&state.reports, &access, None, quarter).await?;
    let cov = &inputs.coverage;
    let live = org::live_from(&state.db, town).await?;
    let all = problem::Entity::find().filter(problem::Column::TownId.eq(town)).all(&state.db).await?;
    let submitted: BTreeMap<Uuid, Option<DateTime<Utc>>> =
        lists::of_towns(&state.db, &[town], ListKind::Routine, &month.to_string())
            .await?
            .into_iter()
            .map(|l| (l.village_id, l.submitted_at))
            .collect();
    let cases = call_case::Entity::find().filter(call_case::Column::TownId.eq(town)).all(&state.db).await?;
    let list_ids: Vec<Uuid> = crate::store::phone_checks::lists_of_towns(&state.db, &[town], &month.to_string())
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let interviews = interview::Entity::find()
        .filter(interview::Column::TownId.eq(town))
        .filter(interview::Column::Month.eq(month.to_string()))
        .all(&state.db)
        .await?;
    let mut out = vec![];
    for v in org::villages(&state.db, &[town]).await? {
        if only.as_ref().is_some_and(|o| !o.contains(&v.id)) {
            continue;
        }
        let tally = cov.by_village.get(&v.id).copied().unwrap_or_default();
        // Each problem as it stood at the month's end (or now, for the month under way): a past
        // month's sheet does not change when later work closes its problems.
        let active: Vec<(&problem::Model, domain::problem::State)> = all
            .iter()
            .filter(|p| p.village_id == v.id && p.found_at < m_to)
            .filter_map(|p| {
                let now_state = domain::problem::State::parse(&p.status)?;
                let milestones = domain::problem::Milestones {
                    claimed_at: p.claimed_at,
                    closed_at: p.closed_at,
                    decided_at: p.decided_at,
                };
                let then = if m_to > now { now_state } else { domain::problem::state_at(now_state, milestones, m_to) };
                then.is_active().then_some((p, then))
            })
            .collect();
        let overdue: Vec<Uuid> = active
            .iter()
            .filter(|(p, then)| domain::problem::is_overdue(*then, p.deadline, p.claimed_on, as_of))
            .map(|(p, _)| p.id)
            .collect();
        let list = timeliness(Period::Month(month).due_on(), submitted.get(&v.id).copied().flatten(), now, live);
        let mine: Vec<&call_case::Model> =
            cases.iter().filter(|c| c.village_id == v.id && list_ids.contains(&c.list_id)).collect();
        let satisfied = mine.iter().filter(|c| c.satisfied == Some(true)).count();
        let unsatisfied = mine.iter().filter(|c| c.satisfied == Some(false)).count();
        let iv: Vec<Uuid> = interviews.iter().filter(|i| i.village_id == v.id).map(|i| i.id).collect();
        let people = interview_result::Entity::find()
            .filter(interview_result::Column::InterviewId.is_in(iv))
            .all(&state.db)
            .await?;
        let named = people.iter().filter(|p| p.named).count();
        let figures = VillageFigures {
            // Not owed for a quarter whose visiting window was under way when the town went live.
            coverage: (tally.targets > 0 && live.owes_coverage(quarter))
                .then(|| tally.visited as f64 / tally.targets as f64),
            rectification: (!active.is_empty()).then(|| 1.0 - overdue.len() as f64 / active.len() as f64),
            list_timeliness: domain::assessment::list_part(list),
            satisfaction: (satisfied + unsatisfied > 0).then(|| satisfied as f64 / (satisfied + unsatisfied) as f64),
            interviews: (!people.is_empty()).then(|| 1.0 - named as f64 / people.len() as f64),
        };
        let (score, parts) = village_score(&figures);
        let links = BTreeMap::from([
            (
                "coverage".to_owned(),
                format!("/api/v1/coverage?quarter={quarter}&village_id={}&include_unvisited=true", v.id),
            ),
            ("rectification".to_owned(), format!("/api/v1/problems?village_id={}&active=true", v.id)),
            ("list_timeliness".to_owned(), format!("/api/v1/villages/{}/feedback-lists/routine/{month}", v.id)),
            ("satisfaction".to_owned(), format!("/api/v1/phone-checks/figures?month={month}")),
            ("interviews".to_owned(), format!("/api/v1/interviews?month={month}")),
        ]);
        out.push(VillageSheet {
            village_id: v.id,
            name: v.name,
            month: month.to_string(),
            score,
            parts,
            coverage_targets: tally.targets,
            coverage_visited: tally.visited,
            problems_active: active.len(),
            active_problem_ids: active.iter().map(|(p, _)| p.id).collect(),
            problems_overdue: overdue.len(),
            overdue_problem_ids: overdue,
            list_timeliness: list.as_str().into(),
            satisfied,
            unsatisfied,
            interviewees: people.len(),
            interviewees_named: named,
            method: METHOD.into(),
            links,
        });
    }
    Ok(web::Json(out))
}

// The dashboard --------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct VillageBehind {
    pub village_id: Uuid,
    pub name: String,
    /// `null` when the village has no target household.
    pub coverage_percent: Option<f64>,
    pub overdue: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    pub quarter: String,
    pub month: String,
    pub coverage_targets: u64,
    pub coverage_visited: u64,
    /// As `GET /coverage` computes it; `null` when there is no target household (shown "—").
    pub coverage_percent: Option<f64>,
    /// Problems being rectified (open, assigned, completion claimed).
    pub problems_open: u64,
    pub problems_overdue: u64,
    pub problems_closed_this_month: u64,
    /// The month whose lists and materials are judged: the last one whose 25th has passed.
    pub due_month: String,
    /// Villages whose monthly list for `due_month` is late or missing.
    pub lists_late: usize,
    /// Departments whose archive materials for `due_month` are late or missing (town-wide roles only).
    pub materials_late: Option<usize>,
    /// This month's phone spot-check satisfaction rate.
    pub satisfaction_rate: Option<f64>,
    /// The three villages most behind: lowest coverage, then most overdue problems.
    pub villages_behind: Vec<VillageBehind>,
}

async fn dashboard(state: &State, user: &AuthUser) -> ApiResult<Dashboard> {
    user.require(Act::ReadDashboard)?;
    let now = state.clock.now();
    let today = local_date(now);
    let quarter = Quarter::containing(now);
    let month = Month::containing(now);
    let (m_from, m_to) = month.bounds();
    let inputs = state.coverage_inputs.inputs(&state.reports, &user.access, None, quarter).await?;
    let cov = &inputs.coverage;
    let tallies = problems::tallies_by_village(&state.db, &user.access, today, (m_from, m_to)).await?;
    let sum = |f: fn(&problems::VillageTally) -> u64| tallies.values().map(f).sum::<u64>();
    let towns: Vec<Uuid> = user.access.towns().into_iter().collect();
    let reach = user.access.reach(Act::ReadHousehold);
    let villages: Vec<_> = org::villages(&state.db, &towns)
        .await?
        .into_iter()
        .filter(|v| reach.towns.contains(&v.town_id) || reach.villages.contains(&v.id))
        .collect();
    let lives = org::lives(&state.db, &towns).await?;
    // Lateness is of the last month whose 25th has passed.
    let due_month = if today > month.list_deadline() { month } else { month.prev() };
    let submitted: BTreeMap<Uuid, Option<DateTime<Utc>>> =
        lists::of_towns(&state.db, &towns, ListKind::Routine, &due_month.to_string())
            .await?
            .into_iter()
            .map(|l| (l.village_id, l.submitted_at))
            .collect();
    let lists_late = villages
        .iter()
        .filter(|v| {
            matches!(
                timeliness(
                    Period::Month(due_month).due_on(),
                    submitted.get(&v.id).copied().flatten(),
                    now,
                    lives.get(&v.town_id).copied().unwrap_or(LiveFrom(mechanism_start())),
                ),
                Timeliness::Late | Timeliness::Missing
            )
        })
        .count();
    let town_wide: Vec<Uuid> = user.access.towns_for(Act::ReadTownFigures).into_iter().collect();
    let materials_late = if town_wide.is_empty() {
        None
    } else {
        let subs = archive_submission::Entity::find()
            .filter(archive_submission::Column::TownId.is_in(town_wide.clone()))
            .filter(archive_submission::Column::Month.eq(due_month.to_string()))
            .all(&state.db)
            .await?;
        let departments = org::departments(&state.db, &town_wide).await?;
        Some(
            departments
                .iter()
                .filter(|d| d.owes_archives)
                .filter(|d| {
                    let pairs: Vec<(DateTime<Utc>, Review)> = subs
                        .iter()
                        .filter(|s| s.department_id == d.id)
                        .map(|s| (s.submitted_at, Review::Pending))
                        .collect();
                    matches!(
                        archive_standing(
                            due_month,
                            &pairs,
                            now,
                            lives.get(&d.town_id).copied().unwrap_or(LiveFrom(mechanism_start())),
                        )
                        .timeliness,
                        Timeliness::Late | Timeliness::Missing
                    )
                })
                .count(),
        )
    };
    let village_ids: Vec<Uuid> = villages.iter().map(|v| v.id).collect();
    let list_ids: Vec<Uuid> = crate::store::phone_checks::lists_of_towns(&state.db, &towns, &month.to_string())
        .await?
        .into_iter()
        .filter(|l| village_ids.contains(&l.village_id))
        .map(|l| l.id)
        .collect();
    let cases = crate::store::phone_checks::cases_of(&state.db, &list_ids).await?;
    let sat = cases.iter().filter(|c| c.satisfied == Some(true)).count();
    let unsat = cases.iter().filter(|c| c.satisfied == Some(false)).count();
    let mut behind: Vec<VillageBehind> = villages
        .iter()
        .filter_map(|v| {
            let t = cov.by_village.get(&v.id)?;
            Some(VillageBehind {
                village_id: v.id,
                name: v.name.clone(),
                coverage_percent: t.percent(),
                overdue: tallies.get(&v.id).map_or(0, |t| usize::try_from(t.overdue).unwrap_or(usize::MAX)),
            })
        })
        .collect();
    // Least covered first; a village with nothing to cover is never "behind" on coverage.
    behind.sort_by(|a, b| {
        let key = |p: Option<f64>| p.unwrap_or(f64::INFINITY);
        key(a.coverage_percent).total_cmp(&key(b.coverage_percent)).then(b.overdue.cmp(&a.overdue))
    });
    behind.truncate(3);
    Ok(Dashboard {
        quarter: quarter.to_string(),
        month: month.to_string(),
        coverage_targets: cov.total.targets,
        coverage_visited: cov.total.visited,
        coverage_percent: cov.total.percent(),
        problems_open: sum(|t| t.active),
        problems_overdue: sum(|t| t.overdue),
        problems_closed_this_month: sum(|t| t.closed),
        due_month: due_month.to_string(),
        lists_late,
        materials_late,
        satisfaction_rate: (sat + unsat > 0).then(|| sat as f64 / (sat + unsat) as f64),
        villages_behind: behind,
    })
}

/// The office console's dashboard, for the caller's scope.
#[utoipa::path(tag = "assessments", operation_id = "get_dashboard", security(("bearer" = [])),
    responses((status = 200, body = Dashboard), (status = 401, response = Problem), (status = 403, response = Problem)))]
#[get("/dashboard")]
pub async fn get_dashboard(state: State, user: AuthUser) -> ApiResult<web::Json<Dashboard>> {
    Ok(web::Json(dashboard(&state, &user).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MobileDashboard {
    /// `null` when there is no target household (shown "—").
    pub coverage_percent: Option<f64>,
    pub problems_open: u64,
    pub problems_overdue: u64,
    pub problems_closed_this_month: u64,
    pub lists_late: usize,
    pub materials_late: Option<usize>,
    pub satisfaction_rate: Option<f64>,
    /// Names of the villages most behind.
    pub villages_behind: Vec<String>,
}

/// The leader's phone: the same figures, compact.
#[utoipa::path(tag = "assessments", operation_id = "get_mobile_dashboard", security(("bearer" = [])),
    responses((status = 200, body = MobileDashboard), (status = 401, response = Problem), (status = 403, response = Problem)))]
#[get("/dashboard/mobile")]
pub async fn get_mobile_dashboard(state: State, user: AuthUser) -> ApiResult<web::Json<MobileDashboard>> {
    let d = dashboard(&state, &user).await?;
    Ok(web::Json(MobileDashboard {
        coverage_percent: d.coverage_percent,
        problems_open: d.problems_open,
        problems_overdue: d.problems_overdue,
        problems_closed_this_month: d.problems_closed_this_month,
        lists_late: d.lists_late,
        materials_late: d.materials_late,
        satisfaction_rate: d.satisfaction_rate,
        villages_behind: d.villages_behind.into_iter().map(|v| v.name).collect(),
    }))
}
