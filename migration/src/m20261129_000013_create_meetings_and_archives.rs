//! Meetings with their minutes and decisions, and the "1+N" archive submissions with their files.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{created_at, drop_tables, fk, id, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("meetings")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(string("kind"))
                    .col(uuid_null("village_id"))
                    .col(string("period"))
                    .col(timestamp_with_time_zone("held_at"))
                    .col(string("title"))
                    .col(text("attendees"))
                    .col(text("minutes"))
                    .col(text("decisions"))
                    .col(uuid("recorded_by"))
                    .col(created_at())
                    .foreign_key(&mut fk("meetings", "town_id", "towns"))
                    .take(),
            )
            .await?;
        manager.create_index(index("meetings", &["town_id", "kind", "period"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("archive_submissions")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(uuid("department_id"))
                    .col(string("month"))
                    .col(uuid("submitted_by"))
                    .col(timestamp_with_time_zone("submitted_at"))
                    .col(text("note"))
                    .col(string("review"))
                    .col(text_null("review_reason"))
                    .col(uuid_null("reviewed_by"))
                    .col(timestamp_with_time_zone_null("reviewed_at"))
                    .foreign_key(&mut fk("archive_submissions", "department_id", "departments"))
                    .take(),
            )
            .await?;
        manager.create_index(index("archive_submissions", &["town_id", "month"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("archive_files")
                    .col(id())
                    .col(uuid("submission_id"))
                    .col(string("name"))
                    .col(string("content_type"))
                    .col(big_integer("size"))
                    .col(string("sha256"))
                    .col(string("storage_key"))
                    .foreign_key(&mut fk("archive_files", "submission_id", "archive_submissions"))
                    .take(),
            )
            .await?;
        manager.create_index(index("archive_files", &["submission_id"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["archive_files", "archive_submissions", "meetings"]).await
    }
}
