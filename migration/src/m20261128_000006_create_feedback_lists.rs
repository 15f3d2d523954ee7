//! The information officers' feedback lists and the problems each holds once submitted.

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
                    .table("feedback_lists")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(uuid("village_id"))
                    .col(string("kind"))
                    .col(string("period"))
                    .col(text("remarks"))
                    .col(text("item_remarks"))
                    .col(uuid_null("submitted_by"))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .col(created_at())
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("feedback_lists", "village_id", "villages"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("feedback_lists", &["village_id", "kind", "period"])).await?;
        manager.create_index(index("feedback_lists", &["town_id", "kind", "period"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("feedback_list_items")
                    .col(uuid("list_id"))
                    .col(uuid("problem_id"))
                    .col(integer("position"))
                    .col(text("remark"))
                    .primary_key(Index::create().col("list_id").col("problem_id"))
                    .foreign_key(&mut fk("feedback_list_items", "list_id", "feedback_lists"))
                    .foreign_key(&mut fk("feedback_list_items", "problem_id", "problems"))
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["feedback_list_items", "feedback_lists"]).await
    }
}
