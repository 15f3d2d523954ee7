//! A cross spot-check round can be cancelled before it starts (and the quarter redrawn): the round
//! stays, with when, by whom and why, so the history of the quarter's sample is kept. One round a
//! quarter still stands: the unique index covers the rounds not cancelled only (a partial index,
//! which SQLite and PostgreSQL both have).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{text_null, timestamp_with_time_zone_null, uuid_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in
            [timestamp_with_time_zone_null("cancelled_at"), uuid_null("cancelled_by"), text_null("cancel_reason")]
        {
            manager.alter_table(Table::alter().table("cross_check_rounds").add_column(column).to_owned()).await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX uq_cross_check_rounds_town_id_quarter").await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_cross_check_rounds_town_id_quarter \
             ON cross_check_rounds (town_id, quarter) WHERE cancelled_at IS NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX uq_cross_check_rounds_town_id_quarter").await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_cross_check_rounds_town_id_quarter ON cross_check_rounds (town_id, quarter)",
        )
        .await?;
        for column in ["cancel_reason", "cancelled_by", "cancelled_at"] {
            manager.alter_table(Table::alter().table("cross_check_rounds").drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
