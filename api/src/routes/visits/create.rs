//! `POST /visits`: a visit from the phone, exactly once. The client's `client_id` (and an optional
//! `Idempotency-Key`) make a repeat return the first result. The proof rules run here, with the
//! thresholds from settings, and the problems found go to the ledger.

use crate::routes::common::Json;
use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post};
use domain::calendar::{Month, mechanism_start};
use domain::geo::{Datum, Position};
use domain::org::Act;
use domain::problem::{self, Category, Source};
use domain::visit::{Flag, KindGrounds, KindRefusal, PhotoEvidence, ProofInput, Review, VisitKind, flags, settle_kind};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseTransaction, TransactionTrait};
use serde_json::json;

use super::json::{CreateVisit, OutcomeName, Visit};
use super::view::{Names, shown, view};
use crate::auth::AuthUser;
use crate::crypto::sha256_hex;
use crate::error::{ApiError, ApiResult, FieldError, validate};
use crate::routes::common::{Claim, IdempotencyKey, Problem, idempotency_claim, idempotency_in_progress};
use crate::state::State;
use crate::store::entity::{cross_check_assignment, cross_check_round, household, photo, visit};
use crate::store::{ByKey, audit, households, org, photos, problems, screenings, users, visits};

fn datum(d: crate::routes::households::Datum) -> Datum {
    match d {
        crate::routes::households::Datum::Wgs84 => Datum::Wgs84,
        crate::routes::households::Datum::Gcj02 => Datum::Gcj02,
    }
}

/// What [`household_for`] found: the household, the round of a cross-check visit, the kind the
/// visit is recorded under (or why the kind sent may not be), and the departments whose tasks are open.
struct Found {
    household: household::Model,
    round_id: Option<Uuid>,
    kind: Result<VisitKind, KindRefusal>,
    task_departments: Vec<Uuid>,
}

/// The household the caller may visit — within reach, a department's for its open screening task,
/// or assigned to them in this quarter's cross-check round — with the records its kind rests on.
async fn household_for(
    txn: &DatabaseTransaction,
    user: &AuthUser,
    body: &CreateVisit,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<Found> {
    let quarter = Month::containing(body.visited_at).quarter().to_string();
    let mut round_id = None;
    for a in cross_check_assignment::Entity::find()
        .filter(cross_check_assignment::Column::HouseholdId.eq(body.household_id))
        .filter(cross_check_assignment::Column::CheckerId.eq(user.id))
        .all(txn)
        .await?
    {
        let round = cross_check_round::Entity::find_by_id(a.round_id).by_key(txn).await?;
        if round.is_some_and(|r| r.quarter == quarter && r.cancelled_at.is_none()) {
            round_id = Some(a.round_id);
        }
    }
    let open_tasks = screenings::open_for_household(txn, body.household_id, None).await?;
    // Whose departments are there: the caller's, and those of anyone going along (whether they may
    // go along is checked with the visitors).
    let mut departments = user.access.departments();
    if !open_tasks.is_empty() {
        for v in &body.visitor_ids {
            departments.extend(users::load_access(txn, *v, now).await?.departments());
        }
    }
    let grounds = KindGrounds {
        open_verification_task: !open_tasks.is_empty(),
        assigned_checker: round_id.is_some(),
        task_department: open_tasks.iter().any(|t| departments.contains(&t.department_id)),
    };
    let kind = settle_kind(body.kind.map(VisitKind::from), grounds);
    let reach_kind = kind.unwrap_or(body.kind.map_or(VisitKind::Routine, VisitKind::from));
    let reached = households::find_scoped(txn, &user.access, Act::RecordVisit, body.household_id).await?.is_some()
        // A department joins the village for the households its screening flagged.
        || (reach_kind == VisitKind::JointVerification && grounds.task_department)
        || (reach_kind == VisitKind::CrossCheck && round_id.is_some());
    let household = match reached {
        true => household::Entity::find_by_id(body.household_id).by_key(txn).await?,
        false => None,
    };
    let household =
        household.ok_or_else(|| ApiError::field("household_id", "not_found", "农户不存在或不在您的走访范围内"))?;
    Ok(Found {
        household,
        round_id: round_id.filter(|_| reach_kind == VisitKind::CrossCheck),
        kind,
        task_departments: open_tasks.iter().map(|t| t.department_id).collect(),
    })
}

fn evidence(p: &photo::Model, reused: bool) -> PhotoEvidence {
    let exif = match (p.exif_latitude, p.exif_longitude) {
        (Some(lat), Some(lng)) => Position::new(lat, lng, Datum::Wgs84),
        _ => None,
    };
    let client = match (p.client_latitude, p.client_longitude, p.client_datum.as_deref().and_then(Datum::parse)) {
        (Some(lat), Some(lng), Some(d)) => Position::new(lat, lng, d),
        _ => None,
    };
    PhotoEvidence {
        taken_at: p.exif_taken_at.or(p.client_taken_at),
        position: exif.or(client),
        accuracy_m: if exif.is_some() { None } else { p.client_accuracy_m },
        reused_elsewhere: reused,
    }
}

/// Records a visit (or an attempt when nobody was home) with its photos, checklist and problems.
#[utoipa::path(
    tag = "visits",
    operation_id = "create_visit",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a repeated submission return the first result")),
    request_body = CreateVisit,
    responses(
        (status = 201, body = Visit),
        (status = 200, body = Visit, description = "A repeat of an earlier submission (same client_id): the first result"),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 409, response = Problem),
        (status = 422, response = Problem),
    )
)]
#[post("/visits")]
pub async fn create_visit(
    state: State,
    user: AuthUser,
    key: IdempotencyKey,
    body: Json<CreateVisit>,
) -> ApiResult<HttpResponse> {
    user.require(Act::RecordVisit)?;
    validate(&*body)?;
    let now = state.clock.now();
    let body = body.into_inner();
    let request_hash = sha256_hex(serde_json::to_string(&body).map_err(anyhow::Error::from)?.as_bytes());
    let txn = state.db.begin().await?;
    // A repeat is not looked for up front: the visit's insert finds it (its client id is taken).
    // Only a repeat under the same Idempotency-Key is known here, and answered as first (201).
    match idempotency_claim(&txn, user.id, &key, "POST /visits", &body, now).await? {
        Claim::First => {}
        Claim::Answered(res) => return Ok(res),
        Claim::Repeat => {
            return earlier(&txn, user.id, &body, &request_hash, StatusCode::CREATED)
                .await?
                .ok_or_else(idempotency_in_progress);
        }
    }

    // Shape rules that need more than one field.
    let mut errors = Vec::new();
    if body.visited_at > now + chrono::Duration::minutes(5) {
        errors.push(FieldError::new("visited_at", "future", "走访时间不能晚于当前时间"));
    }
    if body.visited_at < domain::calendar::start_of_local_day(mechanism_start()) {
        errors.push(FieldError::new("visited_at", "too_early", "走访时间早于长效机制实施日期（2022年1月1日）"));
    }
    match body.outcome {
        OutcomeName::Visited if body.checklist.is_none() => {
            errors.push(FieldError::new("checklist", "required", "入户走访需填写农户情况检查表"))
        }
        OutcomeName::AbsentAttempted if body.absent_reason.as_deref().is_none_or(|r| r.trim().is_empty()) => {
            errors.push(FieldError::new("absent_reason", "required", "未遇到农户时请填写原因（如外出务工）"))
        }
        _ => {}
    }
    let month = Month::containing(body.visited_at);
    let late = month.is_closed(state.settings.month_closing_day, now);
    if late && body.late_reason.as_deref().is_none_or(|r| r.trim().len() < 2) {
        errors.push(FieldError::new("late_reason", "required", "该月已关账，补录需填写原因"));
    }
    for (i, p) in body.problems.iter().enumerate() {
        if Category::parse(&p.category).is_none() {
            errors.push(FieldError::new(format!("problems[{i}].category"), "invalid", "问题类别不正确"));
        }
        if problem::State::initial(p.fixed_on_spot, p.photo_ids.len()).is_err() {
            errors.push(FieldError::new(
                format!("problems[{i}].photo_ids"),
                "required",
                "当场整改的问题需上传整改照片",
            ));
        }
    }

    // A repeat is answered as first even where the submission would no longer pass (the month
    // closed since, the household moved away).
    let Found { household, round_id, kind, task_departments } = match household_for(&txn, &user, &body, now).await {
        Ok(found) => found,
        Err(e) => return earlier(&txn, user.id, &body, &request_hash, StatusCode::OK).await?.ok_or(e),
    };
    let kind = match kind {
        Ok(kind) => kind,
        Err(refusal) => {
            // A repeat of a visit recorded before is answered as first, whatever changed since.
            if let Some(res) = earlier(&txn, user.id, &body, &request_hash, StatusCode::OK).await? {
                return Ok(res);
            }
            errors.push(FieldError::new("kind", refusal.code(), refusal.message_zh()));
            VisitKind::Routine
        }
    };
    let mut visitors: BTreeSet<Uuid> = BTreeSet::from([user.id]);
    for (i, v) in body.visitor_ids.iter().enumerate() {
        match users::by_id(&txn, *v).await? {
            Some(u) if u.active && u.town_id == Some(household.town_id) => {
                // Credit and access follow a co-visitor: only someone who works in the village (or
                // the town, or a department whose task this is) goes along.
                let access = users::load_access(&txn, u.id, state.clock.now()).await?;
                if access.works_in(household.town_id, household.village_id, &task_departments) {
                    visitors.insert(u.id);
                } else {
                    errors.push(FieldError::new(
                        format!("visitor_ids[{i}]"),
                        "not_of_village",
                        "同行人员须为本村、驻村工作队、镇级或相关部门的工作人员",
                    ));
                }
            }
            _ => errors.push(FieldError::new(format!("visitor_ids[{i}]"), "not_found", "同行人员不存在或不属于本镇")),
        }
    }
    let all_photo_ids: Vec<Uuid> =
        body.photo_ids.iter().chain(body.problems.iter().flat_map(|p| p.photo_ids.iter())).copied().collect();
    let found = photos::find_many(&txn, &all_photo_ids).await?;
    let usable = |id: &Uuid| found.iter().find(|p| &p.id == id && visitors.contains(&p.uploaded_by));
    for (i, id) in body.photo_ids.iter().enumerate() {
        if body.photo_ids[..i].contains(id) {
            errors.push(FieldError::new(format!("photo_ids[{i}]"), "duplicate", "同一张照片不能重复添加"));
        } else if usable(id).is_none() {
            errors.push(FieldError::new(format!("photo_ids[{i}]"), "not_found", "照片不存在或不是本次走访人员上传的"));
        }
    }
    for (pi, p) in body.problems.iter().enumerate() {
        for (i, id) in p.photo_ids.iter().enumerate() {
            if usable(id).is_none() {
                errors.push(FieldError::new(
                    format!("problems[{pi}].photo_ids[{i}]"),
                    "not_found",
                    "照片不存在或不是本次走访人员上传的",
                ));
            }
        }
    }
    if !errors.is_empty() {
        return earlier(&txn, user.id, &body, &request_hash, StatusCode::OK).await?.ok_or(ApiError::Validation(errors));
    }

    // The proof rules.
    let max_bits = state.settings.photos.max_phash_distance;
    let visit_photos: Vec<&photo::Model> = body.photo_ids.iter().filter_map(usable).collect();
    let mut proof: Vec<PhotoEvidence> = Vec::with_capacity(visit_photos.len());
    for p in &visit_photos {
        let reused = photos::reused_elsewhere(&txn, household.town_id, household.id, p, max_bits).await?;
        proof.push(evidence(p, reused));
    }
    let household_position =
        match (household.latitude, household.longitude, household.datum.as_deref().and_then(Datum::parse)) {
            (Some(lat), Some(lng), Some(d)) => Position::new(lat, lng, d),
            _ => None,
        };
    let visit_position = body.location.as_ref().and_then(|l| Position::new(l.latitude, l.longitude, datum(l.datum)));
    let input = ProofInput {
        visited_at: body.visited_at,
        household_position,
        visit_position,
        photos: &proof,
        previous: visits::previous_of(&txn, user.id, body.visited_at).await?,
        late_entry: late,
    };
    let flag_set = if body.outcome == OutcomeName::AbsentAttempted {
        // An attempt proves only that someone went: no photo is asked of an empty house.
        flags(&input, &state.settings.photos.thresholds()).into_iter().filter(|f| *f != Flag::NoPhoto).collect()
    } else {
        flags(&input, &state.settings.photos.thresholds())
    };
    let review = Review::initial(&flag_set);
    let flag_names: Vec<&str> = flag_set.iter().map(|f| f.as_str()).collect();
    let model = visit::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(household.town_id),
        village_id: Set(household.village_id),
        group_id: Set(household.group_id),
        household_id: Set(household.id),
        client_id: Set(body.client_id),
        created_by: Set(user.id),
        request_hash: Set(request_hash.clone()),
        kind: Set(kind.as_str().to_owned()),
        outcome: Set(if body.outcome == OutcomeName::Visited { "visited" } else { "absent_attempted" }.to_owned()),
        absent_reason: Set(body.absent_reason.clone()),
        visited_at: Set(body.visited_at),
        month: Set(month.to_string()),
        latitude: Set(visit_position.map(|p| p.lat)),
        longitude: Set(visit_position.map(|p| p.lng)),
        datum: Set(visit_position.map(|p| p.datum.as_str().to_owned())),
        accuracy_m: Set(body.location.as_ref().and_then(|l| l.accuracy_m)),
        checklist_version: Set(body.checklist.as_ref().map_or(1, |c| c.version)),
        checklist: Set(serde_json::to_string(&body.checklist).map_err(anyhow::Error::from)?),
        flags: Set(serde_json::to_string(&flag_names).map_err(anyhow::Error::from)?),
        review: Set(review.as_str().to_owned()),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        review_reason: Set(None),
        late_reason: Set(body.late_reason.clone().filter(|_| late)),
        round_id: Set(round_id),
        created_at: Set(now),
    };
    let visitor_list: Vec<Uuid> = visitors.into_iter().collect();
    let Some(saved) = visits::insert(&txn, model, &visitor_list, &body.photo_ids).await? else {
        // The client id is taken: a repeat, or the same submission racing itself (the insert
        // waited for the one that won). Its answer.
        return earlier(&txn, user.id, &body, &request_hash, StatusCode::OK)
            .await?
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a visit's client id conflicts with no visit")));
    };
    if kind == VisitKind::JointVerification {
        screenings::settle(&txn, household.id, saved.id, now).await?;
    }
    let mut problem_ids = Vec::with_capacity(body.problems.len());
    for p in &body.problems {
        let status = problem::State::initial(p.fixed_on_spot, p.photo_ids.len()).unwrap_or(problem::State::Open);
        let recorded = problems::insert(
            &txn,
            problems::NewProblem {
                town_id: household.town_id,
                village_id: household.village_id,
                group_id: household.group_id,
                household_id: Some(household.id),
                source: Source::of_visit(kind),
                category: Category::parse(&p.category).unwrap_or(Category::Other),
                description: p.description.trim().to_owned(),
                status,
                found_by: user.id,
                found_at: body.visited_at,
                visit_id: Some(saved.id),
                evidence_photo_ids: p.photo_ids.clone(),
                call_attempt_id: None,
                unannounced_visit_id: None,
            },
            now,
        )
        .await?;
        problem_ids.push(recorded.id);
    }
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(household.town_id),
            action: if late { "visit.late_entry" } else { "visit.create" },
            object_type: "visit",
            object_id: Some(saved.id),
            detail: json!({ "household_id": household.id, "flags": flag_names, "late_reason": body.late_reason.as_deref().filter(|_| late) }),
        },
        now,
    )
    .await?;
    // As `view` would read it back, without reading it back.
    let names = Names {
        head_name: household.head_name.clone(),
        village_name: org::village(&txn, household.village_id).await?.map(|v| v.name).unwrap_or_default(),
    };
    let dto = shown(saved, names, visitor_list, body.photo_ids.clone(), problem_ids);
    txn.commit().await?;
    state.visits_changed(household.town_id, household.id);
    Ok(HttpResponse::Created().json(dto))
}

/// The visit this caller already recorded under the submission's client id, answered as first
/// (`status`: 201 for a repeat under its Idempotency-Key, 200 for the client id alone); a client id
/// used for another visit is refused.
async fn earlier<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    body: &CreateVisit,
    request_hash: &str,
    status: StatusCode,
) -> ApiResult<Option<HttpResponse>> {
    let Some(first) = visits::by_client_id(db, user, body.client_id).await? else { return Ok(None) };
    if first.request_hash != request_hash {
        return Err(ApiError::unprocessable(
            "client_id_reused",
            "该走访编号已用于另一条记录",
            "this client_id was used for a different visit",
        ));
    }
    let dto = view(db, first).await?;
    Ok(Some(HttpResponse::build(status).insert_header(("idempotent-replayed", "true")).json(dto)))
}
