//! Feedback lists: drafts kept per village, kind and period; frozen items once submitted.

use chrono::{DateTime, Utc};
use domain::lists::{ListKind, Period};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder};
use uuid::Uuid;

use super::entity::{feedback_list, feedback_list_comment, feedback_list_item, problem};

pub async fn find<C: ConnectionTrait>(
    db: &C,
    village: Uuid,
    kind: ListKind,
    period: &str,
) -> Result<Option<feedback_list::Model>, DbErr> {
    feedback_list::Entity::find()
        .filter(feedback_list::Column::VillageId.eq(village))
        .filter(feedback_list::Column::Kind.eq(kind.as_str()))
        .filter(feedback_list::Column::Period.eq(period))
        .one(db)
        .await
}

pub async fn of_towns<C: ConnectionTrait>(
    db: &C,
    towns: &[Uuid],
    kind: ListKind,
    period: &str,
) -> Result<Vec<feedback_list::Model>, DbErr> {
    feedback_list::Entity::find()
        .filter(feedback_list::Column::TownId.is_in(towns.iter().copied()))
        .filter(feedback_list::Column::Kind.eq(kind.as_str()))
        .filter(feedback_list::Column::Period.eq(period))
        .all(db)
        .await
}

pub async fn get_or_create<C: ConnectionTrait>(
    db: &C,
    town: Uuid,
    village: Uuid,
    kind: ListKind,
    period: &str,
    now: DateTime<Utc>,
) -> Result<feedback_list::Model, DbErr> {
    if let Some(l) = find(db, village, kind, period).await? {
        return Ok(l);
    }
    feedback_list::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(town),
        village_id: Set(village),
        kind: Set(kind.as_str().to_owned()),
        period: Set(period.to_owned()),
        remarks: Set(String::new()),
        item_remarks: Set("{}".into()),
        submitted_by: Set(None),
        submitted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

/// The problems a village's list for the period is drafted from: found in the period, routine
/// sources for the routine list, cross-check findings for the cross-check list.
pub async fn problems_for<C: ConnectionTrait>(
    db: &C,
    village: Uuid,
    kind: ListKind,
    period: Period,
) -> Result<Vec<problem::Model>, DbErr> {
    let (from, to) = period.bounds();
    let q = problem::Entity::find()
        .filter(problem::Column::VillageId.eq(village))
        .filter(problem::Column::FoundAt.gte(from))
        .filter(problem::Column::FoundAt.lt(to));
    let q = match kind {
        ListKind::Routine => q.filter(problem::Column::Source.ne("cross_check")),
        ListKind::CrossCheck => q.filter(problem::Column::Source.eq("cross_check")),
    };
    q.order_by_asc(problem::Column::FoundAt).order_by_asc(problem::Column::Id).all(db).await
}

pub async fn items<C: ConnectionTrait>(db: &C, list: Uuid) -> Result<Vec<feedback_list_item::Model>, DbErr> {
    feedback_list_item::Entity::find()
        .filter(feedback_list_item::Column::ListId.eq(list))
        .order_by_asc(feedback_list_item::Column::Position)
        .all(db)
        .await
}

pub async fn save_draft<C: ConnectionTrait>(
    db: &C,
    list: feedback_list::Model,
    remarks: String,
    item_remarks: String,
    now: DateTime<Utc>,
) -> Result<feedback_list::Model, DbErr> {
    let mut am: feedback_list::ActiveModel = list.into();
    am.remarks = Set(remarks);
    am.item_remarks = Set(item_remarks);
    am.updated_at = Set(now);
    am.update(db).await
}

/// Freezes the list: its items as they stand, who submitted it and when.
pub async fn submit<C: ConnectionTrait>(
    db: &C,
    list: feedback_list::Model,
    items: &[(Uuid, String)],
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<feedback_list::Model, DbErr> {
    let id = list.id;
    for (i, (problem_id, remark)) in items.iter().enumerate() {
        feedback_list_item::ActiveModel {
            list_id: Set(id),
            problem_id: Set(*problem_id),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
            remark: Set(remark.clone()),
        }
        .insert(db)
        .await?;
    }
    let mut am: feedback_list::ActiveModel = list.into();
    am.submitted_by = Set(Some(by));
    am.submitted_at = Set(Some(now));
    am.updated_at = Set(now);
    am.update(db).await
}

/// Adds the office's comment beside a list.
pub async fn add_comment<C: ConnectionTrait>(
    db: &C,
    list: Uuid,
    author: Uuid,
    body: String,
    now: DateTime<Utc>,
) -> Result<feedback_list_comment::Model, DbErr> {
    feedback_list_comment::ActiveModel {
        id: Set(Uuid::now_v7()),
        list_id: Set(list),
        author_id: Set(author),
        body: Set(body),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

/// The comments beside a list, oldest first.
pub async fn comments<C: ConnectionTrait>(db: &C, list: Uuid) -> Result<Vec<feedback_list_comment::Model>, DbErr> {
    feedback_list_comment::Entity::find()
        .filter(feedback_list_comment::Column::ListId.eq(list))
        .order_by_asc(feedback_list_comment::Column::CreatedAt)
        .all(db)
        .await
}
