//! A town's coverage inputs, kept for a few seconds by each API instance, are read again only when
//! the town changed: its latest visit submitted, visit reviewed and household written. These
//! indexes answer each of the three with one seek.

use sea_orm_migration::prelude::*;

use crate::util::{Indexes, create_indexes, drop_indexes};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: Indexes<'static> = &[
    ("visits", &["town_id", "created_at"]),
    ("visits", &["town_id", "reviewed_at"]),
    ("households", &["town_id", "updated_at"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_indexes(manager, INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_indexes(manager, INDEXES).await
    }
}
