//! Towns, villages, groups, work teams and departments.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::calendar::LiveFrom;
use domain::org::{Place, ScopeKind};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder};
use uuid::Uuid;

use super::ByKey;
use super::entity::{department, district, town, village, village_group, work_team};

/// Resolves (scope kind, id) pairs to places, with a query per kind present.
pub async fn resolve_places<C: ConnectionTrait>(
    db: &C,
    scopes: impl Iterator<Item = (ScopeKind, Uuid)>,
) -> Result<HashMap<(ScopeKind, Uuid), Place>, DbErr> {
    let mut by_kind: HashMap<ScopeKind, Vec<Uuid>> = HashMap::new();
    for (k, id) in scopes {
        by_kind.entry(k).or_default().push(id);
    }
    let mut out = HashMap::new();
    for (kind, ids) in by_kind {
        match kind {
            ScopeKind::District => {
                for id in ids {
                    let towns = town::Entity::find().filter(town::Column::DistrictId.eq(id)).all(db).await?;
                    out.insert((kind, id), Place::District { towns: towns.into_iter().map(|t| t.id).collect() });
                }
            }
            ScopeKind::Town => {
                for t in town::Entity::find().filter(town::Column::Id.is_in(ids)).all(db).await? {
                    out.insert((kind, t.id), Place::Town { town: t.id });
                }
            }
            ScopeKind::Village => {
                for v in village::Entity::find().filter(village::Column::Id.is_in(ids)).all(db).await? {
                    out.insert((kind, v.id), Place::Village { town: v.town_id, village: v.id });
                }
            }
            ScopeKind::WorkTeam => {
                for t in work_team::Entity::find().filter(work_team::Column::Id.is_in(ids)).all(db).await? {
                    out.insert((kind, t.id), Place::WorkTeam { town: t.town_id, village: t.village_id, team: t.id });
                }
            }
            ScopeKind::Department => {
                for d in department::Entity::find().filter(department::Column::Id.is_in(ids)).all(db).await? {
                    out.insert((kind, d.id), Place::Department { town: d.town_id, department: d.id });
                }
            }
        }
    }
    Ok(out)
}

/// The town a scope object belongs to (for checking that a grant stays inside the admin's town).
pub async fn town_of_scope<C: ConnectionTrait>(db: &C, kind: ScopeKind, id: Uuid) -> Result<Option<Vec<Uuid>>, DbErr> {
    let places = resolve_places(db, std::iter::once((kind, id))).await?;
    Ok(places.get(&(kind, id)).map(|p| match p {
        Place::District { towns } => towns.clone(),
        Place::Town { town }
        | Place::Village { town, .. }
        | Place::WorkTeam { town, .. }
        | Place::Department { town, .. } => vec![*town],
    }))
}

pub async fn find_or_create_district<C: ConnectionTrait>(
    db: &C,
    name: &str,
    now: DateTime<Utc>,
) -> Result<district::Model, DbErr> {
    if let Some(d) = district::Entity::find().filter(district::Column::Name.eq(name)).one(db).await? {
        return Ok(d);
    }
    district::ActiveModel { id: Set(Uuid::now_v7()), name: Set(name.to_owned()), created_at: Set(now) }.insert(db).await
}

pub async fn town_by_name<C: ConnectionTrait>(db: &C, name: &str) -> Result<Option<town::Model>, DbErr> {
    town::Entity::find().filter(town::Column::Name.eq(name)).one(db).await
}

pub async fn create_town<C: ConnectionTrait>(
    db: &C,
    district_id: Option<Uuid>,
    name: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<town::Model, DbErr> {
    town::ActiveModel {
        id: Set(Uuid::now_v7()),
        district_id: Set(district_id),
        name: Set(name.to_owned()),
        code: Set(code.to_owned()),
        created_at: Set(now),
        // A new town starts today: nothing of the days before is owed.
        live_from: Set(Some(domain::calendar::local_date(now))),
    }
    .insert(db)
    .await
}

/// The town's go-live day; a town made before the day was kept counts from the day it was made.
pub fn live_of(t: &town::Model) -> LiveFrom {
    LiveFrom(t.live_from.unwrap_or_else(|| domain::calendar::local_date(t.created_at)))
}

/// The go-live day of `town` (an unknown town owes from the mechanism's start).
pub async fn live_from<C: ConnectionTrait>(db: &C, town: Uuid) -> Result<LiveFrom, DbErr> {
    Ok(town::Entity::find_by_id(town)
        .one(db)
        .await?
        .map_or_else(|| LiveFrom(domain::calendar::mechanism_start()), |t| live_of(&t)))
}

/// The go-live days of `towns`.
pub async fn lives<C: ConnectionTrait>(db: &C, towns: &[Uuid]) -> Result<HashMap<Uuid, LiveFrom>, DbErr> {
    Ok(self::towns(db, towns).await?.iter().map(|t| (t.id, live_of(t))).collect())
}

/// Sets the town's go-live day.
pub async fn set_live_from<C: ConnectionTrait>(db: &C, town: Uuid, day: NaiveDate) -> Result<(), DbErr> {
    town::Entity::update_many()
        .col_expr(town::Column::LiveFrom, sea_orm::sea_query::Expr::value(day))
        .filter(town::Column::Id.eq(town))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn towns<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<town::Model>, DbErr> {
    town::Entity::find()
        .filter(town::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(town::Column::Name)
        .all(db)
        .await
}

pub async fn create_village<C: ConnectionTrait>(
    db: &C,
    town_id: Uuid,
    name: &str,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<village::Model, DbErr> {
    village::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(town_id),
        name: Set(name.to_owned()),
        kind: Set(kind.to_owned()),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn villages<C: ConnectionTrait>(db: &C, towns: &[Uuid]) -> Result<Vec<village::Model>, DbErr> {
    village::Entity::find()
        .filter(village::Column::TownId.is_in(towns.iter().copied()))
        .order_by_asc(village::Column::Name)
        .all(db)
        .await
}

/// The names of these villages and of their groups, for lists that show where a record is.
pub async fn place_names<C: ConnectionTrait>(
    db: &C,
    villages: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, String>, DbErr> {
    let mut names: std::collections::HashMap<Uuid, String> = village::Entity::find()
        .filter(village::Column::Id.is_in(villages.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v.name))
        .collect();
    names.extend(groups(db, villages).await?.into_iter().map(|g| (g.id, g.name)));
    Ok(names)
}

pub async fn village<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<village::Model>, DbErr> {
    village::Entity::find_by_id(id).by_key(db).await
}

pub async fn create_group<C: ConnectionTrait>(
    db: &C,
    village_id: Uuid,
    name: &str,
    now: DateTime<Utc>,
) -> Result<village_group::Model, DbErr> {
    village_group::ActiveModel {
        id: Set(Uuid::now_v7()),
        village_id: Set(village_id),
        name: Set(name.to_owned()),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn groups<C: ConnectionTrait>(db: &C, villages: &[Uuid]) -> Result<Vec<village_group::Model>, DbErr> {
    village_group::Entity::find()
        .filter(village_group::Column::VillageId.is_in(villages.iter().copied()))
        .order_by_asc(village_group::Column::Name)
        .all(db)
        .await
}

pub async fn group<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<village_group::Model>, DbErr> {
    village_group::Entity::find_by_id(id).by_key(db).await
}

pub async fn create_work_team<C: ConnectionTrait>(
    db: &C,
    town_id: Uuid,
    village_id: Uuid,
    name: &str,
    now: DateTime<Utc>,
) -> Result<work_team::Model, DbErr> {
    work_team::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(town_id),
        village_id: Set(village_id),
        name: Set(name.to_owned()),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn work_teams<C: ConnectionTrait>(db: &C, towns: &[Uuid]) -> Result<Vec<work_team::Model>, DbErr> {
    work_team::Entity::find()
        .filter(work_team::Column::TownId.is_in(towns.iter().copied()))
        .order_by_asc(work_team::Column::Name)
        .all(db)
        .await
}

pub async fn create_department<C: ConnectionTrait>(
    db: &C,
    town_id: Uuid,
    name: &str,
    duties: &domain::screening::DepartmentDuties,
    now: DateTime<Utc>,
) -> Result<department::Model, DbErr> {
    department::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(town_id),
        name: Set(name.to_owned()),
        created_at: Set(now),
        owes_archives: Set(duties.owes_archives),
        findings: Set(duties.findings_text()),
    }
    .insert(db)
    .await
}

pub async fn departments<C: ConnectionTrait>(db: &C, towns: &[Uuid]) -> Result<Vec<department::Model>, DbErr> {
    department::Entity::find()
        .filter(department::Column::TownId.is_in(towns.iter().copied()))
        .order_by_asc(department::Column::Name)
        .all(db)
        .await
}
