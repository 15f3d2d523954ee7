//! The Discipline Commission's supervisions (督查) and their look-back findings per problem.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{created_at, drop_tables, fk, id, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("supervisions")
                    .col(id())
                    .col(uuid("town_id"))
                    .col(string("title"))
                    .col(date("held_on"))
                    .col(string("month"))
                    .col(text("notes"))
                    .col(uuid("created_by"))
                    .col(created_at())
                    .foreign_key(&mut fk("supervisions", "town_id", "towns"))
                    .take(),
            )
            .await?;
        manager.create_index(index("supervisions", &["town_id", "month"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("supervision_findings")
                    .col(uuid("supervision_id"))
                    .col(uuid("problem_id"))
                    .col(string("finding"))
                    .col(text("note"))
                    .primary_key(Index::create().col("supervision_id").col("problem_id"))
                    .foreign_key(&mut fk("supervision_findings", "supervision_id", "supervisions"))
                    .foreign_key(&mut fk("supervision_findings", "problem_id", "problems"))
                    .take(),
            )
            .await?;
        manager.create_index(index("supervision_findings", &["problem_id"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["supervision_findings", "supervisions"]).await
    }
}
