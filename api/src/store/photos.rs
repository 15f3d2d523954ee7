//! Photos: stored once per uploader and content, found by hash, and checked for reuse.

use sea_orm::prelude::*;
use sea_orm::sea_query::{ExprTrait, Query};
use sea_orm::{ConnectionTrait, QuerySelect};
use uuid::Uuid;

use super::entity::{photo, visit, visit_photo};

pub async fn by_uploader_and_hash<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    sha256: &str,
) -> Result<Option<photo::Model>, DbErr> {
    photo::Entity::find()
        .filter(photo::Column::UploadedBy.eq(user))
        .filter(photo::Column::Sha256.eq(sha256))
        .one(db)
        .await
}

pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<photo::Model>, DbErr> {
    photo::Entity::find_by_id(id).one(db).await
}

pub async fn find_many<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<photo::Model>, DbErr> {
    photo::Entity::find().filter(photo::Column::Id.is_in(ids.iter().copied())).all(db).await
}

/// Visits a photo proves.
pub async fn visits_using<C: ConnectionTrait>(db: &C, photo_id: Uuid) -> Result<Vec<Uuid>, DbErr> {
    visit_photo::Entity::find()
        .filter(visit_photo::Column::PhotoId.eq(photo_id))
        .select_only()
        .column(visit_photo::Column::VisitId)
        .into_tuple()
        .all(db)
        .await
}

/// (phash, sha256) of every photo of the town that proves a visit to another household.
///
/// A linear scan over the town's photos, compared in memory: a town has thousands, not millions.
pub async fn fingerprints_elsewhere<C: ConnectionTrait>(
    db: &C,
    town: Uuid,
    household: Uuid,
) -> Result<Vec<(i64, String)>, DbErr> {
    let used_elsewhere = Query::select()
        .column(visit_photo::Column::PhotoId)
        .from(visit_photo::Entity)
        .inner_join(
            visit::Entity,
            Expr::col((visit::Entity, visit::Column::Id)).equals((visit_photo::Entity, visit_photo::Column::VisitId)),
        )
        .and_where(Expr::col((visit::Entity, visit::Column::TownId)).eq(town))
        .and_where(Expr::col((visit::Entity, visit::Column::HouseholdId)).ne(household))
        .take();
    photo::Entity::find()
        .filter(photo::Column::Id.in_subquery(used_elsewhere))
        .select_only()
        .column(photo::Column::Phash)
        .column(photo::Column::Sha256)
        .into_tuple()
        .all(db)
        .await
}

/// Positions in `ids` of photos that do not exist or were uploaded by none of `owners`.
pub async fn not_owned<C: ConnectionTrait>(db: &C, ids: &[Uuid], owners: &[Uuid]) -> Result<Vec<usize>, DbErr> {
    let found = find_many(db, ids).await?;
    Ok(ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !found.iter().any(|p| &p.id == *id && owners.contains(&p.uploaded_by)))
        .map(|(i, _)| i)
        .collect())
}
