//! Photos: stored once per uploader and content, found by hash, and checked for reuse.

use sea_orm::prelude::*;
use sea_orm::sea_query::{ExprTrait, Query, UnionType};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, QuerySelect, Statement};
use uuid::Uuid;

use super::ByKey;
use super::entity::{photo, photo_band, visit_photo};

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
        .and_where(visit_photo::Column::HouseholdId.ne(household))
        .take();
    photo::Entity::find()
        .filter(photo::Column::TownId.eq(town))
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
    if db.get_database_backend() == DbBackend::Postgres {
        let rows = db.query_all_raw(near_and_used_elsewhere_pg(town, household, photo, max_distance)).await?;
        return reused_in(rows, phash, max_distance);
    }
    // Per candidate photo: whether a link of it names another household, read from the
    // `visit_photos (photo_id, household_id)` index alone. Correlated, so that no planner can
    // start from the town's visit photos.
    let used_elsewhere = || {
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(visit_photo::Entity)
                .and_where(
                    Expr::col((visit_photo::Entity, visit_photo::Column::PhotoId))
                        .equals((photo::Entity, photo::Column::Id)),
                )
                .and_where(Expr::col((visit_photo::Entity, visit_photo::Column::HouseholdId)).ne(household))
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
    reused_in(db.query_all(&elsewhere).await?, phash, max_distance)
}

/// Whether a row of (phash, same bytes as 1 or 0) of a photo used elsewhere is the same picture.
fn reused_in(rows: Vec<QueryResult>, phash: i64, max_distance: u32) -> Result<bool, DbErr> {
    for row in rows {
        let (h, same_bytes): (i64, i32) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
        if same_bytes == 1 || domain::phash::distance(h as u64, phash as u64) <= max_distance {
            return Ok(true);
        }
    }
    Ok(false)
}

/// [`reused_elsewhere`]'s statement on PostgreSQL: the probes are one JSON parameter, so the
/// statement's shape and parameters are the same for every photo and PostgreSQL plans it once per
/// connection. With them as 68 parameters of `IN` lists it planned it on every submit (3 ms of
/// its CPU, more than the rest of a submit; `bench/RESULTS.md`, session 11), and, where a table's
/// statistics were taken before it had rows, ran the generic plan by reading every band row of the
/// town. `OFFSET 0` keeps PostgreSQL from flattening the two subqueries into joins, whose plan
/// depended on statistics: each probe stays one equality lookup on all three columns of the band
/// index, and each candidate's links are read by the candidate (as a join, without current
/// statistics, it hashed every visit photo of the town: 54 ms instead of 0.6). "Another household"
/// is two ranges of the `(photo_id, household_id)` index, below and above the household: the
/// links of the visit's own household, however many, are not read.
fn near_and_used_elsewhere_pg(town: Uuid, household: Uuid, photo: &photo::Model, max_distance: u32) -> Statement {
    let probes: Vec<serde_json::Value> = domain::phash::probes(photo.phash as u64, max_distance)
        .into_iter()
        .map(|(band, value)| serde_json::json!({ "band": band, "value": value }))
        .collect();
    Statement::from_sql_and_values(
        DbBackend::Postgres,
        r#"SELECT p.phash, CASE WHEN p.sha256 = $2 THEN 1 ELSE 0 END
FROM photos p
WHERE p.id IN (
    SELECT b.photo_id
    FROM jsonb_to_recordset($3::jsonb) AS probe(band integer, value integer)
    CROSS JOIN LATERAL (
        SELECT photo_id FROM photo_bands
        WHERE town_id = $1 AND band = probe.band AND value = probe.value
        OFFSET 0
    ) b
    UNION
    SELECT s.id FROM photos s WHERE s.town_id = $1 AND s.sha256 = $2
)
AND (
    EXISTS (SELECT 1 FROM visit_photos vp WHERE vp.photo_id = p.id AND vp.household_id < $4 OFFSET 0)
    OR EXISTS (SELECT 1 FROM visit_photos vp WHERE vp.photo_id = p.id AND vp.household_id > $4 OFFSET 0)
)"#,
        [town.into(), photo.sha256.clone().into(), serde_json::Value::Array(probes).into(), household.into()],
    )
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
