//! A town's coverage inputs, kept for a few seconds by each API instance, are read again only when
//! the town changed: its latest visit submitted, visit reviewed and household written. These
//! indexes answer each of the three with one seek.

use sea_orm_migration::prelude::*;

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, [&str; 2]); 3] = [
    ("visits", ["town_id", "created_at"]),
    ("visits", ["town_id", "reviewed_at"]),
    ("households", ["town_id", "updated_at"]),
];

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
