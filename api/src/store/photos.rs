//! Photos: stored once per uploader and content, found by hash, and checked for reuse.

use sea_orm::prelude::*;
use sea_orm::sea_query::{Query, UnionType};
use sea_orm::{ConnectionTrait, DbBackend, QuerySelect, Statement};
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

/// Writes the bands of a photo's perceptual hash (the reused-photo index), each with the whole hash.
pub async fn index_bands<C: ConnectionTrait>(db: &C, photo: Uuid, town: Uuid, phash: i64) -> Result<(), DbErr> {
    photo_band::Entity::insert_many(band_rows(photo, town, phash)).exec_without_returning(db).await?;
    Ok(())
}

/// The four band rows of a photo's hash.
pub fn band_rows(photo: Uuid, town: Uuid, phash: i64) -> impl Iterator<Item = photo_band::ActiveModel> {
    domain::phash::bands(phash as u64).into_iter().enumerate().map(move |(band, value)| photo_band::ActiveModel {
        photo_id: sea_orm::ActiveValue::Set(photo),
        town_id: sea_orm::ActiveValue::Set(town),
        band: sea_orm::ActiveValue::Set(band as i32),
        value: sea_orm::ActiveValue::Set(i32::from(value)),
        phash: sea_orm::ActiveValue::Set(Some(phash)),
    })
}

/// Whether `photo`, or a photo of the town that is the same picture (the same bytes, or a perceptual
/// hash within `max_distance` bits), proves a visit to another household. Looked up through the
/// band index (`domain::phash`), which carries each photo's whole hash: the probes' hits are
/// measured in the index, and only the same pictures (nearly always the photo alone) have their
/// visit links read, however many photos the town holds.
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
        return Ok(db.query_one_raw(near_and_used_elsewhere_pg(town, household, photo, max_distance)).await?.is_some());
    }
    // SQLite has no bit count: the hits' hashes are read from the index and measured here, then the
    // same pictures' links asked once (two statements, in process).
    let mut by_band: std::collections::BTreeMap<u8, Vec<i32>> = std::collections::BTreeMap::new();
    for (band, value) in domain::phash::probes(phash as u64, max_distance) {
        by_band.entry(band).or_default().push(i32::from(value));
    }
    // A range of the (town, band, value, phash, photo_id) index per band, one after another, and
    // the photos of the same bytes.
    let mut near = Query::select()
        .column(photo::Column::Id)
        .column(photo::Column::Phash)
        .from(photo::Entity)
        .and_where(photo::Column::TownId.eq(town))
        .and_where(photo::Column::Sha256.eq(sha256))
        .take();
    for (band, values) in by_band {
        near.union(
            UnionType::All,
            Query::select()
                .column(photo_band::Column::PhotoId)
                .column(photo_band::Column::Phash)
                .from(photo_band::Entity)
                .and_where(photo_band::Column::TownId.eq(town))
                .and_where(photo_band::Column::Band.eq(i32::from(band)))
                .and_where(photo_band::Column::Value.is_in(values))
                .take(),
        );
    }
    let mut same: Vec<Uuid> = vec![photo.id];
    for row in db.query_all(&near).await? {
        let (id, h): (Uuid, Option<i64>) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
        if h.is_some_and(|h| domain::phash::distance(h as u64, phash as u64) <= max_distance) && !same.contains(&id) {
            same.push(id);
        }
    }
    let linked = visit_photo::Entity::find()
        .filter(visit_photo::Column::PhotoId.is_in(same))
        .filter(visit_photo::Column::HouseholdId.ne(household))
        .select_only()
        .column(visit_photo::Column::PhotoId)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    Ok(linked.is_some())
}

/// [`reused_elsewhere`]'s statement on PostgreSQL. Each band's probe values are one array
/// parameter, so the statement's shape and parameters are the same for every photo and PostgreSQL
/// plans it once per connection (with them as 68 parameters of `IN` lists it planned it on every
/// submit: session 11). Each band is one index-only scan of the covering band index with its values
/// (`= ANY`), its hits measured there (`bit_count`, PostgreSQL 14 or later); `OFFSET 0` keeps the
/// planner from flattening the links' check into a join, whose plan depended on statistics.
/// "Another household" is two ranges of the `(photo_id, household_id)` index, below and above the
/// household: the links of the visit's own household, however many, are not read. (A probe a
/// `LATERAL` lookup from a JSON list, as in session 11, cost a third more: sessions 12 and 13.)
fn near_and_used_elsewhere_pg(town: Uuid, household: Uuid, photo: &photo::Model, max_distance: u32) -> Statement {
    let mut values: [Vec<i32>; 4] = Default::default();
    for (band, value) in domain::phash::probes(photo.phash as u64, max_distance) {
        values[usize::from(band)].push(i32::from(value));
    }
    let [b0, b1, b2, b3] = values;
    Statement::from_sql_and_values(
        DbBackend::Postgres,
        r#"SELECT 1
FROM (
    SELECT b.photo_id
    FROM (
        SELECT photo_id, phash FROM photo_bands WHERE town_id = $1 AND band = 0 AND value = ANY($3)
        UNION ALL
        SELECT photo_id, phash FROM photo_bands WHERE town_id = $1 AND band = 1 AND value = ANY($4)
        UNION ALL
        SELECT photo_id, phash FROM photo_bands WHERE town_id = $1 AND band = 2 AND value = ANY($5)
        UNION ALL
        SELECT photo_id, phash FROM photo_bands WHERE town_id = $1 AND band = 3 AND value = ANY($6)
    ) b
    WHERE bit_count((b.phash # $8)::bit(64)) <= $9
    UNION
    SELECT s.id FROM photos s WHERE s.town_id = $1 AND s.sha256 = $2
) near
WHERE EXISTS (SELECT 1 FROM visit_photos vp WHERE vp.photo_id = near.photo_id AND vp.household_id < $7 OFFSET 0)
   OR EXISTS (SELECT 1 FROM visit_photos vp WHERE vp.photo_id = near.photo_id AND vp.household_id > $7 OFFSET 0)
LIMIT 1"#,
        [
            town.into(),
            photo.sha256.clone().into(),
            b0.into(),
            b1.into(),
            b2.into(),
            b3.into(),
            household.into(),
            photo.phash.into(),
            i32::try_from(max_distance).unwrap_or(i32::MAX).into(),
        ],
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
