//! Screening uploads and joint verification tasks.

use chrono::{DateTime, NaiveDate, Utc};
use domain::org::{Access, Act};
use sea_orm::prelude::*;
use sea_orm::{Condition, ConnectionTrait, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::entity::{screening, screening_task};
use super::scope::{Located, condition};

pub async fn by_file<C: ConnectionTrait>(
    db: &C,
    department: Uuid,
    sha256: &str,
) -> Result<Option<screening::Model>, DbErr> {
    screening::Entity::find()
        .filter(screening::Column::DepartmentId.eq(department))
        .filter(screening::Column::FileSha256.eq(sha256))
        .one(db)
        .await
}

pub async fn insert<C: ConnectionTrait>(db: &C, m: screening::Model) -> Result<screening::Model, DbErr> {
    screening::ActiveModel::from(m).insert(db).await
}

/// The (household, finding) pairs a department already has tasks for in a month: one read.
pub async fn tasked<C: ConnectionTrait>(
    db: &C,
    department: Uuid,
    month: &str,
) -> Result<std::collections::HashSet<(Uuid, String)>, DbErr> {
    Ok(screening_task::Entity::find()
        .filter(screening_task::Column::DepartmentId.eq(department))
        .filter(screening_task::Column::Month.eq(month))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.household_id, t.finding))
        .collect())
}

pub async fn insert_task<C: ConnectionTrait>(db: &C, m: screening_task::Model) -> Result<screening_task::Model, DbErr> {
    screening_task::ActiveModel::from(m).insert(db).await
}

fn located() -> Located<screening_task::Column> {
    Located {
        id: screening_task::Column::Id,
        town: screening_task::Column::TownId,
        village: screening_task::Column::VillageId,
        group: Some(screening_task::Column::GroupId),
        household: Some(screening_task::Column::HouseholdId),
    }
}

/// Tasks the caller may see: located within reach, or their department's.
pub fn scope(access: &Access, departments: &[Uuid]) -> Condition {
    Condition::any()
        .add(condition(access, Act::ReadHousehold, &located()))
        .add(screening_task::Column::DepartmentId.is_in(departments.iter().copied()))
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    cond: Condition,
    status: Option<&str>,
    village: Option<Uuid>,
) -> Result<Vec<screening_task::Model>, DbErr> {
    let mut q = screening_task::Entity::find().filter(cond);
    if let Some(s) = status {
        q = q.filter(screening_task::Column::Status.eq(s));
    }
    if let Some(v) = village {
        q = q.filter(screening_task::Column::VillageId.eq(v));
    }
    q.order_by_asc(screening_task::Column::DueOn).order_by_asc(screening_task::Column::Id).limit(1000).all(db).await
}

/// Open tasks on a household, optionally only a set of departments'.
pub async fn open_for_household<C: ConnectionTrait>(
    db: &C,
    household: Uuid,
    departments: Option<&[Uuid]>,
) -> Result<Vec<screening_task::Model>, DbErr> {
    let mut q = screening_task::Entity::find()
        .filter(screening_task::Column::HouseholdId.eq(household))
        .filter(screening_task::Column::Status.eq("open"));
    if let Some(d) = departments {
        q = q.filter(screening_task::Column::DepartmentId.is_in(d.iter().copied()));
    }
    q.all(db).await
}

/// A joint verification visit settles the household's open tasks.
pub async fn settle<C: ConnectionTrait>(
    db: &C,
    household: Uuid,
    visit: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let res = screening_task::Entity::update_many()
        .col_expr(screening_task::Column::Status, Expr::value("done"))
        .col_expr(screening_task::Column::VisitId, Expr::value(visit))
        .col_expr(screening_task::Column::DoneAt, Expr::value(now))
        .filter(screening_task::Column::HouseholdId.eq(household))
        .filter(screening_task::Column::Status.eq("open"))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

pub fn overdue(task: &screening_task::Model, today: NaiveDate) -> bool {
    task.status == "open" && today > task.due_on
}

/// Screening uploads of whole towns and of single departments, newest first, optionally of one month.
pub async fn uploads<C: ConnectionTrait>(
    db: &C,
    towns: &[Uuid],
    departments: &[Uuid],
    month: Option<&str>,
) -> Result<Vec<screening::Model>, DbErr> {
    let reach = Condition::any()
        .add(screening::Column::TownId.is_in(towns.iter().copied()))
        .add(screening::Column::DepartmentId.is_in(departments.iter().copied()));
    let mut q = screening::Entity::find().filter(reach);
    if let Some(m) = month {
        q = q.filter(screening::Column::Month.eq(m));
    }
    q.order_by_desc(screening::Column::CreatedAt).limit(500).all(db).await
}
