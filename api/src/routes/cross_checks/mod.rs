//! The town cross spot-check (SPEC §4): the RRO opens a round for a quarter; the system draws a
//! stratified, reproducible sample and assigns it so nobody checks their own village.

use crate::routes::common::Json;
use std::collections::{BTreeSet, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use domain::Quarter;
use domain::calendar::local_date;
use domain::cross_check::{AssignError, Checker, RoundStatus, SampleError, SampleSize, assign, draw};
use domain::org::Act;
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
use crate::state::State;
use crate::store::entity::{cross_check_round, household};
use crate::store::{audit, cross_checks, households, org, users};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_cross_check_round)
        .service(list_cross_check_rounds)
        .service(get_cross_check_round)
        .service(cancel_cross_check_round);
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct CreateRound {
    pub town_id: Option<Uuid>,
    /// `YYYY-Qn`.
    pub quarter: String,
    /// Share of the town's target households to check, (0, 1]. Give `rate` or `count`.
    #[validate(range(min = 0.0001, max = 1.0, message = "抽查比例应在0至1之间"))]
    #[schema(minimum = 0.0001, maximum = 1.0)]
    pub rate: Option<f64>,
    #[validate(range(min = 1, max = 100000, message = "抽查户数应为正整数"))]
    #[schema(minimum = 1, maximum = 100000)]
    pub count: Option<u32>,
    /// Decimal seed of the draw; a new random one when absent. The same seed draws the same sample.
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20)]
    pub seed: Option<String>,
    /// Who checks.
    #[validate(length(min = 1, max = 200, message = "请选择至少一名抽查人员"))]
    #[schema(min_items = 1, max_items = 200)]
    pub checker_ids: Vec<Uuid>,
    /// Draw and assign, but store nothing (a preview).
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Assignment {
    pub household_id: Uuid,
    pub village_id: Uuid,
    pub checker_id: Uuid,
    /// The cross-check visit that settled it, once made.
    pub visit_id: Option<Uuid>,
    /// Where to go and whom to see (absent on a preview).
    pub head_name: Option<String>,
    pub village_name: Option<String>,
    pub group_name: Option<String>,
    pub address: Option<String>,
    /// The household's recorded position, as stored (`datum` says GCJ-02 or WGS-84).
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub datum: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Round {
    /// Absent on a preview.
    pub id: Option<Uuid>,
    pub quarter: String,
    /// The seed, as a decimal string (it does not fit a JavaScript number).
    pub seed: String,
    pub size: String,
    /// Due by the end of the 20th of the quarter's third month.
    pub due_on: NaiveDate,
    pub overdue: bool,
    pub total: usize,
    pub done: usize,
    /// `active`, `completed` (every sample household checked), `cancelled` (kept as history;
    /// the quarter may be drawn again), or `preview` (a `dry_run`, nothing stored).
    pub status: String,
    pub cancelled_at: Option<chrono::DateTime<chrono::Utc>>,
    pub cancel_reason: Option<String>,
    pub assignments: Vec<Assignment>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CancelRound {
    /// Why the round is cancelled (a wrong rate, a checker away…), kept with it.
    #[validate(length(min = 2, max = 500, message = "撤销原因应为2至500字"))]
    #[schema(min_length = 2, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoundQuery {
    pub quarter: Option<String>,
}

fn quarter_of(s: &str) -> ApiResult<Quarter> {
    s.parse().map_err(|_| ApiError::field("quarter", "invalid", "季度格式应为 2026-Q4"))
}

/// Opens the quarter's cross spot-check: draws the sample and assigns the checkers.
#[utoipa::path(tag = "cross_checks", operation_id = "create_cross_check_round", security(("bearer" = [])), request_body = CreateRound,
    responses((status = 201, body = Round), (status = 200, body = Round, description = "A preview (`dry_run`)"),
        (status = 401, response = Problem), (status = 403, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/cross-check-rounds")]
pub async fn create_cross_check_round(
    state: State,
    user: AuthUser,
    body: Json<CreateRound>,
) -> ApiResult<HttpResponse> {
    let town = user.town_for(Act::ManageCrossCheck, body.town_id)?;
    validate(&*body)?;
    let quarter = quarter_of(&body.quarter)?;
    let size = match (body.rate, body.count) {
        (Some(r), None) => SampleSize::Rate(r),
        (None, Some(c)) => SampleSize::Count(c as usize),
        _ => return Err(ApiError::field("rate", "one_of", "请填写抽查比例或抽查户数（二选一）")),
    };
    let seed: u64 = match &body.seed {
        Some(s) => s.trim().parse().map_err(|_| ApiError::field("seed", "invalid", "随机种子应为非负整数"))?,
        None => rand::random(),
    };
    let mut errors = Vec::new();
    let mut checkers = Vec::new();
    let own = cross_checks::own_villages(&state.db, &body.checker_ids).await?;
    for (i, id) in body.checker_ids.iter().enumerate() {
        match users::by_id(&state.db, *id).await? {
            Some(u) if u.active && u.town_id == Some(town) => {
                checkers.push(Checker { id: u.id, own_villages: own.get(&u.id).cloned().unwrap_or_default() })
            }
            _ => errors.push(FieldError::new(format!("checker_ids[{i}]"), "not_found", "抽查人员不存在或不属于本镇")),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let candidates = cross_checks::candidates(&state.db, town).await?;
    let sample = draw(&candidates, size, seed).map_err(|e| match e {
        SampleError::BadRate => ApiError::field("rate", "range", "抽查比例应在0至1之间"),
        SampleError::Empty => {
            ApiError::unprocessable("nothing_to_sample", "本镇没有可抽查的农户", "the town has no target household")
        }
    })?;
    let with_village: Vec<(Uuid, Uuid)> =
        sample.iter().filter_map(|h| candidates.iter().find(|c| &c.id == h).map(|c| (c.id, c.village))).collect();
    let assigned = assign(&with_village, &checkers).map_err(|AssignError { households }| ApiError::Rejected {
        code: "cross_check_unassignable",
        message: format!("有{}户农户找不到非本村的抽查人员，请增加其他村的抽查人员", households.len()),
        errors: households
            .iter()
            .map(|h| FieldError::new(format!("households.{h}"), "no_checker", "没有可交叉抽查该户的人员"))
            .collect(),
    })?;
    let village_of = |h: &Uuid| with_village.iter().find(|(x, _)| x == h).map(|(_, v)| *v).unwrap_or_default();
    let rows: Vec<(Uuid, Uuid, Uuid)> = assigned.iter().map(|(h, c)| (*h, village_of(h), *c)).collect();
    let size_text = match size {
        SampleSize::Rate(r) => format!("rate:{r}"),
        SampleSize::Count(c) => format!("count:{c}"),
    };
    let now = state.clock.now();
    let due_on = quarter.cross_check_deadline();
    if body.dry_run {
        // The preview names whom each checker would go to, as the round will.
        let drawn: Vec<Drawn> =
            rows.iter().map(|(h, v, c)| Drawn { household: *h, village: *v, checker: *c, visit: None }).collect();
        let assignments = assignment_views(&state, town, &drawn).await?;
        return Ok(HttpResponse::Ok().json(Round {
            id: None,
            quarter: quarter.to_string(),
            seed: seed.to_string(),
            size: size_text,
            due_on,
            overdue: local_date(now) > due_on,
            total: assignments.len(),
            done: 0,
            status: "preview".into(),
            cancelled_at: None,
            cancel_reason: None,
            assignments,
        }));
    }
    if cross_checks::standing(&state.db, town, &quarter.to_string()).await?.is_some() {
        return Err(ApiError::conflict(
            "round_exists",
            "本季度的交叉抽查已经开始；如需重新抽样，请先撤销该轮",
            "a standing round for this quarter exists",
        ));
    }
    let round = cross_checks::insert(
        &state.db,
        cross_checks::NewRound {
            town,
            quarter: &quarter.to_string(),
            seed,
            size: size_text,
            created_by: user.id,
            assignments: &rows,
        },
        now,
    )
    .await?;
    audit::record(
        &state.db,
        Some(&user),
        audit::Event {
            town_id: Some(town),
            action: "cross_check.open",
            object_type: "cross_check_round",
            object_id: Some(round.id),
            detail: json!({ "quarter": round.quarter, "households": rows.len() }),
        },
        now,
    )
    .await?;
    // The checkers' sample opens their households to them from the next request.
    for checker in &body.checker_ids {
        state.user_changed(*checker);
    }
    Ok(HttpResponse::build(StatusCode::CREATED).json(round_view(&state, &user, round).await?))
}

/// Cancels a round before it starts (no sample household visited yet), with the reason; the round is
/// kept as history and the quarter may be drawn again.
#[utoipa::path(tag = "cross_checks", operation_id = "cancel_cross_check_round", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CancelRound,
    responses((status = 200, body = Round), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/cross-check-rounds/{id}/cancel")]
pub async fn cancel_cross_check_round(
    state: State,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<CancelRound>,
) -> ApiResult<web::Json<Round>> {
    validate(&*body)?;
    let r = cross_checks::find(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    if !user.access.towns_for(Act::ManageCrossCheck).contains(&r.town_id) {
        return Err(ApiError::not_found());
    }
    let visited = cross_checks::done(&state.db, r.id).await?.len();
    domain::cross_check::may_cancel(r.cancelled_at.is_some(), visited)
        .map_err(|e| ApiError::conflict(e.code(), e.message_zh(), e.code()))?;
    let now = state.clock.now();
    let checkers: BTreeSet<Uuid> =
        cross_checks::assignments(&state.db, r.id).await?.into_iter().map(|a| a.checker_id).collect();
    let txn = state.db.begin().await?;
    let (town, quarter) = (r.town_id, r.quarter.clone());
    let cancelled = cross_checks::cancel(&txn, r, user.id, body.reason.trim(), now).await?;
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(town),
            action: "cross_check.cancel",
            object_type: "cross_check_round",
            object_id: Some(cancelled.id),
            detail: json!({ "quarter": quarter, "reason": body.reason.trim() }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    for checker in checkers {
        state.user_changed(checker);
    }
    Ok(web::Json(round_view(&state, &user, cancelled).await?))
}

/// Those who read the town's figures see every round of their town and every assignment in it.
fn town_wide(user: &AuthUser, town: Uuid) -> bool {
    user.access.towns_for(Act::ReadTownFigures).contains(&town)
}

/// A sample household with its checker (and the visit that checked it).
struct Drawn {
    household: Uuid,
    village: Uuid,
    checker: Uuid,
    visit: Option<Uuid>,
}

/// The assignments as a checker needs them: whom to visit, where, and the position.
async fn assignment_views(state: &State, town: Uuid, drawn: &[Drawn]) -> ApiResult<Vec<Assignment>> {
    let ids: Vec<Uuid> = drawn.iter().map(|d| d.household).collect();
    let households: HashMap<Uuid, household::Model> =
        households::by_ids(&state.db, &ids).await?.into_iter().map(|h| (h.id, h)).collect();
    let villages: HashMap<Uuid, String> =
        org::villages(&state.db, &[town]).await?.into_iter().map(|v| (v.id, v.name)).collect();
    let village_ids: Vec<Uuid> = villages.keys().copied().collect();
    let groups: HashMap<Uuid, String> =
        org::groups(&state.db, &village_ids).await?.into_iter().map(|g| (g.id, g.name)).collect();
    Ok(drawn
        .iter()
        .map(|d| {
            let h = households.get(&d.household);
            Assignment {
                visit_id: d.visit,
                household_id: d.household,
                village_id: d.village,
                checker_id: d.checker,
                head_name: h.map(|h| h.head_name.clone()),
                village_name: villages.get(&d.village).cloned(),
                group_name: h.and_then(|h| h.group_id).and_then(|g| groups.get(&g).cloned()),
                address: h.map(|h| h.address.clone()),
                latitude: h.and_then(|h| h.latitude),
                longitude: h.and_then(|h| h.longitude),
                datum: h.and_then(|h| h.datum.clone()),
            }
        })
        .collect())
}

/// A round as the caller may see it: town roles see every assignment, a checker their own.
async fn round_view(state: &State, user: &AuthUser, r: cross_check_round::Model) -> ApiResult<Round> {
    let whole = town_wide(user, r.town_id);
    let done = cross_checks::done(&state.db, r.id).await?;
    let all = cross_checks::assignments(&state.db, r.id).await?;
    let total = all.len();
    let done_count = all.iter().filter(|a| done.contains_key(&a.household_id)).count();
    let quarter = quarter_of(&r.quarter)?;
    let due_on = quarter.cross_check_deadline();
    let now = state.clock.now();
    let mine: Vec<Drawn> = all
        .iter()
        .filter(|a| whole || a.checker_id == user.id)
        .map(|a| Drawn {
            household: a.household_id,
            village: a.village_id,
            checker: a.checker_id,
            visit: done.get(&a.household_id).copied(),
        })
        .collect();
    let assignments = assignment_views(state, r.town_id, &mine).await?;
    Ok(Round {
        id: Some(r.id),
        quarter: r.quarter,
        seed: (r.seed as u64).to_string(),
        size: r.size,
        due_on,
        overdue: done_count < total && local_date(now) > due_on,
        total,
        done: done_count,
        status: RoundStatus::of(r.cancelled_at.is_some(), done_count, total).as_str().into(),
        cancelled_at: r.cancelled_at,
        cancel_reason: r.cancel_reason,
        assignments,
    })
}

/// Rounds of the caller's towns (town roles), or those the caller checks in.
#[utoipa::path(tag = "cross_checks", operation_id = "list_cross_check_rounds", security(("bearer" = [])), params(RoundQuery),
    responses((status = 200, body = Vec<Round>), (status = 401, response = Problem), (status = 422, response = Problem)))]
#[get("/cross-check-rounds")]
pub async fn list_cross_check_rounds(
    state: State,
    user: AuthUser,
    q: web::Query<RoundQuery>,
) -> ApiResult<web::Json<Vec<Round>>> {
    if let Some(s) = &q.quarter {
        quarter_of(s)?;
    }
    let towns: Vec<Uuid> = user.access.towns().into_iter().collect();
    let mine: BTreeSet<Uuid> = cross_checks::rounds_of_checker(&state.db, user.id).await?.into_iter().collect();
    let mut out = Vec::new();
    for r in cross_checks::rounds(&state.db, &towns, q.quarter.as_deref()).await? {
        if town_wide(&user, r.town_id) || mine.contains(&r.id) {
            out.push(round_view(&state, &user, r).await?);
        }
    }
    Ok(web::Json(out))
}

/// One round with its progress.
#[utoipa::path(tag = "cross_checks", operation_id = "get_cross_check_round", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Round), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/cross-check-rounds/{id}")]
pub async fn get_cross_check_round(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<web::Json<Round>> {
    let r = cross_checks::find(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    let checks = cross_checks::rounds_of_checker(&state.db, user.id).await?.contains(&r.id);
    if !town_wide(&user, r.town_id) && !checks {
        return Err(ApiError::not_found());
    }
    Ok(web::Json(round_view(&state, &user, r).await?))
}
