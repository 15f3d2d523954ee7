//! Each user's uploads per local day (files and bytes), so the daily upload quota holds across
//! every instance of the service: the count lives beside the data, not in one process.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::drop_tables;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("upload_days")
                    .col(uuid("user_id"))
                    .col(date("day"))
                    .col(big_integer("files"))
                    .col(big_integer("bytes"))
                    .primary_key(Index::create().col("user_id").col("day"))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["upload_days"]).await
    }
}
