//! Stored responses of idempotent writes, keyed by (caller, `Idempotency-Key`).
//!
//! The key row is inserted in the same transaction as the write it guards: a concurrent repeat
//! waits on the key's unique index until the first commits, then replays its stored answer. So a
//! repeated submission can never create a second record, and nothing is answered before it is stored.

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use uuid::Uuid;

use super::ByKey;
use super::entity::idempotency_key;

pub enum Begin {
    /// First time this key is seen: go on, and `finish` in the same transaction.
    Proceed,
    /// Seen before with the same request: here is the stored answer.
    Replay { status: u16, body: String },
    /// Seen before with another request body.
    Mismatch,
    /// Seen before with the same request, and no answer stored: still being processed (only
    /// possible outside a transaction), or committed by a write that stores no answer because its
    /// record is found again (`routes::common::idempotency_claim`).
    InProgress,
}

pub async fn begin<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Result<Begin, DbErr> {
    let row = idempotency_key::ActiveModel {
        user_id: Set(user_id),
        key: Set(key.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        status_code: Set(None),
        response_body: Set(None),
        created_at: Set(now),
    };
    let inserted = idempotency_key::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([idempotency_key::Column::UserId, idempotency_key::Column::Key])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    if inserted == 1 {
        return Ok(Begin::Proceed);
    }
    let Some(existing) = idempotency_key::Entity::find_by_id((user_id, key.to_owned())).by_key(db).await? else {
        return Ok(Begin::InProgress);
    };
    if existing.request_hash != request_hash {
        return Ok(Begin::Mismatch);
    }
    match (existing.status_code, existing.response_body) {
        (Some(status), Some(body)) => Ok(Begin::Replay { status: u16::try_from(status).unwrap_or(200), body }),
        _ => Ok(Begin::InProgress),
    }
}

pub async fn finish<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), DbErr> {
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::StatusCode, sea_orm::sea_query::Expr::value(i32::from(status)))
        .col_expr(idempotency_key::Column::ResponseBody, sea_orm::sea_query::Expr::value(body.to_owned()))
        .filter(idempotency_key::Column::UserId.eq(user_id))
        .filter(idempotency_key::Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets the keys stored before `before` (the answers they replay), so the table does not grow
/// for ever. Records a phone creates stay unique by their client id after their key is gone.
pub async fn purge_before<C: ConnectionTrait>(db: &C, before: chrono::DateTime<chrono::Utc>) -> Result<u64, DbErr> {
    Ok(idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
