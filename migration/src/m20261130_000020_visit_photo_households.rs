//! Each photo link knows its visit's household: the reused-photo check asks, for a photo, whether
//! it proves a visit to another household, which through `visit_photos (photo_id)` alone meant
//! reading every visit the photo proves, by key, inside the write transaction of every new visit.
//! The household is copied onto the link (a visit's household never changes) and indexed with the
//! photo, so the check is two index probes (below and above the household) however often the photo
//! was used. The new index leads with `photo_id`, so it replaces the one on `photo_id` alone.
//! Nullable only because SQLite adds no `NOT NULL` column without a default; every link has one.
//! Measured in `bench/RESULTS.md`, session 11.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::uuid_null;

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("visit_photos").add_column(uuid_null("household_id")).to_owned())
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE visit_photos SET household_id = \
                 (SELECT visits.household_id FROM visits WHERE visits.id = visit_photos.visit_id)",
            )
            .await?;
        manager.create_index(index("visit_photos", &["photo_id", "household_id"])).await?;
        manager.drop_index(Index::drop().name("idx_visit_photos_photo_id").table("visit_photos").to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_index(index("visit_photos", &["photo_id"])).await?;
        manager
            .drop_index(Index::drop().name("idx_visit_photos_photo_id_household_id").table("visit_photos").to_owned())
            .await?;
        manager.alter_table(Table::alter().table("visit_photos").drop_column("household_id").to_owned()).await
    }
}
