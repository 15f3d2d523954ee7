//! The day a town started using Changxiao (its go-live day): months and quarters before it owe
//! nothing — no list or archive late, no cadre barred from "good", no coverage due. Empty for the
//! towns made before it was kept: they count from the mechanism's start, as before.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::date_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("towns").add_column(date_null("live_from")).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("towns").drop_column("live_from").to_owned()).await
    }
}
