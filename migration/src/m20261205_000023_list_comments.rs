//! The town office's comments on a village's feedback list: kept beside the list, never written
//! into the village's own remarks.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{created_at, drop_tables, id, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("feedback_list_comments")
                    .col(id())
                    .col(uuid("list_id"))
                    .col(uuid("author_id"))
                    .col(text("body"))
                    .col(created_at())
                    .take(),
            )
            .await?;
        manager.create_index(index("feedback_list_comments", &["list_id", "created_at"])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["feedback_list_comments"]).await
    }
}
