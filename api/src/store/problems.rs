//! Problems: recorded with their source and evidence; scoped like the households they concern.

use chrono::{DateTime, Utc};
use domain::org::{Access, Act};
use domain::problem::{Category, Source, Status};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, Condition, ConnectionTrait, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::entity::problem;
use super::scope::{Located, condition};

fn located() -> Located<problem::Column> {
    Located {
        id: problem::Column::Id,
        town: problem::Column::TownId,
        village: problem::Column::VillageId,
        group: Some(problem::Column::GroupId),
        household: Some(problem::Column::HouseholdId),
    }
}

pub fn scope(access: &Access, act: Act) -> Condition {
    Condition::any().add(condition(access, act, &located())).add(problem::Column::FoundBy.eq(access.user_id))
}

pub struct NewProblem {
    pub town_id: Uuid,
    pub village_id: Uuid,
    pub group_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    pub source: Source,
    pub category: Category,
    pub description: String,
    pub status: Status,
    pub found_by: Uuid,
    pub found_at: DateTime<Utc>,
    pub visit_id: Option<Uuid>,
    pub evidence_photo_ids: Vec<Uuid>,
}

pub async fn insert<C: ConnectionTrait>(db: &C, p: NewProblem, now: DateTime<Utc>) -> Result<problem::Model, DbErr> {
    problem::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(p.town_id),
        village_id: Set(p.village_id),
        group_id: Set(p.group_id),
        household_id: Set(p.household_id),
        source: Set(p.source.as_str().to_owned()),
        category: Set(p.category.as_str().to_owned()),
        description: Set(p.description),
        status: Set(p.status.as_str().to_owned()),
        found_by: Set(p.found_by),
        found_at: Set(p.found_at),
        visit_id: Set(p.visit_id),
        evidence_photo_ids: Set(serde_json::to_string(&p.evidence_photo_ids).unwrap_or_else(|_| "[]".into())),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn of_visits<C: ConnectionTrait>(db: &C, visit_ids: &[Uuid]) -> Result<Vec<problem::Model>, DbErr> {
    problem::Entity::find()
        .filter(problem::Column::VisitId.is_in(visit_ids.iter().copied()))
        .order_by_asc(problem::Column::CreatedAt)
        .all(db)
        .await
}

pub async fn find_scoped<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    id: Uuid,
) -> Result<Option<problem::Model>, DbErr> {
    problem::Entity::find_by_id(id).filter(scope(access, Act::ReadHousehold)).one(db).await
}

#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub village_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    pub source: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub visit_id: Option<Uuid>,
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    f: &ListFilter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<problem::Model>, u64), DbErr> {
    let mut q = problem::Entity::find().filter(scope(access, Act::ReadHousehold));
    if let Some(v) = f.village_id {
        q = q.filter(problem::Column::VillageId.eq(v));
    }
    if let Some(h) = f.household_id {
        q = q.filter(problem::Column::HouseholdId.eq(h));
    }
    if let Some(s) = &f.source {
        q = q.filter(problem::Column::Source.eq(s.clone()));
    }
    if let Some(c) = &f.category {
        q = q.filter(problem::Column::Category.eq(c.clone()));
    }
    if let Some(s) = &f.status {
        q = q.filter(problem::Column::Status.eq(s.clone()));
    }
    if let Some(v) = f.visit_id {
        q = q.filter(problem::Column::VisitId.eq(v));
    }
    let total = q.clone().count(db).await?;
    let rows = q
        .order_by_desc(problem::Column::FoundAt)
        .order_by_desc(problem::Column::Id)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}
