//! Users, their role grants and their groups (包社). Managed by the town admin alone, never on their own account.

use crate::routes::common::Json;
use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use domain::authority::Relation;
use domain::org::{Act, Role, ScopeKind};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, TransactionTrait};
use serde_json::json;

use super::json::{CreateGrant, CreateUser, SetGroups, UpdateUser, User};
use crate::auth::{AuthUser, password};
use crate::error::{ApiError, ApiResult, FieldError, validate};
use crate::routes::auth::RoleGrantView;
use crate::routes::common::{Page, PageQuery, Problem};
use crate::state::State;
use crate::store::entity::{group_assignment, role_grant, user};
use crate::store::{audit, org, sessions, users};

fn managed_towns(user: &AuthUser, act: Act) -> ApiResult<BTreeSet<Uuid>> {
    user.require(act)?;
    Ok(user.access.towns_for(act))
}

/// A user of a town where the caller may take `act` on accounts, or 404; then the table decides,
/// with whether the account is the caller's own (nobody grants themselves anything).
async fn managed_user(state: &State, caller: &AuthUser, id: Uuid, act: Act) -> ApiResult<user::Model> {
    let towns = managed_towns(caller, act)?;
    let u = users::by_id(&state.db, id)
        .await?
        .filter(|u| u.town_id.is_some_and(|t| towns.contains(&t)))
        .ok_or_else(ApiError::not_found)?;
    let own: &[Relation] = if u.id == caller.id { &[Relation::OwnAccount] } else { &[] };
    caller.authorize(act, own)?;
    Ok(u)
}

async fn views<C: sea_orm::ConnectionTrait>(db: &C, rows: Vec<user::Model>) -> ApiResult<Vec<User>> {
    let ids: Vec<Uuid> = rows.iter().map(|u| u.id).collect();
    let grants = users::grants_of(db, &ids).await?;
    let groups = users::groups_of(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|u| User {
            grants: grants
                .iter()
                .filter(|g| g.user_id == u.id)
                .map(|g| RoleGrantView {
                    id: g.id,
                    role: g.role.clone(),
                    scope_kind: g.scope_kind.clone(),
                    scope_id: g.scope_id,
                })
                .collect(),
            group_ids: groups.iter().filter(|g| g.user_id == u.id).map(|g| g.group_id).collect(),
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            town_id: u.town_id,
            active: u.active,
        })
        .collect())
}

async fn view(state: &State, u: user::Model) -> ApiResult<User> {
    views(&state.db, vec![u]).await?.pop().ok_or_else(ApiError::not_found)
}

async fn audit_user(
    state: &State,
    caller: &AuthUser,
    action: &str,
    u: &user::Model,
    detail: serde_json::Value,
) -> ApiResult<()> {
    audit::record(
        &state.db,
        Some(caller),
        audit::Event { town_id: u.town_id, action, object_type: "user", object_id: Some(u.id), detail },
        state.clock.now(),
    )
    .await?;
    Ok(())
}

/// Users of the towns the caller manages.
#[utoipa::path(tag = "organisation", operation_id = "list_users", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<User>), (status = 401, response = Problem), (status = 403, response = Problem)))]
#[get("/users")]
pub async fn list_users(
    state: State,
    caller: AuthUser,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<User>>> {
    validate(&*page)?;
    let towns: Vec<Uuid> = managed_towns(&caller, Act::ReadAccounts)?.into_iter().collect();
    let (rows, total) = users::list_in_towns(&state.db, &towns, page.page(), page.per_page()).await?;
    Ok(web::Json(Page::new(views(&state.db, rows).await?, total, &page)))
}

/// Adds a user with a password; roles are granted separately.
#[utoipa::path(tag = "organisation", operation_id = "create_user", security(("bearer" = [])), request_body = CreateUser,
    responses((status = 201, body = User), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/users")]
pub async fn create_user(state: State, caller: AuthUser, body: Json<CreateUser>) -> ApiResult<HttpResponse> {
    let town = caller.town_for(Act::ManageAccounts, body.town_id)?;
    validate(&*body)?;
    if users::by_username(&state.db, &body.username).await?.is_some() {
        return Err(ApiError::conflict("username_taken", "该用户名已被使用", "the username is taken"));
    }
    let hash = password::hash(body.password.clone()).await?;
    let u =
        users::create(&state.db, Some(town), &body.username, &body.display_name, Some(hash), state.clock.now()).await?;
    audit_user(&state, &caller, "user.create", &u, json!({ "username": u.username })).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(view(&state, u).await?))
}

/// One user of a town the caller manages.
#[utoipa::path(tag = "organisation", operation_id = "get_user", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = User), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem)))]
#[get("/users/{id}")]
pub async fn get_user(state: State, caller: AuthUser, id: web::Path<Uuid>) -> ApiResult<web::Json<User>> {
    let u = managed_user(&state, &caller, *id, Act::ReadAccounts).await?;
    Ok(web::Json(view(&state, u).await?))
}

/// Renames, disables or resets the password of a user. Disabling or a new password ends their sessions.
#[utoipa::path(tag = "organisation", operation_id = "update_user", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = UpdateUser,
    responses((status = 200, body = User), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[patch("/users/{id}")]
pub async fn update_user(
    state: State,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UpdateUser>,
) -> ApiResult<web::Json<User>> {
    // One's own account is barred here (a password of one's own is changed with the old one,
    // through /me/password), so an admin cannot lock themselves out by a slip of the finger.
    let u = managed_user(&state, &caller, *id, Act::ManageAccounts).await?;
    validate(&*body)?;
    let now = state.clock.now();
    let hash = match &body.password {
        Some(p) => Some(password::hash(p.clone()).await?),
        None => None,
    };
    let ends_sessions = hash.is_some() || body.active == Some(false);
    let reset = hash.is_some();
    let mut am: user::ActiveModel = u.clone().into();
    if let Some(n) = &body.display_name {
        am.display_name = Set(n.trim().to_owned());
    }
    if let Some(a) = body.active {
        am.active = Set(a);
    }
    if let Some(h) = hash {
        am.password_hash = Set(Some(h));
    }
    am.updated_at = Set(now);
    let txn = state.db.begin().await?;
    let u = am.update(&txn).await?;
    if ends_sessions {
        sessions::revoke_all_of_user(&txn, u.id, now).await?;
    }
    if reset {
        // A reset means the account may be in other hands: its phone sign-in goes with its sessions.
        users::unbind_wechat(&txn, u.id).await?;
    }
    txn.commit().await?;
    state.user_changed(u.id);
    audit_user(
        &state,
        &caller,
        "user.update",
        &u,
        json!({ "display_name": body.display_name, "active": body.active, "password_reset": body.password.is_some() }),
    )
    .await?;
    Ok(web::Json(view(&state, u).await?))
}

/// Grants a role on a scope inside a town the caller manages.
#[utoipa::path(tag = "organisation", operation_id = "create_grant", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = CreateGrant,
    responses((status = 201, body = User), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/users/{id}/grants")]
pub async fn create_grant(
    state: State,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<CreateGrant>,
) -> ApiResult<HttpResponse> {
    let u = managed_user(&state, &caller, *id, Act::GrantRoles).await?;
    validate(&*body)?;
    let role: Role = body.role.parse().map_err(|()| ApiError::field("role", "unknown_role", "角色不存在"))?;
    let kind: ScopeKind =
        body.scope_kind.parse().map_err(|()| ApiError::field("scope_kind", "unknown_scope", "范围类型不存在"))?;
    if !role.allowed_scopes().contains(&kind) {
        return Err(ApiError::field("scope_kind", "not_allowed", "该角色不能授予在这种范围上"));
    }
    let managed = managed_towns(&caller, Act::GrantRoles)?;
    let towns = org::town_of_scope(&state.db, kind, body.scope_id).await?;
    if !towns.is_some_and(|t| !t.is_empty() && t.iter().all(|t| managed.contains(t))) {
        return Err(ApiError::field("scope_id", "not_found", "授权范围不存在或不在您的管辖范围内"));
    }
    users::grant(&state.db, u.id, role, kind, body.scope_id, state.clock.now()).await?;
    state.user_changed(u.id);
    audit_user(
        &state,
        &caller,
        "user.grant",
        &u,
        json!({ "role": role.as_str(), "scope_kind": kind.as_str(), "scope_id": body.scope_id }),
    )
    .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(view(&state, u).await?))
}

/// Withdraws a grant.
#[utoipa::path(tag = "organisation", operation_id = "delete_grant", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("grant_id" = Uuid, Path)),
    responses((status = 200, body = User), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem)))]
#[delete("/users/{id}/grants/{grant_id}")]
pub async fn delete_grant(state: State, caller: AuthUser, path: web::Path<(Uuid, Uuid)>) -> ApiResult<web::Json<User>> {
    let (id, grant_id) = path.into_inner();
    let u = managed_user(&state, &caller, id, Act::GrantRoles).await?;
    let res = role_grant::Entity::delete_many()
        .filter(role_grant::Column::Id.eq(grant_id))
        .filter(role_grant::Column::UserId.eq(u.id))
        .exec(&state.db)
        .await?;
    state.user_changed(u.id);
    if res.rows_affected == 0 {
        return Err(ApiError::not_found());
    }
    audit_user(&state, &caller, "user.revoke_grant", &u, json!({ "grant_id": grant_id })).await?;
    Ok(web::Json(view(&state, u).await?))
}

/// Sets the groups (社) a user is responsible for (包社).
#[utoipa::path(tag = "organisation", operation_id = "set_user_groups", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = SetGroups,
    responses((status = 200, body = User), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 422, response = Problem)))]
#[put("/users/{id}/groups")]
pub async fn set_user_groups(
    state: State,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: Json<SetGroups>,
) -> ApiResult<web::Json<User>> {
    let u = managed_user(&state, &caller, *id, Act::ManageAccounts).await?;
    validate(&*body)?;
    let managed = managed_towns(&caller, Act::ManageAccounts)?;
    let mut errors = vec![];
    for (i, g) in body.group_ids.iter().enumerate() {
        let ok = match org::group(&state.db, *g).await? {
            Some(g) => org::village(&state.db, g.village_id)
                .await?
                .is_some_and(|v| managed.contains(&v.town_id) && Some(v.town_id) == u.town_id),
            None => false,
        };
        if !ok {
            errors.push(FieldError::new(format!("group_ids[{i}]"), "not_found", "社不存在或不属于该用户所在的镇"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    group_assignment::Entity::delete_many().filter(group_assignment::Column::UserId.eq(u.id)).exec(&txn).await?;
    let mut ids = body.group_ids.clone();
    ids.sort();
    ids.dedup();
    for g in &ids {
        users::assign_group(&txn, u.id, *g, now).await?;
    }
    txn.commit().await?;
    state.user_changed(u.id);
    // The cadres answering for a group count in coverage (by cadre): its town is read again.
    if let Some(town) = u.town_id {
        state.coverage_inputs.forget_town(town);
    }
    audit_user(&state, &caller, "user.set_groups", &u, json!({ "group_ids": ids })).await?;
    Ok(web::Json(view(&state, u).await?))
}
