//! Monthly call lists, a caller's queue, holding a case, and recording attempts with their answers.

use crate::routes::common::Json;
use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Duration, Utc};
use domain::Month;
use domain::org::{Act, Place};
use domain::phone_check::{self as pc, Attempt, CaseState, Refusal};
use domain::problem::{Source, State as ProblemState};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::{AnswerJson, AttemptView, CaseView, FlagView, OutcomeJson, QuestionJson, questions_of};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, FieldError, validate};
use crate::routes::common::{Page, PageQuery, Problem};
use crate::state::State;
use crate::store::entity::{call_case, call_flag, call_list, household};
use crate::store::{audit, coverage, households, org, phone_checks, problems, users};

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct DrawCallList {
    pub village_id: Uuid,
    /// `YYYY-MM`.
    pub month: String,
    /// A published questionnaire version.
    pub version_id: Uuid,
    /// Share of the village's target households to call, (0, 1]; all of them when absent.
    #[validate(range(min = 0.0001, max = 1.0, message = "抽样比例应在0至1之间"))]
    #[schema(minimum = 0.0001, maximum = 1.0)]
    pub sample_rate: Option<f64>,
    /// Call takers or cadres who call; cases are shared among them in turn.
    #[validate(length(min = 1, max = 50, message = "请选择1至50名拨打人员"))]
    #[schema(min_items = 1, max_items = 50)]
    pub caller_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallListView {
    pub id: Uuid,
    pub town_id: Uuid,
    pub village_id: Uuid,
    pub month: String,
    pub version_id: Uuid,
    pub sample_rate: Option<f64>,
    pub created_at: DateTime<Utc>,
    /// Households on the list.
    pub total: usize,
    /// Households without a usable phone number: reported here, never dialled.
    pub no_phone: usize,
    pub cases: Vec<CaseView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallListQuery {
    /// `YYYY-MM`.
    pub month: Option<String>,
    pub village_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallListSummary {
    pub id: Uuid,
    pub village_id: Uuid,
    pub month: String,
    pub version_id: Uuid,
    pub sample_rate: Option<f64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallQueue {
    /// Whether now is within the calling hours.
    pub callable_now: bool,
    /// Due now: agreed callbacks first, then households not yet called, then retries.
    pub items: Vec<CaseView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeldCase {
    pub case: CaseView,
    /// The full numbers, to dial (the reveal is audited).
    pub phones: Vec<String>,
    pub held_until: DateTime<Utc>,
    pub version_id: Uuid,
    pub questions: Vec<QuestionJson>,
    pub attempts: Vec<AttemptView>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RecordAttempt {
    /// Made on the phone; the same id again returns the attempt recorded the first time.
    pub client_id: Uuid,
    pub outcome: OutcomeJson,
    /// When the call was made; now when absent.
    pub called_at: Option<DateTime<Utc>>,
    /// For `callback`: when the household asked to be called back.
    pub callback_at: Option<DateTime<Utc>>,
    /// For `completed` and `partial`: answers by question id.
    pub answers: Option<BTreeMap<String, AnswerJson>>,
    #[validate(length(max = 500, message = "备注不超过500字"))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptResult {
    pub attempt: AttemptView,
    pub case: CaseView,
    /// Problems the answers raised (source `phone_check`).
    pub problem_ids: Vec<Uuid>,
    /// Answers that contradict the records, for review.
    pub flags: Vec<FlagView>,
}

/// May `u` call households of this village: a call taker of the town, or a village role of the village.
fn may_call(access: &domain::Access, town: Uuid, village: Uuid) -> bool {
    access.grants.iter().filter(|g| Act::CallHouseholds.roles().contains(&g.role)).any(|g| match &g.place {
        Place::Town { town: t } => *t == town,
        Place::District { towns } => towns.contains(&town),
        Place::Village { village: v, .. } | Place::WorkTeam { village: v, .. } => *v == village,
        Place::Department { .. } => false,
    })
}

fn masked(h: Option<&household::Model>) -> Vec<String> {
    h.and_then(|h| serde_json::from_str(&h.phones_masked).ok()).unwrap_or_default()
}

async fn case_views(state: &State, cases: &[call_case::Model]) -> ApiResult<Vec<CaseView>> {
    let ids: Vec<Uuid> = cases.iter().map(|c| c.household_id).collect();
    let hs: HashMap<Uuid, household::Model> =
        households::by_ids(&state.db, &ids).await?.into_iter().map(|h| (h.id, h)).collect();
    Ok(cases
        .iter()
        .map(|c| {
            let h = hs.get(&c.household_id);
            CaseView::new(c, h.map(|h| h.head_name.clone()).unwrap_or_default(), masked(h))
        })
        .collect())
}

async fn list_view(state: &State, l: call_list::Model) -> ApiResult<CallListView> {
    let cases = phone_checks::cases_of(&state.db, &[l.id]).await?;
    let views = case_views(state, &cases).await?;
    Ok(CallListView {
        id: l.id,
        town_id: l.town_id,
        village_id: l.village_id,
        month: l.month,
        version_id: l.version_id,
        sample_rate: l.sample_rate,
        created_at: l.created_at,
        total: views.len(),
        no_phone: views.iter().filter(|c| c.status == "no_phone").count(),
        cases: views,
    })
}

/// Draws a village's call list for a month: its target households (all, or a sample by rate),
/// shared among the callers. Households without a usable number are listed as `no_phone`.
#[utoipa::path(tag = "phone_checks", operation_id = "create_call_list", security(("bearer" = [])), request_body = DrawCallList,
    responses((status = 201, body = CallListView), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/phone-checks/lists")]
pub async fn create_call_list(state: State, user: AuthUser, body: Json<DrawCallList>) -> ApiResult<HttpResponse> {
    user.require(Act::ManagePhoneChecks)?;
    validate(&*body)?;
    let towns = user.access.towns_for(Act::ManagePhoneChecks);
    let village = org::village(&state.db, body.village_id)
        .await?
        .filter(|v| towns.contains(&v.town_id))
        .ok_or_else(ApiError::not_found)?;
    let mut errors = vec![];
    let month: Option<Month> = body.month.parse().ok();
    if month.is_none() {
        errors.push(FieldError::new("month", "invalid", "月份格式应为 2026-11"));
    }
    let version = phone_checks::version(&state.db, body.version_id).await?;
    let owner = match &version {
        Some(v) => phone_checks::questionnaire(&state.db, &[village.town_id], v.questionnaire_id).await?,
        None => None,
    };
    match (&version, owner) {
        (Some(v), Some(_)) if v.status == "published" => {}
        (Some(_), Some(_)) => errors.push(FieldError::new("version_id", "not_published", "问卷版本尚未发布")),
        _ => errors.push(FieldError::new("version_id", "not_found", "问卷版本不存在")),
    }
    for (i, id) in body.caller_ids.iter().enumerate() {
        let ok = match users::by_id(&state.db, *id).await? {
            Some(u) if u.active => {
                may_call(&users::load_access(&state.db, u.id, state.clock.now()).await?, village.town_id, village.id)
            }
            _ => false,
        };
        if !ok {
            errors.push(FieldError::new(format!("caller_ids[{i}]"), "not_a_caller", "该人员不能拨打本村农户"));
        }
    }
    let (Some(month), true) = (month, errors.is_empty()) else { return Err(ApiError::Validation(errors)) };
    let txn = state.db.begin().await?;
    if phone_checks::list_by_village_month(&txn, village.id, &month.to_string()).await?.is_some() {
        return Err(ApiError::conflict(
            "call_list_exists",
            "该村本月的电话抽查名单已生成",
            "a list exists for the month",
        ));
    }
    let targets = coverage::target_households(&txn, &user.access, Some(village.id)).await?;
    let seed: u64 = rand::random();
    let chosen =
        pc::sample(targets.len(), body.sample_rate, seed).map_err(|m| ApiError::field("sample_rate", "range", m))?;
    let ids: Vec<Uuid> = chosen.iter().map(|i| targets[*i].id).collect();
    let hs: HashMap<Uuid, household::Model> =
        households::by_ids(&txn, &ids).await?.into_iter().map(|h| (h.id, h)).collect();
    let mut turn = 0usize;
    let cases: Vec<phone_checks::NewCase> = ids
        .iter()
        .map(|h| {
            let has_phone = !masked(hs.get(h)).is_empty();
            let assignee = has_phone.then(|| {
                turn += 1;
                body.caller_ids[(turn - 1) % body.caller_ids.len()]
            });
            phone_checks::NewCase { household: *h, assignee, has_phone }
        })
        .collect();
    let now = state.clock.now();
    let list = phone_checks::insert_list(
        &txn,
        phone_checks::NewList {
            town: village.town_id,
            village: village.id,
            month: month.to_string(),
            version: body.version_id,
            sample_rate: body.sample_rate,
            seed: i64::from_ne_bytes(seed.to_ne_bytes()),
            by: user.id,
        },
        &cases,
        now,
    )
    .await?;
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(village.town_id),
            action: "call_list.create",
            object_type: "call_list",
            object_id: Some(list.id),
            detail: json!({ "village_id": village.id, "month": list.month, "cases": cases.len() }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(list_view(&state, list).await?))
}

/// Call lists the caller may see: a call taker those with cases assigned to them, a village its own,
/// the RRO the town.
#[utoipa::path(tag = "phone_checks", operation_id = "list_call_lists", security(("bearer" = [])), params(CallListQuery, PageQuery),
    responses((status = 200, body = Page<CallListSummary>), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/phone-checks/lists")]
pub async fn list_call_lists(
    state: State,
    user: AuthUser,
    q: web::Query<CallListQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<CallListSummary>>> {
    user.require(Act::ReadPhoneChecks)?;
    validate(&*page)?;
    let month = q.month.as_deref().map(crate::routes::common::month_param).transpose()?.map(|m| m.to_string());
    let (rows, total) =
        phone_checks::lists(&state.db, &user.access, month.as_deref(), q.village_id, page.page(), page.per_page())
            .await?;
    let items = rows
        .into_iter()
        .map(|l| CallListSummary {
            id: l.id,
            village_id: l.village_id,
            month: l.month,
            version_id: l.version_id,
            sample_rate: l.sample_rate,
            created_at: l.created_at,
        })
        .collect();
    Ok(web::Json(Page::new(items, total, &page)))
}

/// One call list with its cases (a call taker sees only the cases assigned to them).
#[utoipa::path(tag = "phone_checks", operation_id = "get_call_list", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = CallListView), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/phone-checks/lists/{id}")]
pub async fn get_call_list(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<web::Json<CallListView>> {
    let list = phone_checks::find_list(&state.db, &user.access, *id).await?.ok_or_else(ApiError::not_found)?;
    let mut view = list_view(&state, list).await?;
    let visible: Vec<Uuid> =
        phone_checks::visible_cases(&state.db, &user.access, view.id).await?.into_iter().map(|c| c.id).collect();
    view.cases.retain(|c| visible.contains(&c.id));
    Ok(web::Json(view))
}

/// The caller's cases due now, in the order to call them.
#[utoipa::path(tag = "phone_checks", operation_id = "get_call_queue", security(("bearer" = [])),
    responses((status = 200, body = CallQueue), (status = 401, response = Problem), (status = 403, response = Problem)))]
#[get("/phone-checks/queue")]
pub async fn get_call_queue(state: State, user: AuthUser) -> ApiResult<web::Json<CallQueue>> {
    user.require(Act::CallHouseholds)?;
    let now = state.clock.now();
    let cases = phone_checks::open_cases_of(&state.db, user.id).await?;
    let states: Vec<(usize, CaseState)> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let due = if c.attempts == 0 { None } else { c.due_at };
            (i, CaseState::Open { due, callback: c.callback, attempts: u32::try_from(c.attempts).unwrap_or(0) })
        })
        .collect();
    let order = pc::queue_order(now, &states);
    let ordered: Vec<call_case::Model> = order.into_iter().map(|i| cases[i].clone()).collect();
    Ok(web::Json(CallQueue {
        callable_now: state.settings.call_policy.allows(now),
        items: case_views(&state, &ordered).await?,
    }))
}

fn not_assignee() -> ApiError {
    ApiError::problem(
        StatusCode::FORBIDDEN,
        "not_assignee",
        "该户未分配给您拨打",
        "the case is assigned to someone else",
    )
}

fn held_by_other() -> ApiError {
    ApiError::conflict("case_held", "该户正由其他人员拨打", "another caller holds the case")
}

/// Takes the case for 15 minutes (nobody else may call it meanwhile) and shows the full number,
/// the questionnaire and the attempts so far. The number's reveal is audited.
#[utoipa::path(tag = "phone_checks", operation_id = "hold_call_case", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = HeldCase), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem), (status = 409, response = Problem)))]
#[post("/phone-checks/cases/{id}/hold")]
pub async fn hold_call_case(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<web::Json<HeldCase>> {
    user.require(Act::CallHouseholds)?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let c = phone_checks::find_case(&txn, &user.access, *id).await?.ok_or_else(ApiError::not_found)?;
    if c.assignee_id != Some(user.id) {
        return Err(not_assignee());
    }
    if c.status != "open" {
        return Err(ApiError::conflict("case_closed", "该户的电话抽查已结束", "the case is not open"));
    }
    if c.held_by.is_some_and(|h| h != user.id) && c.held_until.is_some_and(|t| t > now) {
        return Err(held_by_other());
    }
    let held_until = now + Duration::minutes(15);
    let mut am: call_case::ActiveModel = c.clone().into();
    am.held_by = Set(Some(user.id));
    am.held_until = Set(Some(held_until));
    let c = am.update(&txn).await?;
    let h = households::by_ids(&txn, &[c.household_id]).await?.into_iter().next().ok_or_else(ApiError::not_found)?;
    let phones = households::phones(&h, &state.cipher)?;
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(c.town_id),
            action: "household.reveal",
            object_type: "household",
            object_id: Some(h.id),
            detail: json!({ "reason": "电话抽查拨打", "fields": ["phones"], "call_case_id": c.id }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    let list = phone_checks::list_by_id(&state.db, c.list_id).await?.ok_or_else(ApiError::not_found)?;
    let version = phone_checks::version(&state.db, list.version_id).await?.ok_or_else(ApiError::not_found)?;
    let attempts = phone_checks::attempts_of(&state.db, &[c.id]).await?;
    Ok(web::Json(HeldCase {
        case: CaseView::new(&c, h.head_name.clone(), masked(Some(&h))),
        phones,
        held_until,
        version_id: version.id,
        questions: serde_json::from_str(&version.questions).unwrap_or_default(),
        attempts: attempts.iter().map(AttemptView::from).collect(),
    }))
}

fn refusal(r: Refusal) -> ApiError {
    let message = r.message_zh();
    match r {
        Refusal::Closed | Refusal::MaxAttempts => {
            ApiError::problem(StatusCode::CONFLICT, r.code(), &message, "the case takes no more attempts")
        }
        Refusal::TooSoon { .. } | Refusal::OutsideHours | Refusal::NotInOrder => ApiError::Rejected {
            code: r.code(),
            message: message.clone(),
            errors: vec![FieldError::new("called_at", r.code(), &message)],
        },
        Refusal::CallbackTimeRequired
        | Refusal::CallbackNotAllowed
        | Refusal::CallbackInPast
        | Refusal::CallbackOutsideHours => ApiError::Rejected {
            code: r.code(),
            message: message.clone(),
            errors: vec![FieldError::new("callback_at", r.code(), &message)],
        },
    }
}

/// Records a call attempt. Completed and partial calls carry answers, checked against the list's
/// questionnaire version; answers the questionnaire marks raise problems (source `phone_check`),
/// and answers the records contradict are flagged for review. Idempotent by `client_id`.
#[utoipa::path(tag = "phone_checks", operation_id = "record_call_attempt", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = RecordAttempt,
    responses((status = 201, body = AttemptResult), (status = 200, body = AttemptResult, description = "Recorded before with this client_id"),
        (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/phone-checks/cases/{id}/attempts")]
pub async fn record_call_attempt(
    state: State,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<RecordAttempt>,
) -> ApiResult<HttpResponse> {
    user.require(Act::CallHouseholds)?;
    validate(&*body)?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let c = phone_checks::find_case(&txn, &user.access, *id).await?.ok_or_else(ApiError::not_found)?;
    if let Some(prev) = phone_checks::attempt_by_client_id(&txn, body.client_id).await? {
        if prev.case_id != c.id || prev.caller_id != user.id {
            return Err(ApiError::conflict(
                "client_id_reused",
                "该记录编号已被使用",
                "client_id belongs to another attempt",
            ));
        }
        drop(txn);
        return Ok(HttpResponse::Ok().json(result_of(&state, prev.id).await?));
    }
    if c.assignee_id != Some(user.id) {
        return Err(not_assignee());
    }
    if c.status == "no_phone" {
        return Err(ApiError::conflict("no_phone", "该户没有可拨打的电话号码", "the household has no usable number"));
    }
    if c.held_by.is_some_and(|h| h != user.id) && c.held_until.is_some_and(|t| t > now) {
        return Err(held_by_other());
    }
    let called_at = body.called_at.unwrap_or(now);
    if called_at > now + Duration::minutes(5) {
        return Err(ApiError::field("called_at", "future", "拨打时间不能晚于当前时间"));
    }
    let outcome: pc::Outcome = body.outcome.into();
    let history: Vec<Attempt> = phone_checks::attempts_of(&txn, &[c.id])
        .await?
        .into_iter()
        .filter_map(|a| {
            Some(Attempt { at: a.called_at, outcome: pc::Outcome::parse(&a.outcome)?, callback_at: a.callback_at })
        })
        .collect();
    let next = Attempt { at: called_at, outcome, callback_at: body.callback_at };
    let after = pc::record_attempt(&state.settings.call_policy, &history, &next).map_err(refusal)?;

    let list = phone_checks::list_by_id(&txn, c.list_id).await?.ok_or_else(ApiError::not_found)?;
    let version = phone_checks::version(&txn, list.version_id).await?.ok_or_else(ApiError::not_found)?;
    let questions = questions_of(&version);
    let answers: Option<BTreeMap<String, pc::Answer>> =
        body.answers.as_ref().map(|a| a.iter().map(|(k, v)| (k.clone(), pc::Answer::from(v))).collect());
    let evaluation = match (outcome.interviewed(), &answers) {
        (true, Some(a)) => {
            Some(pc::validate_answers(&questions, a, outcome == pc::Outcome::Completed).map_err(|issues| {
                ApiError::Rejected {
                    code: "invalid_answers",
                    message: "答卷不符合问卷要求".into(),
                    errors: issues.into_iter().map(|i| FieldError::new(i.path, i.code, &i.message)).collect(),
                }
            })?)
        }
        (true, None) => return Err(ApiError::field("answers", "required", "接通完成的电话须填写答卷")),
        (false, Some(_)) => return Err(ApiError::field("answers", "not_allowed", "未接通或未完成访问不填写答卷")),
        (false, None) => None,
    };

    let attempt = crate::store::entity::call_attempt::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(c.id),
        client_id: Set(body.client_id),
        caller_id: Set(user.id),
        called_at: Set(called_at),
        outcome: Set(outcome.as_str().to_owned()),
        aapor_code: Set(outcome.aapor().0.to_owned()),
        callback_at: Set(body.callback_at),
        answers: Set(body.answers.as_ref().and_then(|a| serde_json::to_string(a).ok())),
        version_id: Set(answers.is_some().then_some(version.id)),
        note: Set(body.note.clone().unwrap_or_default().trim().to_owned()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;

    let h = households::by_ids(&txn, &[c.household_id]).await?.into_iter().next().ok_or_else(ApiError::not_found)?;
    let mut raised = 0;
    if let Some(e) = &evaluation {
        for r in &e.raised {
            crate::routes::problems::record_found(
                &txn,
                &user,
                problems::NewProblem {
                    town_id: c.town_id,
                    village_id: c.village_id,
                    group_id: h.group_id,
                    household_id: Some(h.id),
                    source: Source::PhoneCheck,
                    category: r.category,
                    description: r.description.clone(),
                    status: ProblemState::Open,
                    found_by: user.id,
                    found_at: called_at,
                    visit_id: None,
                    evidence_photo_ids: vec![],
                    call_attempt_id: Some(attempt.id),
                    unannounced_visit_id: None,
                },
                json!({ "source": "phone_check", "call_attempt_id": attempt.id }),
                now,
            )
            .await?;
            raised += 1;
        }
        // Triangulation: what the household said against what the records hold.
        if let Some(a) = &answers {
            let month = Month::containing(called_at);
            let (from, to) = month.bounds();
            let facts = pc::HouseholdFacts {
                visited_this_month: phone_checks::visited_between(&txn, h.id, from, to).await?,
                tags: households::tags_of(&txn, &[h.id]).await?.remove(&h.id).unwrap_or_default(),
            };
            for x in pc::triangulate(&questions, a, &facts) {
                call_flag::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    case_id: Set(c.id),
                    attempt_id: Set(attempt.id),
                    town_id: Set(c.town_id),
                    village_id: Set(c.village_id),
                    household_id: Set(h.id),
                    kind: Set(x.kind.to_owned()),
                    question: Set(x.question),
                    message: Set(x.message),
                    status: Set("open".into()),
                    problem_id: Set(None),
                    reviewed_by: Set(None),
                    reviewed_at: Set(None),
                    created_at: Set(now),
                }
                .insert(&txn)
                .await?;
            }
        }
    }
    let mut am: call_case::ActiveModel = c.clone().into();
    am.attempts = Set(c.attempts + 1);
    am.last_outcome = Set(Some(outcome.as_str().to_owned()));
    am.held_by = Set(None);
    am.held_until = Set(None);
    am.problems = Set(c.problems + raised);
    if let Some(e) = &evaluation {
        am.satisfied = Set(e.satisfied);
    }
    match after {
        CaseState::Closed { .. } => {
            am.status = Set("closed".into());
            am.due_at = Set(None);
            am.callback = Set(false);
            am.closed_at = Set(Some(now));
        }
        CaseState::Open { due, callback, .. } => {
            am.due_at = Set(due);
            am.callback = Set(callback);
        }
    }
    am.update(&txn).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(result_of(&state, attempt.id).await?))
}

async fn result_of(state: &State, attempt: Uuid) -> ApiResult<AttemptResult> {
    let a = phone_checks::attempt(&state.db, attempt).await?.ok_or_else(ApiError::not_found)?;
    let c = phone_checks::case_by_id(&state.db, a.case_id).await?.ok_or_else(ApiError::not_found)?;
    let case = case_views(state, std::slice::from_ref(&c)).await?.pop().ok_or_else(ApiError::not_found)?;
    let problem_ids = phone_checks::problems_of_attempt(&state.db, a.id).await?;
    let flags = phone_checks::flags_of_attempts(&state.db, &[a.id]).await?;
    Ok(AttemptResult {
        attempt: AttemptView::from(&a),
        case,
        problem_ids,
        flags: flags.iter().map(FlagView::from).collect(),
    })
}
