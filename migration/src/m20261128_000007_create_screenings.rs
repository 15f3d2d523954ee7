//! Department screening uploads and the joint household verification tasks they create.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{created_at, drop_tables, fk, id, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("screenings")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(uuid("department_id"))
                    .col(string("month"))
                    .col(uuid("uploaded_by"))
                    .col(string("file_sha256"))
                    .col(integer("rows"))
                    .col(integer("matched"))
                    .col(text("unmatched_rows"))
                    .col(created_at())
                    .foreign_key(&mut fk("screenings", "department_id", "departments"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("screenings", &["department_id", "file_sha256"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("screening_tasks")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(uuid("village_id"))
                    .col(uuid_null("group_id"))
                    .col(uuid("household_id"))
                    .col(uuid("department_id"))
                    .col(uuid("screening_id"))
                    .col(string("month"))
                    .col(string("finding"))
                    .col(text("detail"))
                    .col(date("due_on"))
                    .col(string("status"))
                    .col(uuid_null("visit_id"))
                    .col(timestamp_with_time_zone_null("done_at"))
                    .col(created_at())
                    .foreign_key(&mut fk("screening_tasks", "household_id", "households"))
                    .foreign_key(&mut fk("screening_tasks", "screening_id", "screenings"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("screening_tasks", &["department_id", "month", "household_id", "finding"])).await?;
        manager.create_index(index("screening_tasks", &["village_id", "status"])).await?;
        manager.create_index(index("screening_tasks", &["household_id", "status"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["screening_tasks", "screenings"]).await
    }
}
