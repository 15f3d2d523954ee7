//! Photos: stored once per uploader and content, found by hash, and checked for reuse.

use sea_orm::prelude::*;
use sea_orm::sea_query::{ExprTrait, Query, UnionType};
use sea_orm::{ConnectionTrait, QuerySelect};
use uuid::Uuid;

use super::ByKey;
use super::entity::{photo, photo_band, visit, visit_photo};

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
    photo::Entity::find_by_id(id).by_key(db).await
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

/// Writes the bands of a photo's perceptual hash (the reused-photo index).
pub async fn index_bands<C: ConnectionTrait>(db: &C, photo: Uuid, town: Uuid, phash: i64) -> Result<(), DbErr> {
    let rows =
        domain::phash::bands(phash as u64).into_iter().enumerate().map(|(band, value)| photo_band::ActiveModel {
            photo_id: sea_orm::ActiveValue::Set(photo),
            town_id: sea_orm::ActiveValue::Set(town),
            band: sea_orm::ActiveValue::Set(band as i32),
            value: sea_orm::ActiveValue::Set(i32::from(value)),
        });
    photo_band::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

/// Whether `photo`, or a photo of the town that is the same picture (the same bytes, or a perceptual
/// hash within `max_distance` bits), proves a visit to another household. Looked up through the
/// band index (`domain::phash`): a few index probes and a handful of candidates, whatever the
/// number of photos.
pub async fn reused_elsewhere<C: ConnectionTrait>(
    db: &C,
    town: Uuid,
    household: Uuid,
    photo: &photo::Model,
    max_distance: u32,
) -> Result<bool, DbErr> {
    let (sha256, phash) = (photo.sha256.as_str(), photo.phash);
    if max_distance > domain::phash::MAX_INDEXED_DISTANCE {
        let all = fingerprints_elsewhere(db, town, household).await?;
        return Ok(all
            .iter()
            .any(|(h, sha)| sha == sha256 || domain::phash::distance(*h as u64, phash as u64) <= max_distance));
    }
    // Per candidate photo: its visit links by `visit_photos (photo_id)`, each link's visit by its
    // key. Nested so that no planner can start from the town's visits (SQLite did, without
    // statistics: every visit of the town for every photo of every visit). The `IN (…)` this
    // replaces read all the town's visit photos for each photo.
    let used_elsewhere = || {
        let elsewhere = Query::select()
            .expr(Expr::val(1))
            .from(visit::Entity)
            .and_where(
                Expr::col((visit::Entity, visit::Column::Id))
                    .equals((visit_photo::Entity, visit_photo::Column::VisitId)),
            )
            .and_where(Expr::col((visit::Entity, visit::Column::TownId)).eq(town))
            .and_where(Expr::col((visit::Entity, visit::Column::HouseholdId)).ne(household))
            .take();
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(visit_photo::Entity)
                .and_where(
                    Expr::col((visit_photo::Entity, visit_photo::Column::PhotoId))
                        .equals((photo::Entity, photo::Column::Id)),
                )
                .and_where(Expr::exists(elsewhere))
                .take(),
        )
    };
    let mut by_band: std::collections::BTreeMap<u8, Vec<i32>> = std::collections::BTreeMap::new();
    for (band, value) in domain::phash::probes(phash as u64, max_distance) {
        by_band.entry(band).or_default().push(i32::from(value));
    }
    // A range of the (town, band, value) index per band, one after another: as one `OR` of the
    // bands, PostgreSQL read every band row of the town and filtered them (`bench/RESULTS.md`,
    // session 10).
    let mut candidates: Option<sea_orm::sea_query::SelectStatement> = None;
    for (band, values) in by_band {
        let range = Query::select()
            .column(photo_band::Column::PhotoId)
            .from(photo_band::Entity)
            .and_where(photo_band::Column::TownId.eq(town))
            .and_where(photo_band::Column::Band.eq(i32::from(band)))
            .and_where(photo_band::Column::Value.is_in(values))
            .take();
        match &mut candidates {
            None => candidates = Some(range),
            Some(c) => {
                c.union(UnionType::All, range);
            }
        }
    }
    // The same bytes, and photos near by hash, in one statement (one round trip inside a visit's
    // transaction); each branch is planned on its own index.
    let mut elsewhere = Query::select()
        .column(photo::Column::Phash)
        .expr(Expr::val(1))
        .from(photo::Entity)
        .and_where(photo::Column::TownId.eq(town))
        .and_where(photo::Column::Sha256.eq(sha256))
        .and_where(used_elsewhere())
        .take();
    if let Some(candidates) = candidates {
        elsewhere.union(
            UnionType::All,
            Query::select()
                .column(photo::Column::Phash)
                .expr(Expr::val(0))
                .from(photo::Entity)
                .and_where(photo::Column::Id.in_subquery(candidates))
                // The photo itself is the same bytes: its visits were read by the first branch.
                .and_where(photo::Column::Id.ne(photo.id))
                .and_where(used_elsewhere())
                .take(),
        );
    }
    let rows = db.query_all(&elsewhere).await?;
    for row in rows {
        let (h, same_bytes): (i64, i32) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
        if same_bytes == 1 || domain::phash::distance(h as u64, phash as u64) <= max_distance {
            return Ok(true);
        }
    }
    Ok(false)
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
