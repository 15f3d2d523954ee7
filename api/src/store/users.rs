//! Users, their role grants and group assignments, and the computation of a caller's reach.

use chrono::{DateTime, Utc};
use domain::org::{Access, Grant, Place, Role, ScopeKind};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::ByKey;
use super::entity::{group_assignment, household_cadre, refresh_token, role_grant, user, village_group};
use super::org;

pub async fn by_username<C: ConnectionTrait>(db: &C, username: &str) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find().filter(user::Column::Username.eq(username.trim().to_lowercase())).one(db).await
}

pub async fn by_id<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).by_key(db).await
}

/// Display names of these users, in one query.
pub async fn names<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<std::collections::HashMap<Uuid, String>, DbErr> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        out.extend(
            user::Entity::find()
                .filter(user::Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?
                .into_iter()
                .map(|u| (u.id, u.display_name)),
        );
    }
    Ok(out)
}

/// The user behind an access token, if still active and the token's session not revoked.
pub async fn active_session_user<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    family: Option<Uuid>,
) -> Result<Option<user::Model>, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    // One statement on every authenticated request: the account, active, and its token family not
    // revoked.
    let mut q = user::Entity::find_by_id(id).filter(user::Column::Active.eq(true));
    if let Some(family) = family {
        let revoked = Query::select()
            .expr(Expr::val(1))
            .from(refresh_token::Entity)
            .and_where(Expr::col((refresh_token::Entity, refresh_token::Column::FamilyId)).eq(family))
            .and_where(Expr::col((refresh_token::Entity, refresh_token::Column::RevokedAt)).is_not_null())
            .take();
        q = q.filter(Expr::exists(revoked).not());
    }
    q.by_key(db).await
}

pub async fn create<C: ConnectionTrait>(
    db: &C,
    town_id: Option<Uuid>,
    username: &str,
    display_name: &str,
    password_hash: Option<String>,
    now: DateTime<Utc>,
) -> Result<user::Model, DbErr> {
    user::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(town_id),
        username: Set(username.trim().to_lowercase()),
        display_name: Set(display_name.trim().to_owned()),
        password_hash: Set(password_hash),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn grant<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    role: Role,
    scope_kind: ScopeKind,
    scope_id: Uuid,
    now: DateTime<Utc>,
) -> Result<role_grant::Model, DbErr> {
    role_grant::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        role: Set(role.as_str().to_owned()),
        scope_kind: Set(scope_kind.as_str().to_owned()),
        scope_id: Set(scope_id),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn assign_group<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    group_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    group_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        group_id: Set(group_id),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn grants_of<C: ConnectionTrait>(db: &C, user_ids: &[Uuid]) -> Result<Vec<role_grant::Model>, DbErr> {
    role_grant::Entity::find()
        .filter(role_grant::Column::UserId.is_in(user_ids.iter().copied()))
        .order_by_asc(role_grant::Column::CreatedAt)
        .all(db)
        .await
}

pub async fn groups_of<C: ConnectionTrait>(db: &C, user_ids: &[Uuid]) -> Result<Vec<group_assignment::Model>, DbErr> {
    group_assignment::Entity::find()
        .filter(group_assignment::Column::UserId.is_in(user_ids.iter().copied()))
        .all(db)
        .await
}

/// Resolves grants to domain grants; a grant whose place no longer exists is skipped.
pub async fn resolve_grants<C: ConnectionTrait>(db: &C, rows: &[role_grant::Model]) -> Result<Vec<Grant>, DbErr> {
    let places =
        org::resolve_places(db, rows.iter().filter_map(|g| Some((g.scope_kind.parse().ok()?, g.scope_id)))).await?;
    Ok(rows
        .iter()
        .filter_map(|g| {
            let role: Role = g.role.parse().ok()?;
            let kind: ScopeKind = g.scope_kind.parse().ok()?;
            let place: Place = places.get(&(kind, g.scope_id))?.clone();
            Some(Grant { role, place })
        })
        .collect())
}

/// Everything a user may reach: their grants resolved to places, the groups they answer for, and
/// the households linked to them.
/// What the user may reach at `now`: grants, groups, linked households, and this quarter's
/// cross spot-check sample.
pub async fn load_access<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Access, DbErr> {
    let rows = grants_of(db, &[user_id]).await?;
    let grants = resolve_grants(db, &rows).await?;
    let group_ids: Vec<Uuid> = groups_of(db, &[user_id]).await?.into_iter().map(|a| a.group_id).collect();
    let assigned = if group_ids.is_empty() {
        vec![]
    } else {
        village_group::Entity::find()
            .filter(village_group::Column::Id.is_in(group_ids))
            .select_only()
            .column(village_group::Column::Id)
            .column(village_group::Column::VillageId)
            .into_tuple::<(Uuid, Uuid)>()
            .all(db)
            .await?
    };
    let linked = household_cadre::Entity::find()
        .filter(household_cadre::Column::UserId.eq(user_id))
        .select_only()
        .column(household_cadre::Column::HouseholdId)
        .into_tuple::<Uuid>()
        .all(db)
        .await?;
    let quarter = domain::Quarter::containing(now).to_string();
    let sample = super::cross_checks::sample_of_checker(db, user_id, &quarter).await?;
    Ok(Access::build(user_id, grants, assigned).with_linked(linked).with_sample(sample))
}

pub async fn list_in_towns<C: ConnectionTrait>(
    db: &C,
    towns: &[Uuid],
    page: u64,
    per_page: u64,
) -> Result<(Vec<user::Model>, u64), DbErr> {
    let q = user::Entity::find().filter(user::Column::TownId.is_in(towns.iter().copied()));
    super::paged(db, q.order_by_asc(user::Column::Username), page, per_page).await
}

/// Active users holding `role` on any of these scopes.
pub async fn with_role<C: ConnectionTrait>(db: &C, role: Role, scopes: &[Uuid]) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    let rows = role_grant::Entity::find()
        .filter(role_grant::Column::Role.eq(role.as_str()))
        .filter(role_grant::Column::ScopeId.is_in(scopes.iter().copied()))
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|g| g.user_id).collect();
    let active: std::collections::HashSet<Uuid> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    Ok(rows.into_iter().filter(|g| active.contains(&g.user_id)).map(|g| (g.user_id, g.scope_id)).collect())
}

/// Removes the account's WeChat binding (after a password reset, or at the user's own request).
pub async fn unbind_wechat<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<u64, DbErr> {
    use super::entity::wechat_binding;
    Ok(wechat_binding::Entity::delete_many()
        .filter(wechat_binding::Column::UserId.eq(user_id))
        .exec(db)
        .await?
        .rows_affected)
}
