//! The in-app inbox: each reminder delivered once per user and key.

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
                    .table("notifications")
                    .col(id())
                    .col(uuid("user_id"))
                    .col(string("kind"))
                    .col(string("dedup_key"))
                    .col(string("title"))
                    .col(text("body"))
                    .col(created_at())
                    .col(timestamp_with_time_zone_null("read_at"))
                    .foreign_key(&mut fk("notifications", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("notifications", &["dedup_key"])).await?;
        manager.create_index(index("notifications", &["user_id", "created_at"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["notifications"]).await
    }
}
