//! Every column a caller's scope can name is indexed, so the scope's OR (village, group, linked
//! household, own visits or problems) is a union of index lookups on SQLite and PostgreSQL alike.
//! Visits had no index on their group: a cadre answering for groups had every one of the
//! district's visits read to list theirs (1.3 s for the count alone over 960k visits on SQLite,
//! `bench/RESULTS.md`, session 9). Problems had none on group or household.

use sea_orm_migration::prelude::*;

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &[&str]); 3] =
    [("visits", &["group_id", "visited_at"]), ("problems", &["group_id"]), ("problems", &["household_id"])];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, columns) in INDEXES {
            manager.create_index(index(table, columns)).await?;
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
