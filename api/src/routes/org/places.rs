//! Towns, villages, groups, work teams and departments. Anyone in a town may read its structure;
//! the RRO and the town admin may add to it.

use crate::routes::common::Json;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use domain::org::Act;
use sea_orm::TransactionTrait;
use serde_json::json;
use uuid::Uuid;

use super::json::{
    CreateDepartment, CreateGroup, CreateVillage, CreateWorkTeam, Department, Group, GroupQuery, Town, TownQuery,
    UpdateTown, Village, VillageKind, WorkTeam,
};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, validate};
use crate::routes::common::Problem;
use crate::state::State;
use crate::store::{audit, org};

/// The town in which the caller manages the organisation: the one asked for, or their only one.
pub fn managed_town(user: &AuthUser, requested: Option<Uuid>) -> ApiResult<Uuid> {
    user.town_for(Act::ManageOrganisation, requested)
}

/// Towns the caller may read: one, or all they belong to.
fn readable_towns(user: &AuthUser, requested: Option<Uuid>) -> ApiResult<Vec<Uuid>> {
    let towns = user.access.towns();
    match requested {
        Some(t) if towns.contains(&t) => Ok(vec![t]),
        Some(_) => Err(ApiError::not_found()),
        None => Ok(towns.into_iter().collect()),
    }
}

async fn audit_create(state: &State, user: &AuthUser, town: Uuid, kind: &str, id: Uuid, name: &str) -> ApiResult<()> {
    audit::record(
        &state.db,
        Some(user),
        audit::Event {
            town_id: Some(town),
            action: "org.create",
            object_type: kind,
            object_id: Some(id),
            detail: json!({ "name": name }),
        },
        state.clock.now(),
    )
    .await?;
    Ok(())
}

/// Towns the caller belongs to.
#[utoipa::path(tag = "organisation", operation_id = "list_towns", security(("bearer" = [])),
    responses((status = 200, body = Vec<Town>), (status = 401, response = Problem)))]
#[get("/towns")]
pub async fn list_towns(state: State, user: AuthUser) -> ApiResult<web::Json<Vec<Town>>> {
    let ids: Vec<Uuid> = user.access.towns().into_iter().collect();
    let rows = org::towns(&state.db, &ids).await?;
    Ok(web::Json(rows.into_iter().map(Town::from).collect()))
}

/// Sets the day the town started using Changxiao (its go-live day): the months and quarters
/// before it owe nothing. The town's administrator sets it; the change is audited.
#[utoipa::path(tag = "organisation", operation_id = "update_town", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UpdateTown,
    responses((status = 200, body = Town), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 422, response = Problem)))]
#[patch("/towns/{id}")]
pub async fn update_town(
    state: State,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UpdateTown>,
) -> ApiResult<web::Json<Town>> {
    let id = id.into_inner();
    // Another town is not there for the caller (404); their own, without the role, is refused (403).
    if !user.access.towns().contains(&id) {
        return Err(ApiError::not_found());
    }
    if !user.access.towns_for(Act::SetGoLive).contains(&id) {
        return Err(ApiError::refused(&domain::authority::Refusal::NotPermitted { act: Act::SetGoLive }));
    }
    validate(&*body)?;
    let now = state.clock.now();
    let (earliest, latest) = domain::calendar::LiveFrom::settable(domain::calendar::local_date(now));
    if body.live_from < earliest || body.live_from > latest {
        return Err(ApiError::field("live_from", "out_of_range", &format!("上线日期应在{earliest}至{latest}之间")));
    }
    let txn = state.db.begin().await?;
    let before = org::live_from(&txn, id).await?;
    org::set_live_from(&txn, id, body.live_from).await?;
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(id),
            action: "org.live_from",
            object_type: "town",
            object_id: Some(id),
            detail: json!({ "from": before.0, "to": body.live_from }),
        },
        now,
    )
    .await?;
    let town = org::towns(&txn, &[id]).await?.into_iter().next().ok_or_else(ApiError::not_found)?;
    txn.commit().await?;
    Ok(web::Json(Town::from(town)))
}

/// Villages of the caller's towns.
#[utoipa::path(tag = "organisation", operation_id = "list_villages", security(("bearer" = [])), params(TownQuery),
    responses((status = 200, body = Vec<Village>), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/villages")]
pub async fn list_villages(
    state: State,
    user: AuthUser,
    q: web::Query<TownQuery>,
) -> ApiResult<web::Json<Vec<Village>>> {
    let towns = readable_towns(&user, q.town_id)?;
    let rows = org::villages(&state.db, &towns).await?;
    Ok(web::Json(
        rows.into_iter().map(|v| Village { id: v.id, town_id: v.town_id, name: v.name, kind: v.kind }).collect(),
    ))
}

/// Adds a village (or community).
#[utoipa::path(tag = "organisation", operation_id = "create_village", security(("bearer" = [])), request_body = CreateVillage,
    responses((status = 201, body = Village), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/villages")]
pub async fn create_village(state: State, user: AuthUser, body: Json<CreateVillage>) -> ApiResult<HttpResponse> {
    let town = managed_town(&user, body.town_id)?;
    validate(&*body)?;
    let kind = if body.kind == Some(VillageKind::Community) { "community" } else { "village" };
    let v = org::create_village(&state.db, town, body.name.trim(), kind, state.clock.now()).await?;
    audit_create(&state, &user, town, "village", v.id, &v.name).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(Village {
        id: v.id,
        town_id: v.town_id,
        name: v.name,
        kind: v.kind,
    }))
}

/// Groups (社) of a village, or of every village of the caller's towns.
#[utoipa::path(tag = "organisation", operation_id = "list_groups", security(("bearer" = [])), params(GroupQuery),
    responses((status = 200, body = Vec<Group>), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/groups")]
pub async fn list_groups(state: State, user: AuthUser, q: web::Query<GroupQuery>) -> ApiResult<web::Json<Vec<Group>>> {
    let towns = readable_towns(&user, None)?;
    let villages: Vec<Uuid> = org::villages(&state.db, &towns)
        .await?
        .into_iter()
        .map(|v| v.id)
        .filter(|v| q.village_id.is_none_or(|want| want == *v))
        .collect();
    if q.village_id.is_some() && villages.is_empty() {
        return Err(ApiError::not_found());
    }
    let rows = org::groups(&state.db, &villages).await?;
    Ok(web::Json(rows.into_iter().map(|g| Group { id: g.id, village_id: g.village_id, name: g.name }).collect()))
}

/// The village a caller manages, or a field error.
async fn managed_village(state: &State, user: &AuthUser, village_id: Uuid) -> ApiResult<(Uuid, Uuid)> {
    user.require(Act::ManageOrganisation)?;
    let towns = user.access.towns_for(Act::ManageOrganisation);
    match org::village(&state.db, village_id).await?.filter(|v| towns.contains(&v.town_id)) {
        Some(v) => Ok((v.town_id, v.id)),
        None => Err(ApiError::field("village_id", "not_found", "村不存在或不在您的管辖范围内")),
    }
}

/// Adds a group (社) to a village.
#[utoipa::path(tag = "organisation", operation_id = "create_group", security(("bearer" = [])), request_body = CreateGroup,
    responses((status = 201, body = Group), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/groups")]
pub async fn create_group(state: State, user: AuthUser, body: Json<CreateGroup>) -> ApiResult<HttpResponse> {
    validate(&*body)?;
    let (town, village) = managed_village(&state, &user, body.village_id).await?;
    let g = org::create_group(&state.db, village, body.name.trim(), state.clock.now()).await?;
    audit_create(&state, &user, town, "group", g.id, &g.name).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(Group { id: g.id, village_id: g.village_id, name: g.name }))
}

/// Work teams of the caller's towns.
#[utoipa::path(tag = "organisation", operation_id = "list_work_teams", security(("bearer" = [])), params(TownQuery),
    responses((status = 200, body = Vec<WorkTeam>), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/work-teams")]
pub async fn list_work_teams(
    state: State,
    user: AuthUser,
    q: web::Query<TownQuery>,
) -> ApiResult<web::Json<Vec<WorkTeam>>> {
    let towns = readable_towns(&user, q.town_id)?;
    let rows = org::work_teams(&state.db, &towns).await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|t| WorkTeam { id: t.id, town_id: t.town_id, village_id: t.village_id, name: t.name })
            .collect(),
    ))
}

/// Adds a work team stationed in a village (驻村工作组).
#[utoipa::path(tag = "organisation", operation_id = "create_work_team", security(("bearer" = [])), request_body = CreateWorkTeam,
    responses((status = 201, body = WorkTeam), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[post("/work-teams")]
pub async fn create_work_team(state: State, user: AuthUser, body: Json<CreateWorkTeam>) -> ApiResult<HttpResponse> {
    validate(&*body)?;
    let (town, village) = managed_village(&state, &user, body.village_id).await?;
    let t = org::create_work_team(&state.db, town, village, body.name.trim(), state.clock.now()).await?;
    audit_create(&state, &user, town, "work_team", t.id, &t.name).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(WorkTeam {
        id: t.id,
        town_id: t.town_id,
        village_id: t.village_id,
        name: t.name,
    }))
}

/// Departments of the caller's towns.
#[utoipa::path(tag = "organisation", operation_id = "list_departments", security(("bearer" = [])), params(TownQuery),
    responses((status = 200, body = Vec<Department>), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/departments")]
pub async fn list_departments(
    state: State,
    user: AuthUser,
    q: web::Query<TownQuery>,
) -> ApiResult<web::Json<Vec<Department>>> {
    let towns = readable_towns(&user, q.town_id)?;
    let rows = org::departments(&state.db, &towns).await?;
    Ok(web::Json(rows.into_iter().map(Department::of).collect::<ApiResult<Vec<_>>>()?))
}

/// Adds a department.
#[utoipa::path(tag = "organisation", operation_id = "create_department", security(("bearer" = [])), request_body = CreateDepartment,
    responses((status = 201, body = Department), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/departments")]
pub async fn create_department(state: State, user: AuthUser, body: Json<CreateDepartment>) -> ApiResult<HttpResponse> {
    let town = managed_town(&user, body.town_id)?;
    validate(&*body)?;
    let name = body.name.trim();
    let mut duties = domain::screening::DepartmentDuties::default_for(name);
    if let Some(owes) = body.owes_archives {
        duties.owes_archives = owes;
    }
    if let Some(findings) = &body.findings {
        duties.findings = findings.iter().map(|f| (*f).into()).collect();
    }
    let d = org::create_department(&state.db, town, name, &duties, state.clock.now()).await?;
    audit_create(&state, &user, town, "department", d.id, &d.name).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(Department::of(d)?))
}
