//! Each band row carries its photo's whole perceptual hash, and the band index covers it: the
//! reused-photo check measures the distance of every band hit inside the index and looks further
//! only at photos that are the same picture. A band is 16 bits, so a town of 50,000 photos (a
//! year of visits) answers the check's 68 probes with ~50 hits, nearly all of them pictures of other
//! houses; before, each hit cost a read of its photo row and of its visit links (`bench/RESULTS.md`,
//! session 12). Nullable only because SQLite adds no `NOT NULL` column without a default; every
//! band row has one, backfilled here and written with the photo.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::big_integer_null;

use crate::util::index;

const COVERING: [&str; 5] = ["town_id", "band", "value", "phash", "photo_id"];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("photo_bands").add_column(big_integer_null("phash")).to_owned())
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE photo_bands SET phash = (SELECT photos.phash FROM photos WHERE photos.id = photo_bands.photo_id)",
            )
            .await?;
        manager.create_index(index("photo_bands", &COVERING)).await?;
        manager
            .drop_index(Index::drop().name("idx_photo_bands_town_id_band_value").table("photo_bands").to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_index(index("photo_bands", &["town_id", "band", "value"])).await?;
        manager
            .drop_index(
                Index::drop().name("idx_photo_bands_town_id_band_value_phash_photo_id").table("photo_bands").to_owned(),
            )
            .await?;
        manager.alter_table(Table::alter().table("photo_bands").drop_column("phash").to_owned()).await
    }
}
