//! The four 16-bit bands of each photo's perceptual hash, indexed, so the reused-photo check looks
//! up candidates instead of scanning every photo (multi-index hashing, `domain::phash`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{drop_tables, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("photo_bands")
                    .col(uuid("photo_id"))
                    .col(uuid("town_id"))
                    .col(integer("band"))
                    .col(integer("value"))
                    .primary_key(Index::create().col("photo_id").col("band"))
                    .take(),
            )
            .await?;
        manager.create_index(index("photo_bands", &["town_id", "band", "value"])).await?;
        // The photos stored so far.
        for band in 0..4 {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "INSERT INTO photo_bands (photo_id, town_id, band, value) \
                     SELECT id, town_id, {band}, (phash >> {}) & 65535 FROM photos",
                    16 * band
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["photo_bands"]).await
    }
}
