//! What each department owes the mechanism: whether it files monthly archive materials (the
//! office that runs the mechanism and the Discipline Commission that oversees it do not file to
//! themselves), and which screening findings are its own (a health office reports medical
//! expenses, not dangerous housing). `findings` is a comma-separated list of finding names; empty
//! means not configured, and then any finding is taken, as before.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, string};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table("departments").add_column(boolean("owes_archives").default(true)).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table("departments").add_column(string("findings").default("")).to_owned())
            .await?;
        // The notice's own names for the two bodies that receive materials rather than file them.
        manager
            .get_connection()
            .execute_unprepared("UPDATE departments SET owes_archives = false WHERE name IN ('乡村振兴办', '镇纪委')")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("departments").drop_column("findings").to_owned()).await?;
        manager.alter_table(Table::alter().table("departments").drop_column("owes_archives").to_owned()).await
    }
}
