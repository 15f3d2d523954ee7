//! Must-know knowledge (应知应会), the interview group (访谈组) and circulars (通报): SPEC §8.4, §9.

use crate::routes::common::Json;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::Month;
use domain::authority::Relation;
use domain::calendar::local_date;
use domain::leadership::{self, Topic, Verdict};
use domain::lists::Timeliness;
use domain::org::{Act, Place};
use rust_xlsxwriter::{Format, Workbook};
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
use crate::routes::common::Problem;
use crate::state::State;
use crate::store::entity::{circular, interview, interview_result, must_know_version, problem};
use crate::store::{audit, org};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(update_must_know)
        .service(get_must_know)
        .service(list_must_know_status)
        .service(create_interview)
        .service(record_interview_results)
        .service(list_interviews)
        .service(list_villages_not_interviewed)
        .service(get_interview)
        .service(draft_circular)
        .service(edit_circular)
        .service(review_circular)
        .service(issue_circular)
        .service(list_circulars)
        .service(get_circular)
        .service(export_circular);
}

// Must-know ------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct MustKnowItem {
    #[validate(length(min = 1, max = 500, message = "问题应为1至500字"))]
    #[schema(min_length = 1, max_length = 500)]
    pub question: String,
    #[validate(length(min = 1, max = 2000, message = "答案应为1至2000字"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub answer: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct MustKnowUpdate {
    #[validate(length(min = 1, max = 200, message = "应知应会应有1至200条"), nested)]
    #[schema(min_items = 1, max_items = 200)]
    pub items: Vec<MustKnowItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MustKnowVersion {
    pub version: i32,
    /// The month the update answers for.
    pub month: String,
    pub submitted_at: DateTime<Utc>,
    /// Submitted after the 25th of its month.
    pub late: bool,
    pub items: Vec<MustKnowItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MustKnow {
    /// `department` or `village`.
    pub owner_kind: String,
    pub owner_id: Uuid,
    pub owner_name: String,
    /// Newest first; the first is the current one.
    pub versions: Vec<MustKnowVersion>,
}

/// The owner's town and name, if it exists in one of `towns`.
async fn owner(state: &State, kind: &str, id: Uuid, towns: &[Uuid]) -> ApiResult<(Uuid, String)> {
    let found = match kind {
        "department" => {
            org::departments(&state.db, towns).await?.into_iter().find(|d| d.id == id).map(|d| (d.town_id, d.name))
        }
        "village" => {
            org::village(&state.db, id).await?.filter(|v| towns.contains(&v.town_id)).map(|v| (v.town_id, v.name))
        }
        _ => None,
    };
    found.ok_or_else(ApiError::not_found)
}

/// A department's (or village's) information officer publishes this month's must-know update: a new
/// version; the earlier ones stay readable. After the 25th it is recorded as late.
#[utoipa::path(tag = "interviews", operation_id = "update_must_know", security(("bearer" = [])),
    params(("owner_kind" = String, Path, description = "`department` or `village`"), ("owner_id" = Uuid, Path)), request_body = MustKnowUpdate,
    responses((status = 201, body = MustKnowVersion), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem), (status = 422, response = Problem)))]
#[put("/must-know/{owner_kind}/{owner_id}")]
pub async fn update_must_know(
    state: State,
    user: AuthUser,
    path: web::Path<(String, Uuid)>,
    body: Json<MustKnowUpdate>,
) -> ApiResult<HttpResponse> {
    user.require(Act::UpdateMustKnow)?;
    validate(&*body)?;
    let (kind, id) = path.into_inner();
    let mine = user.access.acts_at(Act::UpdateMustKnow, |place| match (place, kind.as_str()) {
        (Place::Department { department, .. }, "department") => *department == id,
        (Place::Village { village, .. }, "village") => *village == id,
        _ => false,
    });
    if !mine {
        return Err(ApiError::not_found());
    }
    let towns: Vec<Uuid> = user.access.towns().into_iter().collect();
    let (town, _) = owner(&state, &kind, id, &towns).await?;
    let now = state.clock.now();
    let month = Month::containing(now);
    let live = org::live_from(&state.db, town).await?;
    let late = leadership::must_know_timeliness(month, Some(now), now, live) == Timeliness::Late;
    let txn = state.db.begin().await?;
    let last = must_know_version::Entity::find()
        .filter(must_know_version::Column::OwnerKind.eq(kind.clone()))
        .filter(must_know_version::Column::OwnerId.eq(id))
        .order_by_desc(must_know_version::Column::Version)
        .one(&txn)
        .await?;
    let v = must_know_version::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(town),
        owner_kind: Set(kind.clone()),
        owner_id: Set(id),
        month: Set(month.to_string()),
        version: Set(last.map_or(1, |l| l.version + 1)),
        items: Set(serde_json::to_string(&body.items).unwrap_or_else(|_| "[]".into())),
        submitted_by: Set(user.id),
        submitted_at: Set(now),
        late: Set(late),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(town),
            action: "must_know.update",
            object_type: kind.as_str(),
            object_id: Some(id),
            detail: json!({ "version": v.version, "month": v.month, "late": late }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(version_view(v)))
}

fn version_view(v: must_know_version::Model) -> MustKnowVersion {
    MustKnowVersion {
        version: v.version,
        month: v.month,
        submitted_at: v.submitted_at,
        late: v.late,
        items: serde_json::from_str(&v.items).unwrap_or_default(),
    }
}

/// A department's or village's must-know knowledge: the current version and every past one.
#[utoipa::path(tag = "interviews", operation_id = "get_must_know", security(("bearer" = [])),
    params(("owner_kind" = String, Path, description = "`department` or `village`"), ("owner_id" = Uuid, Path)),
    responses((status = 200, body = MustKnow), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/must-know/{owner_kind}/{owner_id}")]
pub async fn get_must_know(
    state: State,
    user: AuthUser,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<web::Json<MustKnow>> {
    let (kind, id) = path.into_inner();
    let towns: Vec<Uuid> = user.access.towns().into_iter().collect();
    let (_, name) = owner(&state, &kind, id, &towns).await?;
    let versions = must_know_version::Entity::find()
        .filter(must_know_version::Column::OwnerKind.eq(kind.clone()))
        .filter(must_know_version::Column::OwnerId.eq(id))
        .order_by_desc(must_know_version::Column::Version)
        .all(&state.db)
        .await?;
    Ok(web::Json(MustKnow {
        owner_kind: kind,
        owner_id: id,
        owner_name: name,
        versions: versions.into_iter().map(version_view).collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM`.
    pub month: String,
    pub town_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MustKnowStatus {
    pub owner_kind: String,
    pub owner_id: Uuid,
    pub owner_name: String,
    /// `on_time`, `late`, `pending` or `missing` (due by the end of the 25th).
    pub timeliness: String,
    /// The month's first update.
    pub submitted_at: Option<DateTime<Utc>>,
    pub due_on: NaiveDate,
}

/// Every department's must-know update for a month: on time, late, pending or missing.
#[utoipa::path(tag = "interviews", operation_id = "list_must_know_status", security(("bearer" = [])), params(MonthQuery),
    responses((status = 200, body = Vec<MustKnowStatus>), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/must-know")]
pub async fn list_must_know_status(
    state: State,
    user: AuthUser,
    q: web::Query<MonthQuery>,
) -> ApiResult<web::Json<Vec<MustKnowStatus>>> {
    let town = user.any_town(q.town_id)?;
    let month = crate::routes::common::month_param(&q.month)?;
    let now = state.clock.now();
    let live = org::live_from(&state.db, town).await?;
    let updates = must_know_version::Entity::find()
        .filter(must_know_version::Column::TownId.eq(town))
        .filter(must_know_version::Column::Month.eq(month.to_string()))
        .order_by_asc(must_know_version::Column::SubmittedAt)
        .all(&state.db)
        .await?;
    let status = |kind: &str, id: Uuid, name: String| {
        let first = updates.iter().find(|u| u.owner_kind == kind && u.owner_id == id).map(|u| u.submitted_at);
        MustKnowStatus {
            owner_kind: kind.to_owned(),
            owner_id: id,
            owner_name: name,
            timeliness: leadership::must_know_timeliness(month, first, now, live).as_str().to_owned(),
            submitted_at: first,
            due_on: leadership::must_know_due(month),
        }
    };
    Ok(web::Json(
        org::departments(&state.db, &[town]).await?.into_iter().map(|d| status("department", d.id, d.name)).collect(),
    ))
}

// Interviews -----------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InterviewQuestion {
    /// `village` (the village's situation) or `policy` (a department's policies).
    #[schema(value_type = String)]
    pub topic: Topic,
    /// Whose must-know it comes from.
    pub source: String,
    pub question: String,
    pub answer: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateInterview {
    pub village_id: Uuid,
    /// `YYYY-MM`.
    pub month: String,
    /// Today when absent.
    pub held_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct IntervieweeResult {
    pub user_id: Option<Uuid>,
    #[validate(length(min = 1, max = 50, message = "请填写姓名"))]
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// `secretary` or `work_team`.
    pub role: String,
    /// One verdict per question, in order.
    #[schema(value_type = Vec<String>)]
    pub verdicts: Vec<Verdict>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct InterviewResults {
    #[validate(length(min = 1, max = 30, message = "请填写受访人员"), nested)]
    #[schema(min_items = 1, max_items = 30)]
    pub people: Vec<IntervieweeResult>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntervieweeScore {
    pub user_id: Option<Uuid>,
    pub name: String,
    pub role: String,
    #[schema(value_type = Vec<String>)]
    pub verdicts: Vec<Verdict>,
    /// 0–100: correct 1, partial ½.
    pub score: f64,
    pub knows_village: bool,
    pub knows_policies: bool,
    /// Named in the month's circular.
    pub named: bool,
    pub reasons: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InterviewView {
    pub id: Uuid,
    pub village_id: Uuid,
    pub month: String,
    pub held_on: NaiveDate,
    pub interviewer_id: Uuid,
    pub questions: Vec<InterviewQuestion>,
    pub results: Vec<IntervieweeScore>,
}

async fn interview_view(state: &State, i: interview::Model) -> ApiResult<InterviewView> {
    let results = interview_result::Entity::find()
        .filter(interview_result::Column::InterviewId.eq(i.id))
        .order_by_asc(interview_result::Column::PersonName)
        .all(&state.db)
        .await?;
    Ok(InterviewView {
        id: i.id,
        village_id: i.village_id,
        month: i.month,
        held_on: i.held_on,
        interviewer_id: i.interviewer_id,
        questions: serde_json::from_str(&i.questions).unwrap_or_default(),
        results: results
            .into_iter()
            .map(|r| IntervieweeScore {
                user_id: r.user_id,
                name: r.person_name,
                role: r.role,
                verdicts: serde_json::from_str(&r.answers).unwrap_or_default(),
                score: r.score,
                knows_village: r.knows_village,
                knows_policies: r.knows_policies,
                named: r.named,
                reasons: serde_json::from_str(&r.reasons).unwrap_or_default(),
            })
            .collect(),
    })
}

fn interview_towns(user: &AuthUser) -> Vec<Uuid> {
    let mut t = user.access.towns_for(Act::Interview);
    t.extend(user.access.towns_for(Act::ReadInspections));
    t.into_iter().collect()
}

async fn find_interview(state: &State, user: &AuthUser, id: Uuid) -> ApiResult<interview::Model> {
    interview::Entity::find_by_id(id)
        .filter(interview::Column::TownId.is_in(interview_towns(user)))
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// Opens an interview of a village's secretary and work team: questions drawn at random from the
/// current must-know knowledge of the village and of the town's departments (at least one about
/// the village when it has any).
#[utoipa::path(tag = "interviews", operation_id = "create_interview", security(("bearer" = [])), request_body = CreateInterview,
    responses((status = 201, body = InterviewView), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem),
        (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/interviews")]
pub async fn create_interview(state: State, user: AuthUser, body: Json<CreateInterview>) -> ApiResult<HttpResponse> {
    user.require(Act::Interview)?;
    validate(&*body)?;
    let towns = user.access.towns_for(Act::Interview);
    let village = org::village(&state.db, body.village_id)
        .await?
        .filter(|v| towns.contains(&v.town_id))
        .ok_or_else(ApiError::not_found)?;
    let month = crate::routes::common::month_param(&body.month)?;
    let departments = org::departments(&state.db, &[village.town_id]).await?;
    let all = must_know_version::Entity::find()
        .filter(must_know_version::Column::TownId.eq(village.town_id))
        .order_by_desc(must_know_version::Column::Version)
        .all(&state.db)
        .await?;
    let mut pool: Vec<InterviewQuestion> = vec![];
    let mut take_current = |kind: &str, id: Uuid, topic: Topic, source: &str| {
        if let Some(v) = all.iter().find(|v| v.owner_kind == kind && v.owner_id == id) {
            let items: Vec<MustKnowItem> = serde_json::from_str(&v.items).unwrap_or_default();
            pool.extend(items.into_iter().map(|i| InterviewQuestion {
                topic,
                source: source.to_owned(),
                question: i.question,
                answer: i.answer,
            }));
        }
    };
    take_current("village", village.id, Topic::Village, &village.name);
    for d in &departments {
        take_current("department", d.id, Topic::Policy, &d.name);
    }
    // The request is fine; the town's state is not ready for it: both the village's situation and
    // the policies are tested, so each needs published must-know knowledge to draw from.
    let has = |t: Topic| pool.iter().any(|q| q.topic == t);
    match (has(Topic::Village), has(Topic::Policy)) {
        (true, true) => {}
        (false, false) => {
            return Err(ApiError::conflict(
                "no_must_know",
                "本村和各部门尚无应知应会内容，无法抽题",
                "no must-know knowledge to draw from",
            ));
        }
        (false, true) => {
            return Err(ApiError::conflict(
                "no_village_must_know",
                "本村尚未发布应知应会内容，无法抽取本村情况题",
                "the village has published no must-know knowledge",
            ));
        }
        (true, false) => {
            return Err(ApiError::conflict(
                "no_policy_must_know",
                "各部门尚未发布应知应会内容，无法抽取政策题",
                "no department has published must-know knowledge",
            ));
        }
    }
    let seed: u64 = rand::random();
    let topics: Vec<Topic> = pool.iter().map(|q| q.topic).collect();
    let questions: Vec<InterviewQuestion> = leadership::draw(&topics, state.settings.interview_questions, seed)
        .into_iter()
        .map(|i| pool[i].clone())
        .collect();
    let now = state.clock.now();
    let i = interview::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(village.town_id),
        village_id: Set(village.id),
        month: Set(month.to_string()),
        held_on: Set(body.held_on.unwrap_or_else(|| local_date(now))),
        interviewer_id: Set(user.id),
        questions: Set(serde_json::to_string(&questions).unwrap_or_else(|_| "[]".into())),
        seed: Set(i64::from_ne_bytes(seed.to_ne_bytes())),
        created_at: Set(now),
    }
    .insert(&state.db)
    .await?;
    Ok(HttpResponse::Created().json(interview_view(&state, i).await?))
}

/// Records each person's answers; scores them and marks who goes into the circular. Replaces
/// earlier results of the interview.
#[utoipa::path(tag = "interviews", operation_id = "record_interview_results", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = InterviewResults,
    responses((status = 200, body = InterviewView), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem), (status = 422, response = Problem)))]
#[put("/interviews/{id}/results")]
pub async fn record_interview_results(
    state: State,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<InterviewResults>,
) -> ApiResult<web::Json<InterviewView>> {
    user.require(Act::Interview)?;
    validate(&*body)?;
    let i = find_interview(&state, &user, *id).await?;
    let questions: Vec<InterviewQuestion> = serde_json::from_str(&i.questions).unwrap_or_default();
    let mut errors = vec![];
    for (n, p) in body.people.iter().enumerate() {
        if p.verdicts.len() != questions.len() {
            errors.push(FieldError::new(
                format!("people[{n}].verdicts"),
                "length",
                format!("应为每道题（共{}题）给出判定", questions.len()),
            ));
        }
        if !["secretary", "work_team"].contains(&p.role.as_str()) {
            errors.push(FieldError::new(format!("people[{n}].role"), "one_of", "应为 secretary 或 work_team"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let txn = state.db.begin().await?;
    interview_result::Entity::delete_many().filter(interview_result::Column::InterviewId.eq(i.id)).exec(&txn).await?;
    for p in &body.people {
        let answers: Vec<(Topic, Verdict)> =
            questions.iter().map(|q| q.topic).zip(p.verdicts.iter().copied()).collect();
        let s = leadership::score(&answers);
        interview_result::ActiveModel {
            id: Set(Uuid::now_v7()),
            interview_id: Set(i.id),
            user_id: Set(p.user_id),
            person_name: Set(p.name.trim().to_owned()),
            role: Set(p.role.clone()),
            answers: Set(serde_json::to_string(&p.verdicts).unwrap_or_else(|_| "[]".into())),
            score: Set(s.score),
            knows_village: Set(s.knows_village),
            knows_policies: Set(s.knows_policies),
            named: Set(s.named),
            reasons: Set(serde_json::to_string(&s.reasons).unwrap_or_else(|_| "[]".into())),
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(i.town_id),
            action: "interview.results",
            object_type: "interview",
            object_id: Some(i.id),
            detail: json!({ "people": body.people.len() }),
        },
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(web::Json(interview_view(&state, i).await?))
}

/// The month's interviews.
#[utoipa::path(tag = "interviews", operation_id = "list_interviews", security(("bearer" = [])), params(MonthQuery),
    responses((status = 200, body = Vec<InterviewView>), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/interviews")]
pub async fn list_interviews(
    state: State,
    user: AuthUser,
    q: web::Query<MonthQuery>,
) -> ApiResult<web::Json<Vec<InterviewView>>> {
    let towns = interview_towns(&user);
    if towns.is_empty() {
        return Err(ApiError::forbidden("interviews are for the interview group and the leaders"));
    }
    let month = crate::routes::common::month_param(&q.month)?;
    let rows = interview::Entity::find()
        .filter(interview::Column::TownId.is_in(towns))
        .filter(interview::Column::Month.eq(month.to_string()))
        .order_by_asc(interview::Column::HeldOn)
        .all(&state.db)
        .await?;
    let mut out = vec![];
    for r in rows {
        out.push(interview_view(&state, r).await?);
    }
    Ok(web::Json(out))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VillageRef {
    pub village_id: Uuid,
    pub name: String,
}

/// Villages not interviewed in the month.
#[utoipa::path(tag = "interviews", operation_id = "list_villages_not_interviewed", security(("bearer" = [])), params(MonthQuery),
    responses((status = 200, body = Vec<VillageRef>), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/interviews/missing")]
pub async fn list_villages_not_interviewed(
    state: State,
    user: AuthUser,
    q: web::Query<MonthQuery>,
) -> ApiResult<web::Json<Vec<VillageRef>>> {
    let towns = interview_towns(&user);
    if towns.is_empty() {
        return Err(ApiError::forbidden("interviews are for the interview group and the leaders"));
    }
    let month = crate::routes::common::month_param(&q.month)?;
    let done: Vec<Uuid> = interview::Entity::find()
        .filter(interview::Column::TownId.is_in(towns.clone()))
        .filter(interview::Column::Month.eq(month.to_string()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|i| i.village_id)
        .collect();
    Ok(web::Json(
        org::villages(&state.db, &towns)
            .await?
            .into_iter()
            .filter(|v| !done.contains(&v.id))
            .map(|v| VillageRef { village_id: v.id, name: v.name })
            .collect(),
    ))
}

/// One interview, with its questions and results.
#[utoipa::path(tag = "interviews", operation_id = "get_interview", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = InterviewView), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/interviews/{id}")]
pub async fn get_interview(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<web::Json<InterviewView>> {
    let i = find_interview(&state, &user, *id).await?;
    Ok(web::Json(interview_view(&state, i).await?))
}

// Circulars ------------------------------------------------------------------------------------

/// Where a circular's entry comes from: an interview, an unannounced visit, or typed in.
pub const CIRCULAR_SOURCES: [&str; 3] = ["interview", "unannounced", "manual"];

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct CircularEntry {
    /// The person or unit named.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub unit: String,
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
    /// `interview`, `unannounced`, or `manual`.
    pub source: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct DraftCircular {
    /// `YYYY-MM`.
    pub month: String,
    pub town_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct EditCircular {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[validate(length(max = 20000))]
    #[schema(max_length = 20000)]
    pub body: String,
    #[validate(length(max = 500), nested)]
    #[schema(max_items = 500)]
    pub entries: Vec<CircularEntry>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Circular {
    pub id: Uuid,
    pub month: String,
    pub title: String,
    pub body: String,
    pub entries: Vec<CircularEntry>,
    /// `draft`, `reviewed`, `issued`.
    pub status: String,
    pub drafted_by: Uuid,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub issued_by: Option<Uuid>,
    pub issued_at: Option<DateTime<Utc>>,
}

impl From<circular::Model> for Circular {
    fn from(c: circular::Model) -> Self {
        Self {
            id: c.id,
            month: c.month,
            title: c.title,
            body: c.body,
            entries: serde_json::from_str(&c.entries).unwrap_or_default(),
            status: c.status,
            drafted_by: c.drafted_by,
            reviewed_by: c.reviewed_by,
            reviewed_at: c.reviewed_at,
            issued_by: c.issued_by,
            issued_at: c.issued_at,
        }
    }
}

fn role_label(role: &str) -> &'static str {
    if role == "secretary" { "村党组织书记" } else { "驻村工作队" }
}

/// Drafts the month's circular from the interviews (everyone marked) and the leaders' unannounced
/// visits (villages where problems were found).
#[utoipa::path(tag = "interviews", operation_id = "draft_circular", security(("bearer" = [])), request_body = DraftCircular,
    responses((status = 201, body = Circular), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[post("/circulars")]
pub async fn draft_circular(state: State, user: AuthUser, body: Json<DraftCircular>) -> ApiResult<HttpResponse> {
    let town = user.town_for(Act::DraftCircular, body.town_id)?;
    let month = crate::routes::common::month_param(&body.month)?;
    let villages = org::villages(&state.db, &[town]).await?;
    let name_of = |v: Uuid| villages.iter().find(|x| x.id == v).map(|x| x.name.clone()).unwrap_or_default();
    let interviews = interview::Entity::find()
        .filter(interview::Column::TownId.eq(town))
        .filter(interview::Column::Month.eq(month.to_string()))
        .all(&state.db)
        .await?;
    let mut entries = vec![];
    for i in &interviews {
        let named = interview_result::Entity::find()
            .filter(interview_result::Column::InterviewId.eq(i.id))
            .filter(interview_result::Column::Named.eq(true))
            .order_by_asc(interview_result::Column::PersonName)
            .all(&state.db)
            .await?;
        for r in named {
            let reasons: Vec<String> = serde_json::from_str(&r.reasons).unwrap_or_default();
            entries.push(CircularEntry {
                name: r.person_name,
                unit: format!("{}{}", name_of(i.village_id), role_label(&r.role)),
                reason: format!("{}月访谈：{}", month.number(), reasons.join("；")),
                source: "interview".into(),
            });
        }
    }
    let (from, to) = month.bounds();
    let found = problem::Entity::find()
        .filter(problem::Column::TownId.eq(town))
        .filter(problem::Column::Source.eq("unannounced"))
        .filter(problem::Column::FoundAt.gte(from))
        .filter(problem::Column::FoundAt.lt(to))
        .all(&state.db)
        .await?;
    let mut per_village: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for p in &found {
        *per_village.entry(name_of(p.village_id)).or_default() += 1;
    }
    for (village, n) in per_village {
        entries.push(CircularEntry {
            name: village.clone(),
            unit: village,
            reason: format!("{}月领导暗访发现问题{n}个", month.number()),
            source: "unannounced".into(),
        });
    }
    let town_name = org::towns(&state.db, &[town]).await?.into_iter().next().map(|t| t.name).unwrap_or_default();
    let not_interviewed: Vec<String> =
        villages.iter().filter(|v| !interviews.iter().any(|i| i.village_id == v.id)).map(|v| v.name.clone()).collect();
    let body_text = format!(
        "{}月，访谈组对{}个村（社区）的村党组织书记和驻村工作队进行了应知应会访谈，{}人被点名通报。{}",
        month.number(),
        interviews.len(),
        entries.iter().filter(|e| e.source == "interview").count(),
        if not_interviewed.is_empty() {
            String::new()
        } else {
            format!("本月尚未访谈：{}。", not_interviewed.join("、"))
        }
    );
    let now = state.clock.now();
    let c = circular::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(town),
        month: Set(month.to_string()),
        title: Set(format!("关于{}{}月巩固拓展脱贫攻坚成果访谈情况的通报", town_name, month.number())),
        body: Set(body_text),
        entries: Set(serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into())),
        status: Set("draft".into()),
        drafted_by: Set(user.id),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        issued_by: Set(None),
        issued_at: Set(None),
        created_at: Set(now),
    };
    Ok(HttpResponse::Created().json(save_circular(&state, &user, c, "circular.draft").await?))
}

async fn find_circular(state: &State, user: &AuthUser, id: Uuid) -> ApiResult<circular::Model> {
    let c = circular::Entity::find_by_id(id)
        .filter(circular::Column::TownId.is_in(user.access.towns()))
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    // Drafts are for those who draft; an issued circular is for the whole town.
    if c.status != "issued" && !user.access.may(Act::DraftCircular) {
        return Err(ApiError::not_found());
    }
    Ok(c)
}

fn wrong_state(expected: &str) -> ApiError {
    ApiError::problem(
        StatusCode::CONFLICT,
        "circular_state",
        format!("通报当前状态不允许此操作（应为{expected}）"),
        "the circular is not in the state this step needs",
    )
}

/// Edits a draft: title, text, the people and units named.
#[utoipa::path(tag = "interviews", operation_id = "edit_circular", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = EditCircular,
    responses((status = 200, body = Circular), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[put("/circulars/{id}")]
pub async fn edit_circular(
    state: State,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<EditCircular>,
) -> ApiResult<web::Json<Circular>> {
    user.require(Act::DraftCircular)?;
    validate(&*body)?;
    let unknown: Vec<FieldError> = body
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| !CIRCULAR_SOURCES.contains(&e.source.as_str()))
        .map(|(i, _)| {
            FieldError::new(format!("entries[{i}].source"), "invalid", "来源应为 interview、unannounced 或 manual")
        })
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::Validation(unknown));
    }
    let c = find_circular(&state, &user, *id).await?;
    if c.status != "draft" {
        return Err(wrong_state("草稿"));
    }
    let mut am: circular::ActiveModel = c.into();
    am.title = Set(body.title.trim().to_owned());
    am.body = Set(body.body.clone());
    am.entries = Set(serde_json::to_string(&body.entries).unwrap_or_else(|_| "[]".into()));
    Ok(web::Json(save_circular(&state, &user, am, "circular.edit").await?))
}

/// Reviews a draft (someone other than the drafter).
#[utoipa::path(tag = "interviews", operation_id = "review_circular", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Circular), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem), (status = 409, response = Problem)))]
#[post("/circulars/{id}/review")]
pub async fn review_circular(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<web::Json<Circular>> {
    let c = find_circular(&state, &user, *id).await?;
    if c.status != "draft" {
        return Err(wrong_state("草稿"));
    }
    // Nobody reviews their own draft — one they drafted or edited (every edit is audited with the
    // change): a row of the authority table.
    let authored = c.drafted_by == user.id || audit::acted_on(&state.db, user.id, "circular.edit", c.id).await?;
    let relations = if authored { vec![Relation::Drafter] } else { vec![] };
    user.authorize(Act::ReviewCircular, &relations)?;
    let mut am: circular::ActiveModel = c.into();
    am.status = Set("reviewed".into());
    am.reviewed_by = Set(Some(user.id));
    am.reviewed_at = Set(Some(state.clock.now()));
    Ok(web::Json(save_circular(&state, &user, am, "circular.review").await?))
}

/// Issues a reviewed circular: the main leader.
#[utoipa::path(tag = "interviews", operation_id = "issue_circular", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Circular), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem), (status = 409, response = Problem)))]
#[post("/circulars/{id}/issue")]
pub async fn issue_circular(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<web::Json<Circular>> {
    user.require(Act::IssueCircular)?;
    let c = find_circular(&state, &user, *id).await?;
    if c.status != "reviewed" {
        return Err(wrong_state("已审核"));
    }
    let mut am: circular::ActiveModel = c.into();
    am.status = Set("issued".into());
    am.issued_by = Set(Some(user.id));
    am.issued_at = Set(Some(state.clock.now()));
    Ok(web::Json(save_circular(&state, &user, am, "circular.issue").await?))
}

/// Saves a circular (new, for `circular.draft`, or changed) and its audit entry, in one transaction.
async fn save_circular(state: &State, user: &AuthUser, am: circular::ActiveModel, action: &str) -> ApiResult<Circular> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let c = if action == "circular.draft" { am.insert(&txn).await? } else { am.update(&txn).await? };
    audit::record(
        &txn,
        Some(user),
        audit::Event {
            town_id: Some(c.town_id),
            action,
            object_type: "circular",
            object_id: Some(c.id),
            detail: json!({ "month": c.month, "status": c.status }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Circular::from(c))
}

/// Circulars of a month: issued ones for everyone in the town, drafts for those who draft.
#[utoipa::path(tag = "interviews", operation_id = "list_circulars", security(("bearer" = [])), params(MonthQuery),
    responses((status = 200, body = Vec<Circular>), (status = 401, response = Problem), (status = 422, response = Problem)))]
#[get("/circulars")]
pub async fn list_circulars(
    state: State,
    user: AuthUser,
    q: web::Query<MonthQuery>,
) -> ApiResult<web::Json<Vec<Circular>>> {
    let month = crate::routes::common::month_param(&q.month)?;
    let mut query = circular::Entity::find()
        .filter(circular::Column::TownId.is_in(user.access.towns()))
        .filter(circular::Column::Month.eq(month.to_string()));
    if !user.access.may(Act::DraftCircular) {
        query = query.filter(circular::Column::Status.eq("issued"));
    }
    let rows = query.order_by_asc(circular::Column::CreatedAt).all(&state.db).await?;
    Ok(web::Json(rows.into_iter().map(Circular::from).collect()))
}

/// One circular.
#[utoipa::path(tag = "interviews", operation_id = "get_circular", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Circular), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/circulars/{id}")]
pub async fn get_circular(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<web::Json<Circular>> {
    Ok(web::Json(Circular::from(find_circular(&state, &user, *id).await?)))
}

/// The circular as an xlsx sheet: title, text and the people and units named.
#[utoipa::path(tag = "interviews", operation_id = "export_circular", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>, description = "The workbook"),
        (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/circulars/{id}/export")]
pub async fn export_circular(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let m = find_circular(&state, &user, *id).await?;
    audit::record(
        &state.db,
        Some(&user),
        audit::Event {
            town_id: Some(m.town_id),
            action: "circular.export",
            object_type: "circular",
            object_id: Some(m.id),
            detail: json!({ "month": m.month }),
        },
        state.clock.now(),
    )
    .await?;
    let c = Circular::from(m);
    let bytes = circular_xlsx(&c).map_err(|e| ApiError::Internal(anyhow::anyhow!("xlsx: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header(("content-disposition", format!("attachment; filename=\"circular-{}.xlsx\"", c.month)))
        .body(bytes))
}

fn circular_xlsx(c: &Circular) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("通报")?;
    let bold = Format::new().set_bold();
    ws.write_string_with_format(0, 0, &c.title, &bold)?;
    ws.write_string(1, 0, &c.body)?;
    for (col, h) in ["序号", "姓名/单位", "所在单位", "通报事由"].iter().enumerate() {
        ws.write_string_with_format(3, col as u16, *h, &bold)?;
    }
    for (i, e) in c.entries.iter().enumerate() {
        let r = (i + 4) as u32;
        ws.write_number(r, 0, (i + 1) as f64)?;
        ws.write_string(r, 1, &e.name)?;
        ws.write_string(r, 2, &e.unit)?;
        ws.write_string(r, 3, &e.reason)?;
    }
    wb.save_to_buffer()
}
