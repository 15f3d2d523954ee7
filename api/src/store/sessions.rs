//! Refresh-token families: rotation on every use, and revocation of the whole family on reuse.

use chrono::{DateTime, Duration, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use uuid::Uuid;

use super::entity::refresh_token;

pub async fn issue<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    family_id: Uuid,
    token_hash: String,
    ttl_days: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        family_id: Set(family_id),
        token_hash: Set(token_hash),
        expires_at: Set(now + Duration::days(ttl_days)),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn by_hash<C: ConnectionTrait>(db: &C, hash: &str) -> Result<Option<refresh_token::Model>, DbErr> {
    refresh_token::Entity::find().filter(refresh_token::Column::TokenHash.eq(hash)).one(db).await
}

/// Marks a token used, only if it was not already: `false` means someone used it first.
pub async fn mark_used<C: ConnectionTrait>(db: &C, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let res = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn revoke_family<C: ConnectionTrait>(db: &C, family_id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

pub async fn revoke_all_of_user<C: ConnectionTrait>(db: &C, user_id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
