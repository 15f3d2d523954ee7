//! The inbox: delivery keyed by the reminder's key, so a reminder is delivered once.

use chrono::{DateTime, Utc};
use domain::reminders::Reminder;
use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder};
use uuid::Uuid;

use super::entity::notification;

/// Delivers a reminder unless its key was delivered before. `true` when it was new.
pub async fn deliver<C: ConnectionTrait>(db: &C, r: &Reminder, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let row = notification::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(r.user),
        kind: Set(r.kind.as_str().to_owned()),
        dedup_key: Set(r.key.clone()),
        title: Set(r.title.clone()),
        body: Set(r.body.clone()),
        created_at: Set(now),
        read_at: Set(None),
    };
    let inserted = notification::Entity::insert(row)
        .on_conflict(OnConflict::column(notification::Column::DedupKey).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    unread_only: bool,
    page: u64,
    per_page: u64,
) -> Result<(Vec<notification::Model>, u64), DbErr> {
    let mut q = notification::Entity::find().filter(notification::Column::UserId.eq(user));
    if unread_only {
        q = q.filter(notification::Column::ReadAt.is_null());
    }
    super::paged(
        db,
        q.order_by_desc(notification::Column::CreatedAt).order_by_desc(notification::Column::Id),
        page,
        per_page,
    )
    .await
}

pub async fn unread<C: ConnectionTrait>(db: &C, user: Uuid) -> Result<u64, DbErr> {
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(user))
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await
}

/// Marks one (or, with `None`, all) of the user's notifications read. Returns how many changed.
pub async fn mark_read<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut q = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now))
        .filter(notification::Column::UserId.eq(user))
        .filter(notification::Column::ReadAt.is_null());
    if let Some(id) = id {
        q = q.filter(notification::Column::Id.eq(id));
    }
    Ok(q.exec(db).await?.rows_affected)
}

pub async fn exists<C: ConnectionTrait>(db: &C, user: Uuid, id: Uuid) -> Result<bool, DbErr> {
    Ok(notification::Entity::find_by_id(id).filter(notification::Column::UserId.eq(user)).one(db).await?.is_some())
}
