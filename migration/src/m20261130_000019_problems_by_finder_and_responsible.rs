//! Who may read a problem: its town's or village's people, and also whoever found it or answers
//! for it (`store::problems::scope`, an OR). Without an index on the last two, the OR could use no
//! index at all, and every problem list and dashboard read the whole table (12.8 ms for a town's
//! dashboard over 29k problems on SQLite, `bench/RESULTS.md`, session 9). With them, SQLite and
//! PostgreSQL each take the union of index lookups.

use sea_orm_migration::prelude::*;

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, [&str; 1]); 2] = [("problems", ["found_by"]), ("problems", ["responsible_user_id"])];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, columns) in INDEXES {
            manager.create_index(index(table, &columns)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, columns) in INDEXES {
            let name = format!("idx_{table}_{}", columns.join("_"));
            manager.drop_index(Index::drop().name(name).table(table).to_owned()).await?;
        }
        Ok(())
    }
}
