//! Supervisions and their findings.

use sea_orm::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder};
use uuid::Uuid;

use super::ByKey;
use super::entity::{supervision, supervision_finding};

pub async fn insert<C: ConnectionTrait>(
    db: &C,
    s: supervision::Model,
    findings: Vec<supervision_finding::Model>,
) -> Result<supervision::Model, DbErr> {
    let saved = supervision::ActiveModel::from(s).insert(db).await?;
    for f in findings {
        supervision_finding::ActiveModel::from(f).insert(db).await?;
    }
    Ok(saved)
}

pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid, towns: &[Uuid]) -> Result<Option<supervision::Model>, DbErr> {
    supervision::Entity::find_by_id(id)
        .filter(supervision::Column::TownId.is_in(towns.iter().copied()))
        .by_key(db)
        .await
}

pub async fn of_month<C: ConnectionTrait>(
    db: &C,
    towns: &[Uuid],
    month: &str,
) -> Result<Vec<supervision::Model>, DbErr> {
    supervision::Entity::find()
        .filter(supervision::Column::TownId.is_in(towns.iter().copied()))
        .filter(supervision::Column::Month.eq(month))
        .order_by_asc(supervision::Column::HeldOn)
        .all(db)
        .await
}

pub async fn findings<C: ConnectionTrait>(
    db: &C,
    supervision_ids: &[Uuid],
) -> Result<Vec<supervision_finding::Model>, DbErr> {
    supervision_finding::Entity::find()
        .filter(supervision_finding::Column::SupervisionId.is_in(supervision_ids.iter().copied()))
        .all(db)
        .await
}
