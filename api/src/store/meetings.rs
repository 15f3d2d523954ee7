//! Meetings' queries.

use sea_orm::prelude::*;
use sea_orm::{ConnectionTrait, QueryFilter};
use uuid::Uuid;

use super::entity::meeting;

/// A meeting of one of `towns`.
pub async fn find_in<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    towns: &std::collections::BTreeSet<Uuid>,
) -> Result<Option<meeting::Model>, DbErr> {
    meeting::Entity::find_by_id(id).filter(meeting::Column::TownId.is_in(towns.iter().copied())).one(db).await
}
